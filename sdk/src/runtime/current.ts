import type { LogEvent, TaskRunExecution, WaitpointResult } from "../contracts/index.js";
import type { Context } from "../tasks/context.js";

/** A log line or span as user code produces it; the runtime adds the run id and attempt number. */
export type LogInput = Omit<LogEvent, "runId" | "attemptNumber" | "time" | "kind"> & { kind?: LogEvent["kind"]; time?: number };

/** Per-attempt state, kept in AsyncLocalStorage by the worker so concurrent attempts are told apart. */
export interface ExecutionStore {
  execution: TaskRunExecution;
  ctx: Context;
  locals: Map<symbol, unknown>;
  /** the innermost `logger.trace` span, parent of logs written inside it */
  spanId?: string;
  emit(event: LogInput): void;
  /** durable steps (waits, child runs, tokens); set by the worker, absent outside one */
  steps?: StepRuntime;
}

/** What a wait tells the onWait/onResume hooks. */
export type WaitInfo =
  | { type: "duration"; date: Date }
  | { type: "token"; token: string }
  | { type: "task"; runId: string }
  | { type: "batch"; runIds: string[] };

/**
 * The attempt's durable steps. Each wait, triggerAndWait, batchTriggerAndWait and createToken takes the next
 * step number; the api records what happened at each, so an attempt that replays the run gets the same
 * answers in the same order.
 */
export interface StepRuntime {
  next(): number;
  /** a wait is in progress (the reference allows no parallel waits) */
  waiting: boolean;
  /** the api has the run WAITING: suspend this attempt until the runner resumes it with the waitpoint's result */
  suspend(info: WaitInfo): Promise<WaitpointResult>;
}

interface RuntimeProvider {
  get(): ExecutionStore | undefined;
  run<T>(store: ExecutionStore, fn: () => T): T;
}

// On globalThis so that two copies of the SDK in one bundle still share the worker's runtime.
const KEY = Symbol.for("gantry.sdk.runtime");
type WithRuntime = { [KEY]?: RuntimeProvider };

/** The attempt the caller runs inside, or undefined outside a task (a backend, a browser). */
export function currentExecution(): ExecutionStore | undefined {
  return (globalThis as WithRuntime)[KEY]?.get();
}

/** Runs `fn` with `store` as the current attempt (used for spans); outside the worker, calls `fn` as is. */
export function runWithStore<T>(store: ExecutionStore, fn: () => T): T {
  const provider = (globalThis as WithRuntime)[KEY];
  return provider ? provider.run(store, fn) : fn();
}

/** Installed by `@gantry/sdk/worker` (node:async_hooks lives there, keeping the client browser-safe). */
export function installRuntime(provider: RuntimeProvider): void {
  (globalThis as WithRuntime)[KEY] = provider;
}
