import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { AppEnv } from "../context.js";
import { authEnvironment } from "../auth/middleware.js";
import { realtimeHub, type HubSubscriber } from "../realtime/hub.js";

/** SSE comment lines keep proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;
/** A burst of run changes becomes one ping: the dashboard reloads a page of runs per ping, not per run. */
export const COALESCE_MS = 300;

/**
 * `GET /api/v1/dashboard/runs/changes`: Server-Sent Events for the dashboard's runs list. It carries no run data,
 * only `event: changed` whenever a run of the environment changed (coalesced), so the page reloads its current
 * filter and page through the normal list endpoint; the hub is the realtime API's, so this costs one Redis
 * channel subscription per environment per api instance, shared with every other realtime follower.
 */
export function serveRunChanges(c: Context<AppEnv>): Response {
  const deps = c.get("deps");
  const environment = authEnvironment(c.get("auth"));
  c.header("x-accel-buffering", "no");

  return streamSSE(c, async (stream) => {
    let finish: () => void = () => {};
    const done = new Promise<void>((resolve) => (finish = resolve));
    stream.onAbort(() => finish());
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ping = () => {
      timer = undefined;
      stream.writeSSE({ event: "changed", data: "{}" }).catch(() => finish());
    };
    const subscriber: HubSubscriber = {
      environmentId: environment.id,
      wants: (kind) => kind === "run",
      wake() {
        timer ??= setTimeout(ping, COALESCE_MS);
      },
      close: () => finish(),
    };
    const hub = realtimeHub(deps);
    const keepalive = setInterval(() => void stream.write(": keepalive\n\n").catch(() => finish()), KEEPALIVE_MS);
    try {
      await stream.write("retry: 1000\n\n");
      await hub.add(subscriber);
      // subscribed: from here no change is missed, so the client reloads once to cover what happened before
      await stream.writeSSE({ event: "ready", data: "{}" });
      await done;
    } finally {
      clearInterval(keepalive);
      clearTimeout(timer);
      hub.remove(subscriber);
    }
  });
}
