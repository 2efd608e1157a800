import { useState } from "preact/hooks";
import { api } from "./api.js";
import { when } from "./format.js";
import { useNav } from "./nav.js";
import { usePoll } from "./use-poll.js";
import { useAction } from "./use-action.js";

interface Schedule {
  id: string;
  type: "DECLARATIVE" | "IMPERATIVE";
  task: string;
  active: boolean;
  externalId?: string | null;
  generator: { expression: string; description: string };
  timezone: string;
  nextRun?: string | null;
}

interface Page {
  data: Schedule[];
  pagination: { currentPage: number; totalPages: number; count: number };
}

/** Schedules of the environment: create (imperative), activate/deactivate, delete, with the next run. */
export function SchedulesPage() {
  const { environment } = useNav();
  const [page, setPage] = useState(1);
  const { data, error, refresh } = usePoll(() => api<Page>(`/api/v1/schedules?page=${page}&perPage=25`), [environment.id, page], 5000);
  const { message, act } = useAction(refresh);
  const [form, setForm] = useState({ task: "", cron: "0 * * * *", timezone: "UTC", externalId: "" });

  const create = (event: Event) => {
    event.preventDefault();
    const body = { task: form.task, cron: form.cron, timezone: form.timezone || undefined, externalId: form.externalId || undefined };
    void act(`Created a schedule for ${form.task}`, () => api("/api/v1/schedules", { method: "POST", body }));
  };
  const field = (key: keyof typeof form) => (e: Event) => {
    const value = (e.currentTarget as HTMLInputElement).value;
    setForm((f) => ({ ...f, [key]: value }));
  };

  return (
    <section aria-labelledby="schedules-title">
      <h1 id="schedules-title">Schedules</h1>
      <p role="status" aria-live="polite">{message}</p>
      {error && <p class="error" role="alert">{error}</p>}
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
          {(data?.data ?? []).map((s) => (
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
              <td>{s.active ? when(s.nextRun ?? undefined) : "—"}</td>
              <td>{s.type === "DECLARATIVE" ? "in code" : "created by API"}</td>
              <td>{s.active ? "active" : "inactive"}</td>
              <td class="actions">
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
            </tr>
          ))}
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
        <button type="submit">Create schedule</button>
      </form>
    </section>
  );
}
