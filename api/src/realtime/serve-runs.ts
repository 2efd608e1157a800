import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { AppEnv } from "../context.js";
import { authEnvironment } from "../auth/middleware.js";
import { badRequest } from "../errors.js";
import { realtimeHub } from "./hub.js";
import { realtimeRun } from "./present.js";
import type { RunFilter } from "./queries/select-run-changes.js";
import { RunSubscription } from "./subscription.js";

/** SSE comment lines keep proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

/**
 * Streams the runs `filter` selects as Server-Sent Events (`event: run`, `id: <resume cursor>`), first their
 * current state (or, with `Last-Event-ID`, what changed since), then every change until the client leaves.
 * The id is the run's change cursor for one run, a floor below any late commit for tags and batches
 * (subscription.ts); the run's own cursor is `seq` in the data.
 */
export function serveRunEvents(c: Context<AppEnv>, filter: RunFilter): Response {
  const deps = c.get("deps");
  const environment = authEnvironment(c.get("auth"));
  const after = lastEventId(c);
  const skip = (c.req.query("skipColumns") ?? "").split(",").map((s) => s.trim());
  const withPayloads = !skip.includes("payload") && !skip.includes("output");
  c.header("x-accel-buffering", "no");

  return streamSSE(c, async (stream) => {
    let failed: unknown;
    let wakeUp: () => void = () => {};
    const done = new Promise<void>((resolve) => (wakeUp = resolve));
    stream.onAbort(() => wakeUp());
    const hub = realtimeHub(deps);
    const subscription = new RunSubscription(deps, {
      environmentId: environment.id,
      filter,
      after,
      withPayloads,
      horizon: hub.horizon,
      async send(rows, resumeId) {
        for (const row of rows) {
          await stream.writeSSE({ event: "run", id: resumeId(row), data: JSON.stringify(realtimeRun(row)) });
        }
      },
      onError(error) {
        failed = error;
        wakeUp();
      },
    });
    // an id with no data moves the client's Last-Event-ID on without an event (the SSE spec; Gantry's SDK too)
    const keepalive = setInterval(() => void stream.write(`: keepalive\nid: ${subscription.resumeId()}\n\n`).catch(() => wakeUp()), KEEPALIVE_MS);
    try {
      await stream.write("retry: 1000\n\n");
      await hub.add(subscription);
      subscription.wake();
      await done;
      if (failed !== undefined && !stream.aborted) {
        await stream.writeSSE({ event: "error", data: JSON.stringify({ error: "The realtime subscription failed: reconnect to resume" }) });
      }
    } finally {
      clearInterval(keepalive);
      hub.remove(subscription);
    }
  });
}

/** The cursor to resume after: the `Last-Event-ID` header (EventSource sends it), or `?lastEventId=`. */
function lastEventId(c: Context<AppEnv>): bigint {
  const raw = c.req.header("last-event-id") ?? c.req.query("lastEventId");
  if (raw === undefined || raw === "") return 0n;
  if (!/^\d{1,19}$/.test(raw)) throw badRequest("Last-Event-ID must be an event id this endpoint sent (digits)", "Last-Event-ID");
  return BigInt(raw);
}
