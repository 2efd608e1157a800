import { useEffect, useState } from "preact/hooks";
import { api, errorText } from "./api.js";
import { when } from "./format.js";
import { useNav } from "./nav.js";
import { usePoll } from "./use-poll.js";
import { useAction } from "./use-action.js";
import { PageStatus } from "./page-status.js";

interface Schedule {
  id: string;
  type: "DECLARATIVE" | "IMPERATIVE";
  task: string;
  active: boolean;
  externalId?: string | null;
  deduplicationKey?: string | null;
  generator: { expression: string; description: string };
  timezone: string;
  nextRun?: string | null;
}

interface Page {
  data: Schedule[];
  pagination: { currentPage: number; totalPages: number; count: number };
}

interface Draft {
  cron: string;
  timezone: string;
  externalId: string;
}

/** Schedules of the environment: create and edit (imperative), activate/deactivate, delete, with the next run. */
export function SchedulesPage() {
  const { environment } = useNav();
  const [page, setPage] = useState(1);
  const { data, error, refresh } = usePoll(() => api<Page>(`/api/v1/schedules?page=${page}&perPage=25`), [environment.id, page], 5000);
  const { message, act } = useAction(refresh);
  const [form, setForm] = useState({ task: "", cron: "0 * * * *", timezone: "UTC", externalId: "", deduplicationKey: "" });
  const [editing, setEditing] = useState<{ id: string; draft: Draft } | null>(null);
  const [showUpcoming, setShowUpcoming] = useState<string | null>(null);

  const create = (event: Event) => {
    event.preventDefault();
    const body = { task: form.task, cron: form.cron, timezone: form.timezone || undefined, externalId: form.externalId || undefined, deduplicationKey: form.deduplicationKey || undefined };
    void act(`Created a schedule for ${form.task}`, () => api("/api/v1/schedules", { method: "POST", body }));
  };
  const field = (key: keyof typeof form) => (e: Event) => {
    const value = (e.currentTarget as HTMLInputElement).value;
    setForm((f) => ({ ...f, [key]: value }));
  };

  const startEdit = (s: Schedule) =>
    setEditing(editing?.id === s.id ? null : { id: s.id, draft: { cron: s.generator.expression, timezone: s.timezone, externalId: s.externalId ?? "" } });
  const save = (s: Schedule) => (event: Event) => {
    event.preventDefault();
    if (!editing) return;
    const { cron, timezone, externalId } = editing.draft;
    // the PUT replaces the schedule's settings: an emptied external id is dropped
    const body = { task: s.task, cron, timezone: timezone || "UTC", externalId: externalId || undefined };
    void act(`Updated ${s.id}`, async () => {
      await api(`/api/v1/schedules/${s.id}`, { method: "PUT", body });
      setEditing(null);
    });
  };
  const editField = (key: keyof Draft) => (e: Event) => {
    const value = (e.currentTarget as HTMLInputElement).value;
    setEditing((current) => (current ? { ...current, draft: { ...current.draft, [key]: value } } : current));
  };

  return (
    <section aria-labelledby="schedules-title">
      <h1 id="schedules-title">Schedules</h1>
      <PageStatus message={message} error={error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Task</th>
            <th scope="col">Cron</th>
            <th scope="col">Timezone</th>
            <th scope="col">Next run</th>
            <th scope="col">Type</th>
            <th scope="col">State</th>
            <th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {(data?.data ?? []).map((s) => [
            <tr key={s.id} data-schedule={s.id}>
              <td>
                {s.task}
                {s.externalId && <div class="muted small">{s.externalId}</div>}
              </td>
              <td>
                <code>{s.generator.expression}</code>
                <div class="muted small">{s.generator.description}</div>
              </td>
              <td>{s.timezone}</td>
              <td>
                <span data-testid="next-run">{s.active ? when(s.nextRun ?? undefined) : "—"}</span>
                {s.active && (
                  <div>
                    <button
                      type="button"
                      class="small"
                      aria-expanded={showUpcoming === s.id}
                      aria-label={`Next 5 runs of ${s.task} ${s.generator.expression}`}
                      onClick={() => setShowUpcoming(showUpcoming === s.id ? null : s.id)}
                    >
                      Next 5 runs
                    </button>
                    {showUpcoming === s.id && <UpcomingRuns id={s.id} version={`${s.generator.expression} ${s.timezone}`} />}
                  </div>
                )}
              </td>
              <td>{s.type === "DECLARATIVE" ? "in code" : "created by API"}</td>
              <td data-testid="state">{s.active ? "active" : "inactive"}</td>
              <td class="actions">
                <a class="button" href={`#/runs?schedule=${s.id}`} aria-label={`Runs of ${s.task} ${s.generator.expression}`}>
                  Runs
                </a>
                {s.type === "IMPERATIVE" && (
                  <button type="button" aria-expanded={editing?.id === s.id} onClick={() => startEdit(s)} aria-label={`Edit ${s.task} ${s.generator.expression}`}>
                    Edit
                  </button>
                )}
                {s.active ? (
                  <button type="button" onClick={() => void act(`Deactivated ${s.id}`, () => api(`/api/v1/schedules/${s.id}/deactivate`, { method: "POST" }))} aria-label={`Deactivate ${s.task} ${s.generator.expression}`}>
                    Deactivate
                  </button>
                ) : (
                  <button type="button" onClick={() => void act(`Activated ${s.id}`, () => api(`/api/v1/schedules/${s.id}/activate`, { method: "POST" }))} aria-label={`Activate ${s.task} ${s.generator.expression}`}>
                    Activate
                  </button>
                )}
                {s.type === "IMPERATIVE" && (
                  <button
                    type="button"
                    onClick={() => confirm(`Delete this schedule of ${s.task}?`) && void act(`Deleted ${s.id}`, () => api(`/api/v1/schedules/${s.id}`, { method: "DELETE" }))}
                    aria-label={`Delete ${s.task} ${s.generator.expression}`}
                  >
                    Delete
                  </button>
                )}
              </td>
            </tr>,
            editing?.id === s.id && (
              <tr key={`${s.id}-edit`}>
                <td colSpan={7}>
                  <form class="inline" onSubmit={save(s)} aria-label={`Edit schedule ${s.id}`}>
                    <label>
                      Cron
                      <input value={editing.draft.cron} onInput={editField("cron")} required />
                    </label>
                    <label>
                      Timezone
                      <input value={editing.draft.timezone} onInput={editField("timezone")} placeholder="UTC" />
                    </label>
                    <label>
                      External id
                      <input value={editing.draft.externalId} onInput={editField("externalId")} placeholder="optional" />
                    </label>
                    {s.deduplicationKey && (
                      <p class="muted small">
                        Deduplication key <code>{s.deduplicationKey}</code> (fixed once created)
                      </p>
                    )}
                    <button type="submit">Save schedule</button>
                    <button type="button" onClick={() => setEditing(null)}>
                      Cancel edit
                    </button>
                  </form>
                </td>
              </tr>
            ),
          ])}
          {data && data.data.length === 0 && (
            <tr><td colSpan={7} class="muted">No schedules: define one with <code>schedules.task</code> or create one below.</td></tr>
          )}
        </tbody>
      </table>
      {data && data.pagination.totalPages > 1 && (
        <div class="toolbar">
          <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>← Previous</button>
          <span class="muted">Page {data.pagination.currentPage} of {data.pagination.totalPages}</span>
          <button type="button" disabled={page >= data.pagination.totalPages} onClick={() => setPage(page + 1)}>Next →</button>
        </div>
      )}
      <form class="inline card" onSubmit={create} aria-label="Create a schedule">
        <label>
          Scheduled task
          <input value={form.task} onInput={field("task")} required />
        </label>
        <label>
          Cron (5 fields)
          <input value={form.cron} onInput={field("cron")} required />
        </label>
        <label>
          Timezone
          <input value={form.timezone} onInput={field("timezone")} placeholder="UTC" />
        </label>
        <label>
          External id
          <input value={form.externalId} onInput={field("externalId")} placeholder="optional" />
        </label>
        <label>
          Deduplication key
          <input value={form.deduplicationKey} onInput={field("deduplicationKey")} placeholder="optional: creates or updates" />
        </label>
        <button type="submit">Create schedule</button>
      </form>
    </section>
  );
}

/** The schedule's next ticks, computed by the api from its cron and timezone (reloaded when either changes). */
function UpcomingRuns({ id, version }: { id: string; version: string }) {
  const [state, setState] = useState<{ upcoming?: string[]; error?: string }>({});
  useEffect(() => {
    let stopped = false;
    api<{ upcoming: string[] }>(`/api/v1/dashboard/schedules/${id}/upcoming?count=5`).then(
      (r) => !stopped && setState({ upcoming: r.upcoming }),
      (e) => !stopped && setState({ error: errorText(e) }),
    );
    return () => {
      stopped = true;
    };
  }, [id, version]);
  if (state.error) return <p class="error small">{state.error}</p>;
  if (!state.upcoming) return <p class="muted small">Loading…</p>;
  return (
    <ol class="small" aria-label="Upcoming runs" data-testid="upcoming">
      {state.upcoming.map((t) => (
        <li>
          <time dateTime={t}>{when(t)}</time>
        </li>
      ))}
    </ol>
  );
}
