import { availableParallelism } from "node:os";
import { join } from "node:path";
import { MACHINE_SPECS, type MachinePreset, type TaskRunExecutionResult, type WaitpointResult } from "@gantry/sdk/contracts";
import { pickBaseEnv } from "../config.js";
import { canceledResult, crashedResult, suspendedResult, systemFailureResult, timedOutResult } from "./results.js";
import type { ExecuteRequest, Executor, PrewarmRequest } from "./types.js";
import { MemoryWatch } from "./memory-watch.js";
import { SpawnGate } from "./spawn-gate.js";
import { WarmPool } from "./warm-pool.js";
import { WorkerExitedError, WorkerProcess } from "./worker-process.js";

export type ProcessExecutorOptions = {
  /** Processes kept spawned ahead per (worker dir, machine preset). Default 1. */
  warmProcesses?: number;
  /** Most idle processes a pool keeps when keep-alive hands them back. Default 32. */
  maxIdleProcesses?: number;
  /** How long a canceled attempt may take (onCancel hooks) before it is killed. Default 30 s. */
  cancelGraceMs?: number;
  /** How long a process may take to load the bundle and say `ready`. Default 60 s. */
  startTimeoutMs?: number;
  /** Processes loading their bundle at once, across pools (bursts of cold starts queue). Default max(2, CPUs). */
  maxConcurrentStarts?: number;
  /**
   * With keep-alive, how many attempts one process runs at once (the SDK worker runs concurrent `execute`s).
   * Default 1. Above 1, far fewer processes serve a busy version (cheaper on small hosts), but attempts sharing a
   * process share its fate: one that crashes it, times out or ignores a cancel takes the others down too (CRASHED).
   */
  maxConcurrentAttemptsPerProcess?: number;
  /**
   * Without keep-alive, each attempt suspended at a wait keeps its own process; past this many such processes the
   * one suspended longest is stopped (its run then replays from the record when it resumes). Default 100.
   */
  maxSuspendedProcesses?: number;
  /** A pool unused this long has its processes stopped (old versions). Default 10 min. */
  idlePoolTtlMs?: number;
  /**
   * The runner's own variables an attempt may see. Default: PATH, HOME, LANG, TZ, TMPDIR of this process
   * (the runner passes its parsed config's `childBaseEnv`). Nothing else of the parent reaches the child.
   */
  baseEnv?: Record<string, string>;
  /** Run attempts as this user; honoured only when the runner is root (otherwise reported through `warn`). */
  runAs?: { uid: number; gid: number } | undefined;
  /**
   * How often a running attempt's process (with its child processes) has its resident memory checked against
   * its machine's memory; past it, the process is killed and the attempt fails out of memory. 0 turns the
   * check off (the V8 heap limit still applies). Default 1000 ms.
   */
  memoryCheckIntervalMs?: number;
  /** Known at spawn time so the SDK can reach the api before the first `execute` arrives. */
  apiUrl?: string;
  warn?: (message: string) => void;
};

type ActiveAttempt = {
  proc: WorkerProcess;
  started: boolean;
  canceled: boolean;
  killTimer?: NodeJS.Timeout;
  /** suspended at a wait: holds no capacity of its process and no maxDuration clock */
  suspended: boolean;
  suspendedAt?: number;
  attemptNumber: number;
  /** restarts the maxDuration clock with the time the attempt has left */
  resumeClock?: () => void;
};

const DEFAULT_MAX_EXECUTIONS_PER_PROCESS = 50;

/**
 * Executes attempts in child processes from warm pools kept per (worker dir, entry, machine preset).
 * By default each attempt gets a fresh process (already spawned, bundle loaded); with keep-alive a process
 * serves up to `maxExecutionsPerProcess` attempts, one at a time.
 */
export class ProcessExecutor implements Executor {
  private readonly pools = new Map<string, WarmPool>();
  private readonly active = new Map<string, ActiveAttempt>();
  /** Keep-alive processes that take several attempts at once, per pool key, while they have attempts in flight. */
  private readonly shared = new Map<string, WorkerProcess[]>();
  private readonly opts: Required<Omit<ProcessExecutorOptions, "runAs" | "apiUrl">> & Pick<ProcessExecutorOptions, "runAs" | "apiUrl">;
  private readonly sweep: NodeJS.Timeout;
  private readonly gate: SpawnGate;
  private readonly memory: MemoryWatch;
  private closed = false;

  constructor(options: ProcessExecutorOptions = {}) {
    this.opts = {
      warmProcesses: options.warmProcesses ?? 1,
      maxIdleProcesses: options.maxIdleProcesses ?? 32,
      cancelGraceMs: options.cancelGraceMs ?? 30_000,
      startTimeoutMs: options.startTimeoutMs ?? 60_000,
      maxConcurrentStarts: options.maxConcurrentStarts ?? Math.max(2, availableParallelism()),
      maxConcurrentAttemptsPerProcess: options.maxConcurrentAttemptsPerProcess ?? 1,
      maxSuspendedProcesses: options.maxSuspendedProcesses ?? 100,
      idlePoolTtlMs: options.idlePoolTtlMs ?? 10 * 60_000,
      memoryCheckIntervalMs: options.memoryCheckIntervalMs ?? 1000,
      baseEnv: options.baseEnv ?? pickBaseEnv(process.env),
      warn: options.warn ?? ((message) => console.warn(`[runner] ${message}`)),
      runAs: options.runAs,
      apiUrl: options.apiUrl,
    };
    if (this.opts.runAs && process.getuid?.() !== 0) {
      this.opts.warn(
        `attempts run as this runner's own user: switching to uid ${this.opts.runAs.uid} needs the runner to start as root`,
      );
      this.opts.runAs = undefined;
    }
    this.gate = new SpawnGate(this.opts.maxConcurrentStarts);
    this.memory = new MemoryWatch(this.opts.memoryCheckIntervalMs, this.opts.warn);
    this.sweep = setInterval(() => this.closeUnusedPools(), Math.min(60_000, this.opts.idlePoolTtlMs)).unref();
  }

  async prewarm(request: PrewarmRequest): Promise<void> {
    await this.poolFor(request.workerDir, request.entryPoint, request.machine).fill();
  }

  async execute(request: ExecuteRequest): Promise<TaskRunExecutionResult> {
    const startedAt = performance.now();
    const elapsed = () => Math.round(performance.now() - startedAt);
    const execution = request.env ? { ...request.execution, env: { ...request.execution.env, ...request.env } } : request.execution;
    const runId = execution.run.id;
    if (this.closed) return systemFailureResult(execution, "The runner is shutting down");

    const keepAlive = request.keepAlive?.enabled === true ? request.keepAlive : undefined;
    const maxExecutions = keepAlive?.maxExecutionsPerProcess ?? DEFAULT_MAX_EXECUTIONS_PER_PROCESS;
    const capacity = keepAlive ? Math.max(1, keepAlive.maxConcurrentAttempts ?? this.opts.maxConcurrentAttemptsPerProcess) : 1;
    const key = poolKey(request.workerDir, request.entryPoint, execution.machine.name);
    const pool = this.poolFor(request.workerDir, request.entryPoint, execution.machine.name);
    // keep-alive processes stay listed while they run or hold suspended attempts, so they take new attempts
    const shared = keepAlive ? this.sharedFor(key) : undefined;

    let proc = shared?.find((p) => p.alive && !p.retiring && p.assigned < capacity && p.claims < maxExecutions);
    if (!proc) {
      proc = pool.take();
      shared?.push(proc);
    }
    proc.assigned += 1;
    proc.claims += 1;
    const attempt: ActiveAttempt = { proc, started: false, canceled: false, suspended: false, attemptNumber: execution.attempt.number };
    this.active.set(runId, attempt);
    try {
      try {
        await proc.ready;
      } catch (err) {
        this.giveBack(proc, pool, shared, false);
        if (attempt.canceled) return canceledResult(execution, elapsed());
        if (err instanceof WorkerExitedError) {
          const when = proc.startTimedOut ? `before it was ready (not ready within ${this.opts.startTimeoutMs} ms)` : "while loading the bundle";
          return crashedResult(execution, err.exit, err.stderrTail, elapsed(), when, proc.outOfMemory);
        }
        return systemFailureResult(execution, `Could not start the task's process: ${String(err)}`, elapsed());
      }
      if (attempt.canceled) {
        this.giveBack(proc, pool, shared, false);
        return canceledResult(execution, elapsed());
      }

      attempt.started = true;
      this.memory.watch(proc, MACHINE_SPECS[execution.machine.name].memoryGb * 1024 ** 3);
      let timedOut = false;
      const maxDuration = execution.run.maxDuration;
      const runningProc = proc;
      // maxDuration counts active time only: the clock stops while the attempt is suspended at a wait
      let budgetMs = maxDuration !== undefined && maxDuration > 0 ? maxDuration * 1000 : undefined;
      let clockStartedAt = performance.now();
      let maxDurationTimer: NodeJS.Timeout | undefined;
      const startClock = () => {
        if (budgetMs === undefined) return;
        clockStartedAt = performance.now();
        maxDurationTimer = setTimeout(() => {
          // A process shared by several attempts goes down with this one: keep-alive trades that isolation away.
          timedOut = true;
          runningProc.kill("SIGKILL");
        }, Math.max(0, budgetMs));
      };
      startClock();
      attempt.resumeClock = startClock;
      const onSuspended = () => {
        if (attempt.suspended) return;
        clearTimeout(maxDurationTimer);
        if (budgetMs !== undefined) budgetMs -= performance.now() - clockStartedAt;
        attempt.suspended = true;
        attempt.suspendedAt = Date.now();
        runningProc.assigned -= 1;
        runningProc.suspended += 1;
        if (request.onSuspended) {
          request.onSuspended();
          if (!keepAlive) this.capSuspendedProcesses();
        } else {
          // a caller that cannot resume in place (gantry dev, tests): let the attempt go; the run replays on resume
          runningProc.discard(runId);
        }
      };
      const outcome = await proc.run(execution, request.onLog, onSuspended).finally(() => this.memory.unwatch(runningProc));
      clearTimeout(maxDurationTimer);
      clearTimeout(attempt.killTimer);
      if (attempt.suspended) {
        attempt.suspended = false;
        proc.suspended -= 1;
        proc.assigned += 1;
      }

      const healthy = (outcome.kind === "completed" || outcome.kind === "discarded") && !timedOut;
      this.giveBack(proc, pool, shared, healthy && keepAlive !== undefined && !attempt.canceled && proc.claims < maxExecutions);

      if (timedOut) return timedOutResult(execution, maxDuration ?? 0, elapsed());
      if (attempt.canceled) return canceledResult(execution, elapsed());
      if (outcome.kind === "completed") {
        return outcome.result.usage ? outcome.result : { ...outcome.result, usage: { durationMs: elapsed() } };
      }
      if (outcome.kind === "discarded") return suspendedResult(execution, elapsed());
      return crashedResult(execution, outcome.exit, outcome.stderrTail, elapsed(), undefined, proc.outOfMemory);
    } finally {
      // a replay of the run may have taken the slot meanwhile (its suspended attempt was discarded)
      if (this.active.get(runId) === attempt) this.active.delete(runId);
    }
  }

  /**
   * An attempt is done with its process. A process is reused (back to the pool) only when every attempt on it
   * allowed that; otherwise it retires and is killed once its last attempt in flight ends.
   */
  private giveBack(proc: WorkerProcess, pool: WarmPool, shared: WorkerProcess[] | undefined, reusable: boolean): void {
    proc.assigned -= 1;
    if (!reusable) proc.retiring = true;
    if ((proc.assigned > 0 || proc.suspended > 0) && proc.alive) return;
    if (shared) {
      const i = shared.indexOf(proc);
      if (i >= 0) shared.splice(i, 1);
    }
    if (proc.retiring || !proc.alive) proc.kill();
    else pool.release(proc);
  }

  private sharedFor(key: string): WorkerProcess[] {
    let list = this.shared.get(key);
    if (!list) {
      list = [];
      this.shared.set(key, list);
    }
    return list;
  }

  /** The attempt number of the run's attempt suspended at a wait in this executor, if there is one. */
  suspendedAttempt(runId: string): number | undefined {
    const attempt = this.active.get(runId);
    return attempt?.suspended && attempt.proc.alive ? attempt.attemptNumber : undefined;
  }

  /** Continues a suspended attempt with its wait's result; false when it is no longer here (its process is gone). */
  resume(runId: string, message: { attemptNumber: number; runToken: string; waitpoint: WaitpointResult }): boolean {
    const attempt = this.active.get(runId);
    if (!attempt?.suspended || attempt.attemptNumber !== message.attemptNumber || !attempt.proc.alive) return false;
    attempt.suspended = false;
    attempt.proc.suspended -= 1;
    attempt.proc.assigned += 1;
    attempt.resumeClock?.();
    attempt.proc.send({ type: "resume", runId, attemptNumber: message.attemptNumber, runToken: message.runToken, waitpoint: message.waitpoint });
    return true;
  }

  /** Drops a suspended attempt (its run continues elsewhere, or is over); its execute() resolves as discarded. */
  discard(runId: string): void {
    const attempt = this.active.get(runId);
    if (attempt?.suspended) attempt.proc.discard(runId);
  }

  /** Without keep-alive every suspended attempt holds a process: past the cap, stop the one suspended longest. */
  private capSuspendedProcesses(): void {
    const holding = [...this.active.values()].filter((a) => a.suspended && a.proc.assigned === 0 && a.proc.alive);
    const procs = [...new Set(holding.map((a) => a.proc))];
    if (procs.length <= this.opts.maxSuspendedProcesses) return;
    holding.sort((a, b) => (a.suspendedAt ?? 0) - (b.suspendedAt ?? 0));
    const excess = procs.length - this.opts.maxSuspendedProcesses;
    const victims = new Set<WorkerProcess>();
    for (const a of holding) {
      if (victims.size >= excess) break;
      victims.add(a.proc);
    }
    for (const proc of victims) proc.kill("SIGKILL");
  }

  /** Processes alive now (pooled, running or holding suspended attempts) and attempts suspended, for diagnostics and the bench. */
  stats(): { processes: number; suspended: number; pids: number[] } {
    const procs = new Set<WorkerProcess>();
    for (const a of this.active.values()) if (a.proc.alive) procs.add(a.proc);
    const pids = new Set<number>();
    for (const p of procs) if (p.pid !== undefined) pids.add(p.pid);
    for (const pool of this.pools.values()) for (const pid of pool.pids()) pids.add(pid);
    return { processes: pids.size, suspended: [...this.active.values()].filter((a) => a.suspended).length, pids: [...pids] };
  }

  cancel(runId: string): boolean {
    const attempt = this.active.get(runId);
    if (!attempt || attempt.canceled) return attempt !== undefined;
    attempt.canceled = true;
    const proc = attempt.proc;
    if (!attempt.started) {
      // Not started yet: its process dies only if no other attempt shares it (execute then reports CANCELED).
      if (proc.assigned <= 1) proc.kill();
      return true;
    }
    proc.send({ type: "cancel", runId });
    attempt.killTimer = setTimeout(() => proc.kill("SIGKILL"), this.opts.cancelGraceMs);
    return true;
  }

  /** Idle processes per pool, for diagnostics and tests. */
  poolStats(): Array<{ workerDir: string; entryPoint: string; machine: string; idle: number; ready: number; pids: number[] }> {
    return [...this.pools.entries()].map(([key, pool]) => {
      const [workerDir = "", entryPoint = "", machine = ""] = key.split("\0");
      return { workerDir, entryPoint, machine, idle: pool.idleCount, ready: pool.readyCount, pids: pool.pids() };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweep);
    this.memory.stop();
    for (const attempt of this.active.values()) attempt.proc.kill();
    this.shared.clear();
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  private poolFor(workerDir: string, entryPoint: string, machine: MachinePreset): WarmPool {
    const key = poolKey(workerDir, entryPoint, machine);
    let pool = this.pools.get(key);
    if (!pool) {
      const spawnSpec = {
        entryPath: join(workerDir, entryPoint),
        cwd: workerDir,
        env: this.childEnv(),
        execArgv: [`--max-old-space-size=${heapLimitMb(machine)}`],
        runAs: this.opts.runAs,
        startTimeoutMs: this.opts.startTimeoutMs,
      };
      pool = new WarmPool(() => new WorkerProcess(spawnSpec, this.gate), this.opts.warmProcesses, this.opts.maxIdleProcesses);
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** Spawn-time env. The attempt's own variables and run token travel in the `execute` message (the worker applies them). */
  private childEnv(): Record<string, string> {
    const env: Record<string, string> = { ...this.opts.baseEnv, GANTRY_WORKER_MODE: "execute" };
    if (this.opts.apiUrl) {
      env.GANTRY_API_URL = this.opts.apiUrl;
      env.TRIGGER_API_URL = this.opts.apiUrl;
    }
    return env;
  }

  private closeUnusedPools(): void {
    const cutoff = Date.now() - this.opts.idlePoolTtlMs;
    for (const [key, pool] of this.pools) {
      if (pool.lastUsedAt < cutoff) {
        this.pools.delete(key);
        void pool.close();
      }
    }
  }
}

function poolKey(workerDir: string, entryPoint: string, machine: MachinePreset): string {
  return `${workerDir}\0${entryPoint}\0${machine}`;
}

/** V8 heap limit for a machine preset: most of its memory, leaving room for buffers and native code. */
export function heapLimitMb(machine: MachinePreset): number {
  return Math.max(64, Math.floor(MACHINE_SPECS[machine].memoryGb * 1024 * 0.8));
}
