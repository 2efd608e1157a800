import { api } from "./api.js";
import { useNav } from "./nav.js";
import { usePoll } from "./use-poll.js";

interface Queues {
  environment: { concurrencyLimit: number | null; running: number; queued: number };
  data: Array<{ name: string; concurrencyLimit: number | null; paused: boolean; queued: number; running: number }>;
}

/** Queues of the environment with their running and queued runs against their limits (live). */
export function QueuesPage() {
  const { environment } = useNav();
  const { data, error } = usePoll(() => api<Queues>("/api/v1/dashboard/queues"), [environment.id], 2000);
  return (
    <section aria-labelledby="queues-title">
      <h1 id="queues-title">Queues</h1>
      {data && (
        <p class="muted">
          Environment: {data.environment.running} running of {data.environment.concurrencyLimit ?? "∞"}, {data.environment.queued} queued
        </p>
      )}
      {error && <p class="error" role="alert">{error}</p>}
      <table>
        <thead>
          <tr>
            <th scope="col">Queue</th>
            <th scope="col">Running</th>
            <th scope="col">Queued</th>
            <th scope="col">Concurrency limit</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {(data?.data ?? []).map((q) => (
            <tr key={q.name} data-queue={q.name}>
              <td><code>{q.name}</code></td>
              <td>{q.running}</td>
              <td>{q.queued}</td>
              <td>{q.concurrencyLimit ?? "environment's"}</td>
              <td>{q.paused ? "paused" : "active"}</td>
            </tr>
          ))}
          {data && data.data.length === 0 && (
            <tr><td colSpan={5} class="muted">No queues yet: each task gets one when it is deployed.</td></tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
