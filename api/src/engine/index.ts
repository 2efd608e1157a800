import type { ApiDeps } from "../context.js";
import { closeDevNotifier } from "../dev/notifier.js";
import { closeRunQueue, getRunQueue } from "../queue/run-queue.js";
import { closeGate } from "../queue/gate.js";
import { installGateRebuild } from "../reconciler/gate.js";
import { reconcileOnce } from "../reconciler/reconcile.js";
import { analyzeNeverAnalyzedTables } from "./planner-stats.js";
import { drainTriggers } from "../runs/trigger.js";

export interface Engine {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The run engine's background side: the BullMQ producer and the reconciler's timer
 * (every GANTRY_RECONCILE_INTERVAL_MS). start and stop are safe to call twice.
 */
export function createEngine(deps: ApiDeps): Engine {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let started = false;

  const tick = () => {
    if (running) return;
    running = reconcileOnce(deps)
      .then((report) => {
        const level = deps.config.GANTRY_LOG_LEVEL;
        if (!report || (level !== "info" && level !== "debug")) return;
        const { delayedQueued, pendingReleased, reEnqueued, redriven } = report;
        if (delayedQueued + pendingReleased + reEnqueued + redriven === 0) return;
        console.info(
          `[engine] reconciled: ${delayedQueued} delayed run(s) queued, ${pendingReleased} released from PENDING_VERSION, ` +
            `${reEnqueued} lost job(s) re-enqueued, ${redriven} run(s) of vanished runners redriven`,
        );
      })
      .catch((error: unknown) => console.error("[engine] reconcile pass failed (will retry next interval):", error))
      .finally(() => {
        running = undefined;
      });
  };

  return {
    async start() {
      if (started) return;
      started = true;
      await analyzeNeverAnalyzedTables(deps).catch((error: unknown) =>
        console.warn("[engine] could not ANALYZE the run tables (plans may use sequential scans until autovacuum does):", error),
      );
      getRunQueue(deps);
      installGateRebuild(deps);
      timer = setInterval(tick, deps.config.GANTRY_RECONCILE_INTERVAL_MS);
      timer.unref();
      tick();
    },
    async stop() {
      if (!started) return;
      started = false;
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
      await drainTriggers(deps);
      await closeDevNotifier(deps);
      await closeGate(deps);
      await closeRunQueue(deps);
    },
  };
}
