import type { DevRunWaitResponse, LogEvent, StartAttemptResult, TaskRunExecution, TaskRunExecutionResult } from "@gantry/sdk/contracts";
import type { Executor, KeepAlive } from "@gantry/runner/executor";
import { LiveAttempt } from "@gantry/runner/suspended-attempts";
import type { DevApi } from "./dev-api.js";
import { describeWait } from "./describe-wait.js";

export interface DevLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

export interface DevAttemptsOptions {
  api: DevApi;
  /** the runner's process executor: it keeps an attempt suspended at a wait in its process and resumes it */
  executor: Executor;
  log: DevLogger;
  /** the dashboard link of a run */
  link(runId: string): string;
  /** the bundle a run's version runs from (built here, or fetched) */
  buildFor(execution: TaskRunExecution): Promise<{ dir: string; entryPoint: string }>;
  keepAlive: KeepAlive;
  envVars?: Record<string, string>;
  onLog(event: LogEvent): void;
  flushLogs(): Promise<void>;
}

type StartedRun = Extract<StartAttemptResult, { ok: true }>;

/** How long a resume waits for the attempt still running here to be seen suspending. */
const SUSPENSION_WAIT_MS = 5_000;

interface Running {
  runId: string;
  attemptNumber: number;
  /** settles when the run stops running here: it finished (reported) or suspended at a wait */
  done: Promise<void>;
}

interface Waiting {
  live: LiveAttempt;
  execution: TaskRunExecution;
  /** the "⏸ waiting" line's wording, printed before any "▶ resumed" line of the same wait */
  described: Promise<string>;
}

/**
 * The attempts of a `gantry dev` session, as the runner keeps them: an attempt that reaches a wait stays
 * suspended in its process (the run is WAITING and holds no slot, here or in the api) and continues in place
 * when the api hands the run back with `resume`. Only an attempt whose process is gone (it crashed, or the
 * session restarted) replays, from the run's recorded waits, in a new attempt.
 */
export class DevAttempts {
  private readonly running = new Map<string, Running>();
  private readonly waiting = new Map<string, Waiting>();
  /** runs whose suspended attempt died here: the api replays them when claimed (told in each claim) */
  private readonly lost = new Map<string, number>();
  /** the attempt of each run whose process has it (running or suspended), until it ends */
  private readonly inFlight = new Map<string, LiveAttempt>();
  /** runs this session is canceling (their end is not a loss) */
  private readonly canceling = new Set<string>();
  private closing = false;

  constructor(private readonly opts: DevAttemptsOptions) {}

  /** Runs executing now (suspended ones do not count: they use no concurrency). */
  get runningCount(): number {
    return this.running.size;
  }

  /** Settles when any running run stops running (finished or suspended). */
  async oneStops(): Promise<void> {
    await Promise.race([...this.running.values()].map((r) => r.done));
  }

  claimOptions(): { keepsSuspendedAttempts: true; lostSuspendedRuns: string[] } {
    return { keepsSuspendedAttempts: true, lostSuspendedRuns: [...this.lost.keys()] };
  }

  /** What the heartbeat reports: running attempts (their leases), suspended and lost ones (to hear when their run moves on). */
  heartbeatAttempts(): Array<{ runId: string; attemptNumber: number }> {
    return [
      ...[...this.running.values()].map((r) => ({ runId: r.runId, attemptNumber: r.attemptNumber })),
      ...[...this.waiting.entries()].map(([runId, w]) => ({ runId, attemptNumber: w.live.attemptNumber })),
      ...[...this.lost.entries()].map(([runId, attemptNumber]) => ({ runId, attemptNumber })),
    ];
  }

  /** The api's word that these attempts must stop: the run was canceled or finished, or went on elsewhere. */
  stop(runIds: string[]): void {
    for (const runId of runIds) {
      if (this.lost.delete(runId)) continue;
      if (!this.running.has(runId) && !this.waiting.has(runId)) continue;
      this.canceling.add(runId);
      if (this.opts.executor.cancel(runId)) this.opts.log.log(`■ ${runId} canceled`);
    }
  }

  /** Takes a claimed run: continues its suspended attempt (`resume`) or starts the attempt the api began. */
  take(started: StartedRun): void {
    const runId = started.execution.run.id;
    const entry: Running = { runId, attemptNumber: started.execution.attempt.number, done: Promise.resolve() };
    entry.done = this.begin(started)
      .catch((error: Error) => this.opts.log.warn(`run ${runId}: ${error.message}`))
      .finally(() => {
        if (this.running.get(runId) === entry) this.running.delete(runId);
      });
    this.running.set(runId, entry);
  }

  /** Cancels running attempts and waits for them; suspended ones go with their processes (they replay in a later session). */
  async close(): Promise<void> {
    this.closing = true;
    for (const runId of this.running.keys()) this.opts.executor.cancel(runId);
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    if (this.waiting.size > 0) {
      const n = this.waiting.size;
      this.opts.log.log(`${n} run${n === 1 ? "" : "s"} still waiting: each continues when its wait is over and \`gantry dev\` runs (replaying from its recorded waits)`);
    }
  }

  private async begin(started: StartedRun): Promise<void> {
    const { execution } = started;
    const runId = execution.run.id;
    const task = execution.task.id;
    // a resume can come back before this session has seen its attempt suspend (the wait's answer and the
    // worker's `suspended` message still on their way): give that a moment, as the runner does for its jobs
    const kept = started.resume ? await this.suspensionOf(runId, execution.attempt.number) : this.waiting.get(runId);
    this.lost.delete(runId);

    if (started.resume) {
      // the api resumed the suspended attempt: it continues in its process where it waited
      const after = kept ? await kept.described : "its wait";
      this.waiting.delete(runId);
      const same = kept !== undefined && kept.live.attemptNumber === execution.attempt.number;
      if (same && this.opts.executor.resume?.(runId, { attemptNumber: execution.attempt.number, runToken: execution.runToken, waitpoint: started.resume.waitpoint })) {
        this.opts.log.log(`▶ resumed ${task} ${runId} after ${after}  ${this.opts.link(runId)}`);
        return this.follow(kept.live, execution, Date.now(), " since it resumed");
      }
      // its process died just now (before the api heard of the loss): the attempt ends as the process did
      if (kept && !same) this.opts.executor.discard?.(runId);
      const result: TaskRunExecutionResult = same
        ? await kept.live.result
        : failure(execution, "gantry dev no longer holds this run's suspended attempt (its process ended)");
      return this.report(execution, result, 0);
    }

    if (kept) {
      // the api began a new attempt (a replay): the suspended one is of no use any more
      this.waiting.delete(runId);
      this.opts.executor.discard?.(runId);
    }
    const replay = kept || execution.attempt.number > 1 ? ", replaying from its recorded waits" : "";
    this.opts.log.log(`▶ ${task} ${runId} (attempt ${execution.attempt.number}, v${execution.run.version}${replay})  ${this.opts.link(runId)}`);
    const startedAt = Date.now();
    let live: LiveAttempt | undefined;
    try {
      const build = await this.opts.buildFor(execution);
      const outcome = this.opts.executor.execute({
        execution,
        workerDir: build.dir,
        entryPoint: build.entryPoint,
        keepAlive: this.opts.keepAlive,
        ...(this.opts.envVars ? { env: this.opts.envVars } : {}),
        onLog: this.opts.onLog,
        onSuspended: () => live?.markSuspended(),
      });
      live = new LiveAttempt(runId, execution.attempt.number, outcome);
      const inFlight = live;
      this.inFlight.set(runId, inFlight);
      void outcome.then(() => {
        if (this.inFlight.get(runId) === inFlight) this.inFlight.delete(runId);
      });
    } catch (error) {
      return this.report(execution, failure(execution, `gantry dev could not run the attempt: ${(error as Error).message}`), Date.now() - startedAt);
    }
    this.watchWhileSuspended(live, execution);
    return this.follow(live, execution, startedAt);
  }

  /** The run's attempt suspended here; waits up to 5 s for one still running here to suspend. */
  private async suspensionOf(runId: string, attemptNumber: number): Promise<Waiting | undefined> {
    for (let waited = 0; waited < SUSPENSION_WAIT_MS; waited += 10) {
      const kept = this.waiting.get(runId);
      if (kept || this.inFlight.get(runId)?.attemptNumber !== attemptNumber) return kept;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.waiting.get(runId);
  }

  /** Runs the attempt until it finishes (reported) or suspends at a wait (kept here, not reported). */
  private async follow(live: LiveAttempt, execution: TaskRunExecution, since: number, sinceWhat = ""): Promise<void> {
    const next = await live.next();
    if (next.kind === "done") return this.report(execution, next.result, Date.now() - since, sinceWhat);
    const runId = execution.run.id;
    const described = this.opts.api
      .runWait(runId)
      .then((w: DevRunWaitResponse) => describeWait(w.wait))
      .catch(() => "a wait");
    this.waiting.set(runId, { live, execution, described });
    this.opts.log.log(`⏸ ${execution.task.id} ${runId} waiting for ${await described}  ${this.opts.link(runId)}`);
  }

  /** An attempt whose process ends while it is suspended here is lost: its run replays when it resumes. */
  private watchWhileSuspended(live: LiveAttempt, execution: TaskRunExecution): void {
    const runId = execution.run.id;
    void live.result.then((result) => {
      if (this.waiting.get(runId)?.live !== live || !live.suspended) return;
      this.waiting.delete(runId);
      if (this.canceling.delete(runId) || this.closing) return;
      if (result.ok === false && result.outcome === "CANCELED") return;
      this.lost.set(runId, live.attemptNumber);
      const why = result.ok ? "completed" : result.error.message;
      // the api closes the attempt now, so a claim already open replays the run rather than resuming it here
      void this.opts.api
        .lostAttempts([{ runId, attemptNumber: live.attemptNumber }])
        .catch((error: Error) => this.opts.log.debug(`reporting the lost attempt of ${runId} failed (${error.message}); the next claim names it`))
        .then(() => this.opts.log.warn(`${execution.task.id} ${runId}: the process holding it at its wait ended (${why}); the run replays from its recorded waits when it resumes`));
    });
  }

  private async report(execution: TaskRunExecution, result: TaskRunExecutionResult, ms: number, sinceWhat = ""): Promise<void> {
    const runId = execution.run.id;
    this.canceling.delete(runId);
    const link = this.opts.link(runId);
    if (result.ok) this.opts.log.log(`✔ ${execution.task.id} ${runId} completed in ${ms} ms${sinceWhat}  ${link}`);
    else this.opts.log.log(`✖ ${execution.task.id} ${runId} ${result.outcome ?? "FAILED"}: ${result.error.message}${result.retry ? ` (retrying in ${Math.round(result.retry.delay / 1000)} s)` : ""}  ${link}`);
    await this.opts.flushLogs();
    try {
      await this.opts.api.complete([{ runId, attemptNumber: execution.attempt.number, result }]);
    } catch (error) {
      this.opts.log.warn(`could not report the result of ${runId}: ${(error as Error).message}`);
    }
  }
}

function failure(execution: TaskRunExecution, message: string): TaskRunExecutionResult {
  return { ok: false, id: execution.attempt.id, error: { type: "INTERNAL_ERROR", message }, outcome: "SYSTEM_FAILURE" };
}
