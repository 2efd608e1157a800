import { useState } from "preact/hooks";
import { api } from "./api.js";
import { when } from "./format.js";
import { useNav } from "./nav.js";
import { usePoll } from "./use-poll.js";
import { useAction } from "./use-action.js";
import { PageStatus } from "./page-status.js";

type ChannelType = "WEBHOOK" | "SLACK" | "EMAIL";
const EVENTS = [
  { id: "alert.run.failed", label: "Run failed" },
  { id: "alert.deployment.success", label: "Deployment succeeded" },
  { id: "alert.deployment.failed", label: "Deployment failed" },
] as const;
const ENV_TYPES = ["PRODUCTION", "STAGING", "PREVIEW", "DEVELOPMENT"] as const;

interface Channel {
  id: string;
  name: string;
  type: ChannelType;
  target: string;
  events: string[];
  environmentTypes: string[];
  enabled: boolean;
  createdAt: string;
  secret?: string;
}

interface Delivery {
  id: string;
  channelId: string;
  channelName: string;
  type: string;
  subjectId: string;
  status: "PENDING" | "DELIVERING" | "SUCCEEDED" | "FAILED";
  attempts: number;
  maxAttempts: number;
  nextAttemptAt?: string;
  lastError?: string;
  lastStatusCode?: number;
  createdAt: string;
  deliveredAt?: string;
}

interface Alerts {
  smtpConfigured: boolean;
  data: Channel[];
  deliveries: Delivery[];
}

const DELIVERY_CLASS: Record<Delivery["status"], string> = { PENDING: "QUEUED", DELIVERING: "EXECUTING", SUCCEEDED: "COMPLETED", FAILED: "FAILED" };
const TARGET_LABEL: Record<ChannelType, string> = { WEBHOOK: "Webhook URL", SLACK: "Slack incoming-webhook URL", EMAIL: "Email addresses (comma-separated)" };

/** The project's alert channels (webhook, Slack, email): create, choose events, enable/disable, delete; recent deliveries, live. */
export function AlertsPage() {
  const { project } = useNav();
  const base = `/api/v1/dashboard/projects/${project.ref}/alerts`;
  const { data, error, refresh } = usePoll(() => api<Alerts>(base), [base], 3000);
  const { message, act } = useAction(refresh);
  const [name, setName] = useState("");
  const [type, setType] = useState<ChannelType>("WEBHOOK");
  const [target, setTarget] = useState("");
  const [events, setEvents] = useState<string[]>(["alert.run.failed"]);
  const [envTypes, setEnvTypes] = useState<string[]>(["PRODUCTION", "STAGING"]);
  const [revealed, setRevealed] = useState<string | null>(null);

  const toggle = (list: string[], item: string, on: boolean) => (on ? [...new Set([...list, item])] : list.filter((x) => x !== item));

  const create = (event: Event) => {
    event.preventDefault();
    void act(`Created alert channel ${name}`, async () => {
      const created = await api<Channel>(base, { method: "POST", body: { name, type, target, events, environmentTypes: envTypes } });
      if (created.secret) setRevealed(created.id);
      setName("");
      setTarget("");
    });
  };
  const setEnabled = (c: Channel, enabled: boolean) =>
    void act(`${enabled ? "Enabled" : "Disabled"} ${c.name}`, () => api(`${base}/${c.id}`, { method: "PATCH", body: { enabled } }));
  const setChannelEvents = (c: Channel, next: string[]) => {
    if (next.length === 0) return;
    void act(`Updated the events of ${c.name}`, () => api(`${base}/${c.id}`, { method: "PATCH", body: { events: next } }));
  };
  const remove = (c: Channel) => {
    if (!confirm(`Delete the alert channel ${c.name}? Its delivery history goes with it.`)) return;
    void act(`Deleted ${c.name}`, () => api(`${base}/${c.id}`, { method: "DELETE" }));
  };

  return (
    <section aria-labelledby="alerts-title">
      <h1 id="alerts-title">Alerts</h1>
      <p class="muted">
        Get told when a run fails (FAILED, CRASHED, SYSTEM_FAILURE, TIMED_OUT) or a deployment succeeds or fails. Webhooks are signed: verify them with{" "}
        <code>webhooks.constructEvent(request, secret)</code> from <code>@gantry/sdk</code> (or <code>@trigger.dev/sdk</code>).
      </p>
      <PageStatus message={message} error={error} />
      <table aria-label="Alert channels">
        <thead>
          <tr>
            <th scope="col">Channel</th>
            <th scope="col">Target</th>
            <th scope="col">Events</th>
            <th scope="col">Environments</th>
            <th scope="col">State</th>
            <th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {(data?.data ?? []).map((c) => (
            <tr key={c.id} data-channel={c.name}>
              <td>
                <b>{c.name}</b> <span class="badge">{c.type.toLowerCase()}</span>
                {c.secret && (
                  <div class="small">
                    {revealed === c.id ? (
                      <span>
                        Secret: <code data-testid="webhook-secret">{c.secret}</code>
                      </span>
                    ) : (
                      <button type="button" onClick={() => setRevealed(c.id)} aria-label={`Show secret of ${c.name}`}>Show secret</button>
                    )}
                  </div>
                )}
              </td>
              <td><code class="small">{c.target}</code></td>
              <td>
                {EVENTS.map((e) => (
                  <label class="check" key={e.id}>
                    <input type="checkbox" aria-label={`${e.label} for ${c.name}`} checked={c.events.includes(e.id)} onChange={(ev) => setChannelEvents(c, toggle(c.events, e.id, ev.currentTarget.checked))} />
                    {e.label}
                  </label>
                ))}
              </td>
              <td class="small">{c.environmentTypes.join(", ").toLowerCase()}</td>
              <td>{c.enabled ? <span class="status COMPLETED">enabled</span> : <span class="status">disabled</span>}</td>
              <td class="actions">
                <button type="button" onClick={() => setEnabled(c, !c.enabled)} aria-label={`${c.enabled ? "Disable" : "Enable"} ${c.name}`}>
                  {c.enabled ? "Disable" : "Enable"}
                </button>
                <button type="button" onClick={() => remove(c)} aria-label={`Delete ${c.name}`}>Delete</button>
              </td>
            </tr>
          ))}
          {data && data.data.length === 0 && (
            <tr><td colSpan={6} class="muted">No alert channels yet.</td></tr>
          )}
        </tbody>
      </table>

      <form class="card" onSubmit={create} aria-label="New alert channel">
        <h2>New alert</h2>
        <div class="toolbar">
          <label>
            Name
            <input value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={100} />
          </label>
          <label>
            Type
            <select value={type} onChange={(e) => setType(e.currentTarget.value as ChannelType)}>
              <option value="WEBHOOK">Webhook</option>
              <option value="SLACK">Slack</option>
              <option value="EMAIL" disabled={data ? !data.smtpConfigured : false}>Email{data && !data.smtpConfigured ? " (set GANTRY_SMTP_URL)" : ""}</option>
            </select>
          </label>
          <label style="flex: 1; min-width: 280px">
            {TARGET_LABEL[type]}
            <input value={target} onInput={(e) => setTarget(e.currentTarget.value)} required type={type === "EMAIL" ? "text" : "url"} placeholder={type === "EMAIL" ? "oncall@example.com" : "https://"} />
          </label>
        </div>
        <fieldset class="toolbar">
          <legend class="muted small">Alert on</legend>
          {EVENTS.map((e) => (
            <label class="check" key={e.id}>
              <input type="checkbox" name="events" value={e.id} checked={events.includes(e.id)} onChange={(ev) => setEvents(toggle(events, e.id, ev.currentTarget.checked))} />
              {e.label}
            </label>
          ))}
        </fieldset>
        <fieldset class="toolbar">
          <legend class="muted small">In environments</legend>
          {ENV_TYPES.map((t) => (
            <label class="check" key={t}>
              <input type="checkbox" name="environmentTypes" value={t} checked={envTypes.includes(t)} onChange={(ev) => setEnvTypes(toggle(envTypes, t, ev.currentTarget.checked))} />
              {t.toLowerCase()}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={events.length === 0 || envTypes.length === 0}>Create alert</button>
      </form>

      <h2>Recent deliveries</h2>
      <table aria-label="Recent deliveries">
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Subject</th>
            <th scope="col">Channel</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {(data?.deliveries ?? []).map((d) => (
            <tr key={d.id} data-delivery={d.subjectId}>
              <td><code>{d.type}</code></td>
              <td>{d.subjectId.startsWith("run_") ? <a href={`#/runs/${d.subjectId}`}><code>{d.subjectId}</code></a> : <code>{d.subjectId}</code>}</td>
              <td>{d.channelName}</td>
              <td>
                <span class={`status ${DELIVERY_CLASS[d.status]}`}>{d.status}</span>
                {d.lastError && <div class="error small">{d.lastStatusCode ? `${d.lastStatusCode}: ` : ""}{d.lastError}</div>}
                {d.nextAttemptAt && d.status === "PENDING" && d.attempts > 0 && <div class="muted small">next attempt {when(d.nextAttemptAt)}</div>}
              </td>
              <td>{d.attempts} / {d.maxAttempts}</td>
              <td>{when(d.deliveredAt ?? d.createdAt)}</td>
            </tr>
          ))}
          {data && data.deliveries.length === 0 && (
            <tr><td colSpan={6} class="muted">Nothing sent yet.</td></tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
