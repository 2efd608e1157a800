import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import type { SpawnGate } from "./spawn-gate.js";
import { isHeapOutOfMemoryLine, type OutOfMemoryKind } from "./results.js";
import {
  WorkerToParent,
  type LogEvent,
  type ParentToWorker,
  type TaskRunExecution,
  type TaskRunExecutionResult,
} from "@gantry/sdk/contracts";

export type WorkerProcessSpec = {
  entryPath: string;
  cwd: string;
  env: Record<string, string>;
  execArgv: string[];
  runAs?: { uid: number; gid: number } | undefined;
  /** Killed if not `ready` this long after it was spawned. */
  startTimeoutMs?: number;
};

export type ExitInfo = { code: number | null; signal: NodeJS.Signals | null };

export type RunOutcome =
  | { kind: "completed"; result: TaskRunExecutionResult }
  | { kind: "exited"; exit: ExitInfo; stderrTail: string }
  /** the attempt was suspended at a wait and then dropped here (its run continues elsewhere, or is over) */
  | { kind: "discarded" };

type Current = {
  execution: TaskRunExecution;
  onLog(event: LogEvent): void;
  onSuspended?(): void;
  settle(outcome: RunOutcome): void;
};

const STDERR_TAIL_LINES = 20;

/**
 * One child process running a bundle's worker entry (`@gantry/sdk/worker`), speaking the IPC protocol of
 * sdk/src/contracts/ipc.ts. It runs one attempt at a time.
 */
export class WorkerProcess {
  /** Undefined until the spawn gate lets this process start. */
  child: ChildProcess | undefined;
  /** Resolves on the worker's `ready`; rejects with the exit if the process dies first. */
  readonly ready: Promise<void>;
  /** Resolves once the process has exited and its output is drained. */
  readonly closed: Promise<ExitInfo>;
  executions = 0;
  /** Attempts the executor has given this process and not yet taken back (it counts them before `run`). */
  assigned = 0;
  /** Attempts ever given to this process. */
  claims = 0;
  /** Attempts suspended at a wait in this process (not counted in `assigned`: they use none of its capacity). */
  suspended = 0;
  isReady = false;
  exit: ExitInfo | undefined;
  /** Attempts in flight, by run id: one at a time, unless the executor shares a keep-alive process. */
  private readonly current = new Map<string, Current>();
  /** Taken by no new attempt: killed once its attempts in flight end. */
  retiring = false;
  private readonly stderrTail: string[] = [];
  private killedBeforeStart = false;
  /** Killed because it did not say `ready` within spec.startTimeoutMs. */
  startTimedOut = false;
  /**
   * It ran out of memory: V8 said so on stderr (kept here, as its stack trace can push that line out of the
   * tail), or the executor's memory watch killed it.
   */
  outOfMemory: OutOfMemoryKind | undefined;
  private markReady!: () => void;
  private failReady!: (err: Error) => void;
  private markClosed!: (exit: ExitInfo) => void;

  constructor(
    private readonly spec: WorkerProcessSpec,
    gate?: SpawnGate,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.markReady = resolve;
      this.failReady = reject;
    });
    this.ready.catch(() => {});
    this.closed = new Promise<ExitInfo>((resolve) => (this.markClosed = resolve));
    if (!gate) {
      this.spawnNow();
      return;
    }
    void gate.acquire().then((release) => {
      if (this.killedBeforeStart) {
        release();
        return;
      }
      this.spawnNow();
      // The slot frees once the bundle is loaded (or the process is gone).
      this.ready.then(release, release);
    });
  }

  private spawnNow(): void {
    const spec = this.spec;
    const child = spawn(process.execPath, [...spec.execArgv, spec.entryPath], {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "json",
      ...(spec.runAs ? { uid: spec.runAs.uid, gid: spec.runAs.gid } : {}),
    });
    this.child = child;
    child.on("error", (err) => {
      // A failed spawn (missing directory, permission denied for runAs...) still ends in `close`; keep the reason.
      this.stderrTail.push(`could not start the process: ${err.message}`);
    });
    this.forwardLines(child.stdout!, "log");
    this.forwardLines(child.stderr!, "error");
    child.on("message", (raw) => this.onMessage(raw));
    child.once("close", (code, signal) => this.onClose({ code, signal }));
    if (spec.startTimeoutMs !== undefined) {
      const timer = setTimeout(() => {
        this.startTimedOut = true;
        this.kill("SIGKILL");
      }, spec.startTimeoutMs);
      const clear = () => clearTimeout(timer);
      this.ready.then(clear, clear);
    }
  }

  private onClose(exit: ExitInfo): void {
    this.exit = exit;
    this.isReady = false;
    this.failReady(new WorkerExitedError(exit, this.tail()));
    const tail = this.tail();
    for (const current of [...this.current.values()]) current.settle({ kind: "exited", exit, stderrTail: tail });
    this.current.clear();
    this.markClosed(exit);
  }

  get alive(): boolean {
    if (this.exit !== undefined || this.killedBeforeStart) return false;
    return !this.child || (this.child.exitCode === null && this.child.signalCode === null);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Attempts this process is running now. */
  get inFlight(): number {
    return this.current.size;
  }

  /**
   * Sends `execute` and resolves when the worker reports `completed` for it, or the process ends. A worker that
   * suspends the attempt at a wait calls `onSuspended` (each time); the promise stays pending until `resume`.
   */
  run(execution: TaskRunExecution, onLog: (event: LogEvent) => void, onSuspended?: () => void): Promise<RunOutcome> {
    const runId = execution.run.id;
    if (this.current.has(runId)) throw new Error(`WorkerProcess is already running an attempt of ${runId}`);
    this.executions += 1;
    if (this.current.size === 0) this.stderrTail.length = 0;
    return new Promise<RunOutcome>((resolve) => {
      if (!this.alive) {
        resolve({ kind: "exited", exit: this.exit ?? { code: null, signal: null }, stderrTail: this.tail() });
        return;
      }
      this.current.set(runId, {
        execution,
        onLog,
        ...(onSuspended ? { onSuspended } : {}),
        settle: (outcome) => {
          this.current.delete(runId);
          resolve(outcome);
        },
      });
      this.send({ type: "execute", execution });
    });
  }

  /** Drops a suspended attempt: the worker forgets it and `run` resolves as discarded. */
  discard(runId: string): void {
    const current = this.current.get(runId);
    if (!current) return;
    this.send({ type: "discard", runId });
    current.settle({ kind: "discarded" });
  }

  send(message: ParentToWorker): void {
    if (!this.alive || !this.child?.connected) return;
    this.child.send(message, (err) => {
      // The channel closed under us: the process is exiting and `close` will settle the attempt.
      void err;
    });
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    if (!this.alive) return;
    if (this.child) this.child.kill(signal);
    else {
      this.killedBeforeStart = true;
      this.onClose({ code: null, signal: "SIGKILL" });
    }
  }

  private onMessage(raw: unknown): void {
    const parsed = WorkerToParent.safeParse(raw);
    if (!parsed.success) return;
    const message = parsed.data;
    switch (message.type) {
      case "ready":
        this.isReady = true;
        this.markReady();
        return;
      case "completed": {
        const current = this.current.get(message.runId);
        if (current && message.attemptNumber === current.execution.attempt.number) {
          current.settle({ kind: "completed", result: message.result });
        }
        return;
      }
      case "log":
        this.current.get(message.event.runId)?.onLog(message.event);
        return;
      case "suspended": {
        const current = this.current.get(message.runId);
        if (current && message.attemptNumber === current.execution.attempt.number) current.onSuspended?.();
        return;
      }
      case "indexed":
      case "index_error":
        return;
    }
  }

  private forwardLines(stream: Readable, level: "log" | "error"): void {
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on("line", (line) => {
      if (level === "error") {
        if (this.outOfMemory === undefined && isHeapOutOfMemoryLine(line)) this.outOfMemory = "heap";
        this.stderrTail.push(line);
        if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
      }
      // Raw output names no run: it belongs to the attempt only when there is exactly one in flight.
      if (this.current.size !== 1) return;
      const current = this.current.values().next().value!;
      current.onLog({
        runId: current.execution.run.id,
        attemptNumber: current.execution.attempt.number,
        kind: "log",
        level,
        message: line,
        time: Date.now(),
      });
    });
  }

  private tail(): string {
    return this.stderrTail.join("\n");
  }
}

export class WorkerExitedError extends Error {
  constructor(
    readonly exit: ExitInfo,
    readonly stderrTail: string,
  ) {
    super(`worker process exited before it was ready (${exit.signal ?? `code ${exit.code}`})${stderrTail ? `: ${stderrTail}` : ""}`);
    this.name = "WorkerExitedError";
  }
}
