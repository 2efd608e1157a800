import type { ApiDeps } from "../context.js";
import { latestTickAtOrBefore, nextTick } from "./cron/next-tick.js";
import { CronError, parseCron } from "./cron/parse-cron.js";
import { fireTick } from "./fire-tick.js";
import { selectUnsyncedEnvironments } from "./queries/declarative.js";
import { advanceSchedule, claimDueSchedules, type DueSchedule } from "./queries/due-schedules.js";
import { syncDeclarativeSchedules } from "./sync.js";

const BATCH = 100;
/** polls between catch-up syncs of environments whose current version changed by promotion */
const RESYNC_EVERY = 30;

export interface SchedulerReport {
  /** ticks that created (or found) their run */
  fired: number;
  /** due ticks passed over: task not in the current deployment, archived environment, or dev backlog */
  skipped: number;
  /** ticks whose run could not be created: left due, retried next poll */
  failed: number;
}

export interface SchedulerOptions {
  /** now(); defaults to deps.clock */
  clock?: () => Date;
  /** defaults to config.GANTRY_SCHEDULER_INTERVAL_MS */
  intervalMs?: number;
}

export interface Scheduler {
  /** One pass: fires every due schedule (README, "Missed ticks": the latest missed tick once). */
  runOnce(): Promise<SchedulerReport>;
  /** Re-syncs declarative schedules of environments whose current deployment changed without a sync. */
  resync(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

/**
 * The scheduler each api instance runs: polls Postgres for due schedules (FOR UPDATE SKIP LOCKED) and fires
 * them through the trigger service. Any number of instances may run it: a tick yields one run.
 */
export function createScheduler(deps: ApiDeps, opts: SchedulerOptions = {}): Scheduler {
  const clock = opts.clock ?? deps.clock;
  const intervalMs = opts.intervalMs ?? deps.config.GANTRY_SCHEDULER_INTERVAL_MS;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;
  let polls = 0;

  async function runOnce(): Promise<SchedulerReport> {
    const now = clock();
    const report: SchedulerReport = { fired: 0, skipped: 0, failed: 0 };
    for (;;) {
      const claimed = await deps.sql.begin(async (tx) => {
        const due = await claimDueSchedules(tx, now, BATCH);
        const outcomes = await Promise.all(due.map((s) => handle(s, now)));
        for (const o of outcomes) {
          report[o.kind]++;
          if (o.kind !== "failed") await advanceSchedule(tx, o.id, o.next, o.fired);
        }
        return due.length;
      });
      if (claimed < BATCH || report.failed > 0) return report;
    }
  }

  type Outcome =
    | { kind: "fired" | "skipped"; id: string; next: Date | null; fired?: { tickAt: Date; runId: string } }
    | { kind: "failed"; id: string };

  async function handle(s: DueSchedule, now: Date): Promise<Outcome> {
    let spec;
    try {
      spec = parseCron(s.cron);
    } catch (error) {
      if (!(error instanceof CronError)) throw error;
      return { kind: "skipped", id: s.id, next: null }; // validated on write; a stored bad cron stops ticking
    }
    const tick = latestTickAtOrBefore(spec, s.timezone, s.next_tick_at, now);
    const next = nextTick(spec, s.timezone, now) ?? null;
    if (s.env_archived || !s.in_current_deployment || s.dev_backlog) return { kind: "skipped", id: s.id, next };
    try {
      const runId = await fireTick(deps, s, spec, tick);
      return { kind: "fired", id: s.id, next, fired: { tickAt: tick, runId } };
    } catch (error) {
      console.error(`[schedules] schedule ${s.id} (task "${s.task_identifier}") could not fire its ${tick.toISOString()} tick; retrying next poll:`, error);
      return { kind: "failed", id: s.id };
    }
  }

  async function resync(): Promise<number> {
    const envs = await selectUnsyncedEnvironments(deps.sql, 100);
    for (const e of envs) await syncDeclarativeSchedules(deps, undefined, e.deployment_id, "skip");
    return envs.length;
  }

  async function poll(): Promise<void> {
    if (polls++ % RESYNC_EVERY === 0) await resync();
    const report = await runOnce();
    if (report.failed > 0 || deps.config.GANTRY_LOG_LEVEL === "debug") {
      console.info(`[schedules] fired ${report.fired}, skipped ${report.skipped}, failed ${report.failed}`);
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = poll()
        .catch((error: unknown) => console.error("[schedules] scheduler pass failed (will retry next interval):", error))
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, intervalMs);
    timer.unref();
  }

  return {
    runOnce,
    resync,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}

/**
 * Starts the scheduler for an api process unless GANTRY_SCHEDULER_ENABLED=false; returns its stop function
 * (like startDeploymentTimeouts).
 */
export function startScheduler(deps: ApiDeps): () => Promise<void> {
  if (deps.config.GANTRY_SCHEDULER_ENABLED === "false") return async () => {};
  const scheduler = createScheduler(deps);
  scheduler.start();
  return () => scheduler.stop();
}
