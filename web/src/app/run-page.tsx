import { useState } from "preact/hooks";
import { api, type RunDetail } from "./api.js";
import { duration, json, when } from "./format.js";
import { usePoll } from "./use-poll.js";

interface LogLine {
  time: string;
  level: string;
  message: string;
  attemptNumber: number;
  kind: string;
  durationMs?: number;
}

export function RunPage({ id }: { id: string }) {
  const { data: run, error } = usePoll(() => api<RunDetail>(`/api/v3/runs/${id}`), [id]);
  const { data: logs } = usePoll(() => api<{ data: LogLine[] }>(`/api/v1/runs/${id}/events`).catch(() => ({ data: [] })), [id]);
  const [message, setMessage] = useState<string | null>(null);

  const act = async (path: string, label: string) => {
    try {
      const result = await api<{ id: string }>(path, { method: "POST" });
      if (label === "replay") location.hash = `#/runs/${result.id}`;
      else setMessage(`Canceled ${result.id}`);
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
    }
  };

  if (error) return <p class="error" role="alert">{error}</p>;
  if (!run) return <p class="muted">Loading…</p>;
  return (
    <section aria-labelledby="run-title">
      <p>
        <a href="#/runs">← Runs</a>
      </p>
      <h1 id="run-title">
        {run.taskIdentifier} <code>{run.id}</code> <span class={`status ${run.status}`}>{run.status}</span>
      </h1>
      <div class="toolbar">
        <button type="button" onClick={() => act(`/api/v1/runs/${run.id}/replay`, "replay")}>Replay</button>
        <button type="button" disabled={run.isCompleted} onClick={() => act(`/api/v2/runs/${run.id}/cancel`, "cancel")}>
          Cancel
        </button>
        {message && <span role="status">{message}</span>}
      </div>
      <div class="grid">
        <div class="card"><div class="k">Version</div>{run.version ?? "—"}</div>
        <div class="card"><div class="k">Created</div>{when(run.createdAt)}</div>
        <div class="card"><div class="k">Started</div>{when(run.startedAt)}</div>
        <div class="card"><div class="k">Finished</div>{when(run.finishedAt)}</div>
        <div class="card"><div class="k">Duration</div>{duration(run.durationMs)}</div>
        <div class="card"><div class="k">Attempts</div>{run.attemptCount}</div>
      </div>
      {run.relatedRuns.parent && (
        <p>
          Parent: <a href={`#/runs/${run.relatedRuns.parent.id}`}>{run.relatedRuns.parent.id}</a>
        </p>
      )}
      {run.replayedFromId && (
        <p>
          Replay of <a href={`#/runs/${run.replayedFromId}`}>{run.replayedFromId}</a>
        </p>
      )}
      <h2>Payload</h2>
      <pre>{json(run.payload)}</pre>
      {run.output !== undefined && (
        <>
          <h2>Output</h2>
          <pre>{json(run.output)}</pre>
        </>
      )}
      {run.error && (
        <>
          <h2>Error</h2>
          <pre class="error">{run.error.stackTrace ?? `${run.error.name ?? "Error"}: ${run.error.message}`}</pre>
        </>
      )}
      {run.attempts && run.attempts.length > 0 && (
        <>
          <h2>Attempts</h2>
          <table>
            <thead>
              <tr><th>#</th><th>Status</th><th>Started</th><th>Completed</th><th>Error</th></tr>
            </thead>
            <tbody>
              {run.attempts.map((a) => (
                <tr key={a.id}>
                  <td>{a.number}</td>
                  <td><span class={`status ${a.status}`}>{a.status}</span></td>
                  <td>{when(a.startedAt)}</td>
                  <td>{when(a.completedAt)}</td>
                  <td>{a.error?.message ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <h2>Logs</h2>
      {logs && logs.data.length > 0 ? (
        <pre>
          {logs.data
            .map((l) => `${new Date(l.time).toISOString().slice(11, 23)} #${l.attemptNumber} ${l.level.toUpperCase().padEnd(5)} ${l.message}${l.kind === "span" ? ` (${duration(l.durationMs)})` : ""}`)
            .join("\n")}
        </pre>
      ) : (
        <p class="muted">No logs yet.</p>
      )}
    </section>
  );
}
