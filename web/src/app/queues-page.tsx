import { api } from "./api.js";
import { useNav } from "./nav.js";
import { usePoll } from "./use-poll.js";
import { useAction } from "./use-action.js";
import { PageStatus } from "./page-status.js";

/** The dashboard's overview: full queue names; queued counts every run waiting (delayed and pending a version too). */
interface Overview {
  environment: { concurrencyLimit: number | null; running: number; queued: number };
  data: Array<{ name: string; concurrencyLimit: number | null; paused: boolean; queued: number; running: number }>;
}

/** The queues API's item (the reference's shape: a task queue is named without its `task/` prefix). */
interface ApiQueue {
  id: string;
  name: string;
  type: "task" | "custom";
  concurrency: { base: number | null; override: number | null; overriddenAt: string | null };
}

interface Queue {
  id?: string;
  name: string;
  running: number;
  queued: number;
  paused: boolean;
  concurrencyLimit: number | null;
  concurrency?: ApiQueue["concurrency"];
}

/**
 * Queues of the environment with their running and queued runs against their limits (live): pause and resume
 * a queue, override its concurrency limit or reset it to the deployed one (the reference's queues API).
 */
export function QueuesPage() {
  const { environment } = useNav();
  const { data, error, refresh } = usePoll(
    async () => {
      const [overview, items] = await Promise.all([api<Overview>("/api/v1/dashboard/queues"), api<{ data: ApiQueue[] }>("/api/v1/queues?perPage=100")]);
      const byName = new Map(items.data.map((q) => [q.type === "task" ? `task/${q.name}` : q.name, q]));
      const queues: Queue[] = overview.data.map((q) => ({ ...q, id: byName.get(q.name)?.id, concurrency: byName.get(q.name)?.concurrency }));
      return { environment: overview.environment, queues };
    },
    [environment.id],
    2000,
  );
  const { message, act } = useAction(refresh);
  const overview = data;
  const queues = data?.queues ?? [];

  const pause = (q: Queue) =>
    void act(`${q.paused ? "Resumed" : "Paused"} ${q.name}`, () =>
      api(`/api/v1/queues/${encodeURIComponent(q.id!)}/pause`, { method: "POST", body: { type: "id", action: q.paused ? "resume" : "pause" } }),
    );
  const override = (q: Queue) => {
    const answer = prompt(`Concurrency limit for ${q.name} (deployed: ${q.concurrency?.base ?? "the environment's"})`, String(q.concurrencyLimit ?? ""));
    if (answer === null) return;
    const limit = Number(answer);
    if (!Number.isInteger(limit) || limit < 0) {
      void act("", () => Promise.reject(new Error(`"${answer}" is not a limit: enter a whole number, 0 or more`)));
      return;
    }
    void act(`${q.name} now runs at most ${limit} at once`, () =>
      api(`/api/v1/queues/${encodeURIComponent(q.id!)}/concurrency/override`, { method: "POST", body: { type: "id", concurrencyLimit: limit } }),
    );
  };
  const reset = (q: Queue) =>
    void act(`${q.name} is back to its deployed limit`, () => api(`/api/v1/queues/${encodeURIComponent(q.id!)}/concurrency/reset`, { method: "POST", body: { type: "id" } }));

  return (
    <section aria-labelledby="queues-title">
      <h1 id="queues-title">Queues</h1>
      {overview && (
        <p class="muted">
          Environment: {overview.environment.running} running of {overview.environment.concurrencyLimit ?? "∞"}, {overview.environment.queued} queued
        </p>
      )}
      <PageStatus message={message} error={error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Queue</th>
            <th scope="col">Running</th>
            <th scope="col">Queued</th>
            <th scope="col">Concurrency limit</th>
            <th scope="col">State</th>
            <th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {queues.map((q) => (
            <tr key={q.name} data-queue={q.name}>
              <td><code>{q.name}</code></td>
              <td>{q.running}</td>
              <td>{q.queued}</td>
              <td>
                {q.concurrencyLimit ?? "environment's"}
                {q.concurrency && q.concurrency.override !== null && <span class="badge" title={`deployed: ${q.concurrency.base ?? "the environment's"}`}>overridden</span>}
              </td>
              <td>{q.paused ? <span class="status FAILED">paused</span> : <span class="status COMPLETED">active</span>}</td>
              <td class="actions">
                {q.id && (
                  <>
                    <button type="button" onClick={() => pause(q)} aria-label={`${q.paused ? "Resume" : "Pause"} ${q.name}`}>{q.paused ? "Resume" : "Pause"}</button>
                    <button type="button" onClick={() => override(q)} aria-label={`Set the concurrency limit of ${q.name}`}>Set limit</button>
                    {q.concurrency && q.concurrency.override !== null && (
                      <button type="button" onClick={() => reset(q)} aria-label={`Reset the concurrency limit of ${q.name}`}>Reset limit</button>
                    )}
                  </>
                )}
              </td>
            </tr>
          ))}
          {data && queues.length === 0 && (
            <tr><td colSpan={6} class="muted">No queues yet: each task gets one when it is deployed.</td></tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
