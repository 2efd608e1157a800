import { useRef, useState } from "preact/hooks";
import { api, errorText, type RunDetail, type TaskEvent } from "./api.js";
import { duration, json, when } from "./format.js";
import { RunLogs } from "./run-logs.js";
import { RunStreams } from "./run-streams.js";
import { ScrollRegion } from "./scroll-region.js";
import { useRunEvents } from "./use-live.js";
import { usePoll } from "./use-poll.js";

export function RunPage({ id }: { id: string }) {
  // realtime pushes status changes; polling stays as the fallback (and for logs, which realtime does not carry)
  const onChange = useRef(() => {});
  const live = useRunEvents(id, () => onChange.current());
  const { data: run, error, refresh } = usePoll(() => api<RunDetail>(`/api/v3/runs/${id}`), [id], live ? 10_000 : 1500);
  const { data: events, refresh: refreshEvents } = usePoll(() => api<{ data: TaskEvent[] }>(`/api/v1/runs/${id}/events`).catch(() => ({ data: [] })), [id]);
  onChange.current = () => (refresh(), refreshEvents());
  const [message, setMessage] = useState<string | null>(null);
  const [replaying, setReplaying] = useState<string | null>(null);

  const cancel = async () => {
    try {
      await api(`/api/v2/runs/${id}/cancel`, { method: "POST", body: {} });
      setMessage("Cancel requested");
      refresh();
    } catch (e) {
      setMessage(errorText(e));
    }
  };
  const replay = async (event: Event) => {
    event.preventDefault();
    let payload: unknown;
    try {
      payload = JSON.parse(replaying ?? "null");
    } catch (e) {
      setMessage(`The payload is not valid JSON: ${errorText(e)}`);
      return;
    }
    try {
      const result = await api<{ id: string }>(`/api/v1/runs/${id}/replay`, { method: "POST", body: { payload } });
      setReplaying(null);
      setMessage(null);
      location.hash = `#/runs/${result.id}`;
    } catch (e) {
      setMessage(errorText(e));
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
        {run.taskIdentifier} <code>{run.id}</code>{" "}
        <span class={`status ${run.status}`} data-testid="run-status">
          {run.status}
        </span>{" "}
        {live && <span class="badge" title="Status changes arrive over the realtime API">live</span>}
      </h1>
      <div class="toolbar">
        <button type="button" onClick={() => setReplaying(replaying === null ? JSON.stringify(run.payload ?? null, null, 2) : null)} aria-expanded={replaying !== null}>
          Replay…
        </button>
        <button type="button" disabled={run.isCompleted} onClick={() => void cancel()}>
          Cancel run
        </button>
        <span role="status" aria-live="polite">
          {message}
        </span>
      </div>
      {replaying !== null && (
        <form class="card" onSubmit={replay} aria-label="Replay">
          <label>
            Payload for the replay (JSON)
            <textarea value={replaying} onInput={(e) => setReplaying(e.currentTarget.value)} />
          </label>
          <p>
            <button type="submit">Replay with this payload</button>
          </p>
        </form>
      )}
      <div class="grid">
        <div class="card"><div class="k">Version</div>{run.version ?? "—"}</div>
        <div class="card"><div class="k">Created</div>{when(run.createdAt)}</div>
        <div class="card"><div class="k">Started</div>{when(run.startedAt)}</div>
        <div class="card"><div class="k">Finished</div>{when(run.finishedAt)}</div>
        <div class="card"><div class="k">Duration</div>{duration(run.durationMs)}</div>
        <div class="card"><div class="k">Attempts</div>{run.attemptCount}</div>
        {run.delayedUntil && <div class="card"><div class="k">Delayed until</div>{when(run.delayedUntil)}</div>}
        {run.tags.length > 0 && <div class="card"><div class="k">Tags</div>{run.tags.join(", ")}</div>}
        {run.idempotencyKey && <div class="card"><div class="k">Idempotency key</div><code>{run.idempotencyKey}</code></div>}
      </div>
      <Timeline run={run} />
      <RelatedRuns run={run} />
      <h2>Payload</h2>
      <ScrollRegion label="Payload">
        <pre data-testid="run-payload">{json(run.payload)}</pre>
      </ScrollRegion>
      {run.output !== undefined && (
        <>
          <h2>Output</h2>
          <ScrollRegion label="Output">
            <pre data-testid="run-output">{json(run.output)}</pre>
          </ScrollRegion>
        </>
      )}
      {run.error && (
        <>
          <h2>Error</h2>
          <ScrollRegion label="Error">
            <pre class="error">{run.error.stackTrace ?? `${run.error.name ?? "Error"}: ${run.error.message}`}</pre>
          </ScrollRegion>
        </>
      )}
      <RunStreams runId={run.id} finished={run.isCompleted} />
      {run.metadata && Object.keys(run.metadata).length > 0 && (
        <>
          <h2>Metadata</h2>
          <ScrollRegion label="Metadata">
            <pre>{json(run.metadata)}</pre>
          </ScrollRegion>
        </>
      )}
      {run.attempts && run.attempts.length > 0 && (
        <>
          <h2>Attempts</h2>
          <table>
            <thead>
              <tr><th scope="col">#</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Completed</th><th scope="col">Error</th></tr>
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
      <h2>Trace and logs</h2>
      <RunLogs events={events?.data ?? []} />
    </section>
  );
}

function RelatedRuns({ run }: { run: RunDetail }) {
  const { parent, root, children } = run.relatedRuns ?? {};
  if (!parent && !root && !run.replayedFromId && !(children && children.length > 0)) return null;
  return (
    <nav aria-label="Related runs" class="related">
      {run.replayedFromId && (
        <p>
          Replay of <a href={`#/runs/${run.replayedFromId}`}>{run.replayedFromId}</a>
        </p>
      )}
      {parent && (
        <p>
          Parent: <a href={`#/runs/${parent.id}`}>{parent.id}</a> ({parent.taskIdentifier})
        </p>
      )}
      {root && root.id !== parent?.id && (
        <p>
          Root: <a href={`#/runs/${root.id}`}>{root.id}</a>
        </p>
      )}
      {children && children.length > 0 && (
        <p>
          Children:{" "}
          {children.map((c, i) => (
            <>
              {i > 0 && ", "}
              <a href={`#/runs/${c.id}`}>{c.id}</a> <span class={`status ${c.status}`}>{c.status}</span>
            </>
          ))}
        </p>
      )}
    </nav>
  );
}

/** Created → (delayed) → each attempt → finished, in order. */
function Timeline({ run }: { run: RunDetail }) {
  const steps: Array<{ at?: string; label: string; status?: string }> = [{ at: run.createdAt, label: "Created" }];
  if (run.delayedUntil) steps.push({ at: run.delayedUntil, label: "Delayed until" });
  for (const a of run.attempts ?? []) {
    steps.push({ at: a.startedAt, label: `Attempt ${a.number} started` });
    if (a.completedAt) steps.push({ at: a.completedAt, label: `Attempt ${a.number} ${a.status.toLowerCase()}`, status: a.status });
  }
  if (run.finishedAt) steps.push({ at: run.finishedAt, label: `Run ${run.status.toLowerCase()}`, status: run.status });
  else steps.push({ label: `Now: ${run.status.toLowerCase()}`, status: run.status });
  return (
    <ol class="timeline" aria-label="Status timeline">
      {steps.map((s) => (
        <li>
          <span class={s.status ? `dot ${s.status}` : "dot"} aria-hidden="true" />
          <span>{s.label}</span> <span class="muted small">{s.at ? when(s.at) : ""}</span>
        </li>
      ))}
    </ol>
  );
}
