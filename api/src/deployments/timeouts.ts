import type { ApiDeps } from "../context.js";
import { timeOutStaleDeployments } from "./queries/finalize-deployment.js";

/**
 * Marks deployments whose CLI or build worker vanished TIMED_OUT, once a minute (or every timeout/4 when the
 * timeout is shorter). Idempotent, so every api instance may run it. Returns a stop function.
 */
export function startDeploymentTimeouts(deps: ApiDeps): () => Promise<void> {
  const timeoutMs = deps.config.GANTRY_DEPLOY_TIMEOUT_MS;
  let running: Promise<unknown> | undefined;
  const tick = () => {
    running ??= timeOutStaleDeployments(deps.sql, timeoutMs, deps.clock())
      .catch((error: unknown) => console.error("[deployments] timing out stale deployments failed (will retry):", error))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, Math.min(60_000, Math.max(250, Math.floor(timeoutMs / 4))));
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
