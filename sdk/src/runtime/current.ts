import type { LogEvent, TaskRunExecution } from "../contracts/index.js";
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
