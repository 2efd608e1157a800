import { useState } from "preact/hooks";
import { api, errorText } from "./api.js";
import { duration } from "./format.js";
import { useNav } from "./nav.js";
import { usePoll } from "./use-poll.js";
import { checkPayload } from "./payload-check.js";

interface TaskOverview {
  windowDays: number;
  data: Array<{
    id: string;
    deployed: boolean;
    filePath?: string;
    triggerSource?: string;
    queue?: string;
    payloadSchema?: unknown;
    runs: number;
    byStatus: Record<string, number>;
    avgDurationMs?: number;
    p95DurationMs?: number;
  }>;
}

export function TasksPage() {
  const { environment } = useNav();
  const { data, error } = usePoll(() => api<TaskOverview>("/api/v1/dashboard/tasks"), [environment.id], 5000);
  const [taskId, setTaskId] = useState<string | null>(null);
  const tasks = data?.data ?? [];
  const chosen = taskId ?? tasks.find((t) => t.deployed)?.id ?? "";
  return (
    <section aria-labelledby="tasks-title">
      <h1 id="tasks-title">Tasks</h1>
      {error && <p class="error" role="alert">{error}</p>}
      <table>
        <caption class="muted">Runs in the last {data?.windowDays ?? 7} days</caption>
        <thead>
          <tr>
            <th scope="col">Task</th>
            <th scope="col">File</th>
            <th scope="col">Runs</th>
            <th scope="col">Completed</th>
            <th scope="col">Failed</th>
            <th scope="col">Avg duration</th>
            <th scope="col">p95 duration</th>
            <th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((t) => {
            const failed = ["FAILED", "CRASHED", "SYSTEM_FAILURE", "TIMED_OUT", "EXPIRED"].reduce((n, s) => n + (t.byStatus[s] ?? 0), 0);
            return (
              <tr key={t.id}>
                <td>
                  <a href={`#/runs?task=${encodeURIComponent(t.id)}`}>
                    {t.id}
                  </a>
                  {t.triggerSource === "SCHEDULED" && <span class="badge">scheduled</span>}
                  {!t.deployed && <span class="badge">not in current deployment</span>}
                </td>
                <td class="muted">{t.filePath ?? "—"}</td>
                <td>{t.runs}</td>
                <td>{t.byStatus.COMPLETED ?? 0}</td>
                <td>{failed}</td>
                <td>{duration(t.avgDurationMs)}</td>
                <td>{duration(t.p95DurationMs)}</td>
                <td>
                  <button type="button" onClick={() => (setTaskId(t.id), document.getElementById("test-payload")?.focus())}>
                    Test {t.id}
                  </button>
                </td>
              </tr>
            );
          })}
          {data && tasks.length === 0 && (
            <tr>
              <td colSpan={8} class="muted">
                No tasks in this environment yet: deploy with <code>gantry deploy</code>.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <TestPanel taskId={chosen} onTaskId={setTaskId} schema={tasks.find((t) => t.id === chosen)?.payloadSchema} taskIds={tasks.map((t) => t.id)} />
    </section>
  );
}

/** Trigger a task with a JSON payload (a test run), then watch it on its run page. */
function TestPanel(props: { taskId: string; onTaskId: (id: string) => void; schema?: unknown; taskIds: string[] }) {
  const [payload, setPayload] = useState("{\n  \n}");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch (e) {
      setError(`The payload is not valid JSON: ${errorText(e)}`);
      return;
    }
    const problem = checkPayload(props.schema, parsed);
    if (problem) {
      setError(`The payload does not match the task's schema: ${problem}`);
      return;
    }
    setBusy(true);
    try {
      const run = await api<{ id: string }>(`/api/v1/tasks/${encodeURIComponent(props.taskId)}/trigger`, {
        method: "POST",
        body: { payload: parsed, options: { test: true } },
      });
      location.hash = `#/runs/${run.id}`;
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="test-title" class="card">
      <h2 id="test-title">Test panel</h2>
      <form onSubmit={submit}>
        <label>
          Task
          <input list="task-ids" value={props.taskId} onInput={(e) => props.onTaskId(e.currentTarget.value)} required />
          <datalist id="task-ids">
            {props.taskIds.map((id) => (
              <option value={id} />
            ))}
          </datalist>
        </label>
        <label>
          Payload (JSON)
          <textarea id="test-payload" value={payload} onInput={(e) => setPayload(e.currentTarget.value)} />
        </label>
        <p>
          <button type="submit" disabled={busy || !props.taskId}>
            Run test
          </button>
        </p>
        {error && <p class="error" role="alert">{error}</p>}
      </form>
    </section>
  );
}
