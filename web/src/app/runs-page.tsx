import { useState } from "preact/hooks";
import { api, type RunSummary } from "./api.js";
import { duration, when } from "./format.js";
import { usePoll } from "./use-poll.js";

const STATUSES = ["", "PENDING_VERSION", "DELAYED", "QUEUED", "EXECUTING", "WAITING", "COMPLETED", "CANCELED", "FAILED", "CRASHED", "SYSTEM_FAILURE", "EXPIRED", "TIMED_OUT"];

interface Page {
  data: RunSummary[];
  pagination: { next?: string; previous?: string };
}

export function RunsPage() {
  const [status, setStatus] = useState("");
  const [task, setTask] = useState("");
  const [cursor, setCursor] = useState<{ after?: string; before?: string }>({});
  const query = new URLSearchParams({ "page[size]": "25" });
  if (status) query.set("filter[status]", status);
  if (task) query.set("filter[taskIdentifier]", task);
  if (cursor.after) query.set("page[after]", cursor.after);
  if (cursor.before) query.set("page[before]", cursor.before);
  const { data, error } = usePoll(() => api<Page>(`/api/v1/runs?${query}`), [status, task, cursor.after, cursor.before]);

  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title">Runs</h1>
      <form class="inline" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={status} onChange={(e) => (setStatus(e.currentTarget.value), setCursor({}))}>
            {STATUSES.map((s) => (
              <option value={s}>{s || "Any"}</option>
            ))}
          </select>
        </label>
        <label>
          Task
          <input value={task} onChange={(e) => (setTask(e.currentTarget.value), setCursor({}))} placeholder="task id" />
        </label>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      <table>
        <thead>
          <tr>
            <th>Run</th>
            <th>Task</th>
            <th>Status</th>
            <th>Version</th>
            <th>Created</th>
            <th>Duration</th>
            <th>Tags</th>
          </tr>
        </thead>
        <tbody>
          {data?.data.map((run) => (
            <tr key={run.id}>
              <td>
                <a href={`#/runs/${run.id}`}>
                  <code>{run.id}</code>
                </a>
              </td>
              <td>{run.taskIdentifier}</td>
              <td>
                <span class={`status ${run.status}`}>{run.status}</span>
              </td>
              <td>{run.version ?? "—"}</td>
              <td>{when(run.createdAt)}</td>
              <td>{duration(run.durationMs)}</td>
              <td>{run.tags.join(", ")}</td>
            </tr>
          ))}
          {data && data.data.length === 0 && (
            <tr>
              <td colSpan={7} class="muted">
                No runs match. Trigger one from the Test page, the SDK or curl.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <div class="toolbar">
        <button type="button" disabled={!data?.pagination.previous} onClick={() => setCursor({ before: data?.pagination.previous })}>
          ← Newer
        </button>
        <button type="button" disabled={!data?.pagination.next} onClick={() => setCursor({ after: data?.pagination.next })}>
          Older →
        </button>
      </div>
    </section>
  );
}
