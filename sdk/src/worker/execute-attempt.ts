import SuperJSON from "superjson";
import { metadata } from "../realtime/metadata.js";
import type {
  LogEvent,
  RetryOptions,
  RuntimeConfig,
  TaskRunError,
  TaskRunExecution,
  TaskRunExecutionResult,
  WaitpointResult,
} from "../contracts/index.js";
import { outOfMemoryError } from "../contracts/out-of-memory.js";
import { parsePacket } from "../client/packets.js";
import { calculateNextRetryDelay, DEFAULT_RETRY_OPTIONS } from "../retry/delay.js";
import { runWithStore, type ExecutionStore, type StepRuntime, type WaitInfo } from "../runtime/current.js";
import { buildContext } from "../tasks/context.js";
import { globalHooks } from "../tasks/hooks.js";
import { startAttemptUsage } from "../tasks/usage.js";
import { getRegisteredTask, type RegisteredTask } from "../tasks/registry.js";
import type { CatchErrorResult, HookArgs } from "../tasks/types.js";
import { effectiveRetryPolicy } from "./retry-policy.js";
import { internalError, serializeError } from "./serialize-error.js";

/** How long onCancel hooks may take before the attempt is reported canceled anyway (the reference's 30 s). */
export const CANCEL_GRACE_MS = 30_000;

export interface RunningAttempt {
  result: Promise<TaskRunExecutionResult>;
  /** aborts the signal, runs onCancel hooks (≤ 30 s), then the attempt completes as CANCELED */
  cancel(): Promise<void>;
  /** continues an attempt suspended at a wait, with the wait's result and a fresh run token */
  resume(waitpoint: WaitpointResult, runToken: string): boolean;
  /** true while suspended at a wait */
  readonly suspended: boolean;
}

type Decision = { retry?: { timestamp: number; delay: number }; skippedRetrying?: boolean; error: unknown };

/**
 * Executes one attempt: decodes the payload (and validates a schemaTask's), then runs middleware → init →
 * onStartAttempt/onStart → run → catchError → onSuccess | onFailure → onComplete → cleanup → middleware tail,
 * global hooks before the task's own. Per-attempt state lives in the runtime store (AsyncLocalStorage).
 */
export function executeAttempt(
  execution: TaskRunExecution,
  options: {
    config?: RuntimeConfig;
    emit(event: LogEvent): void;
    now?: () => number;
    /** the attempt suspended at a wait (the worker tells the runner); without it, waits cannot suspend */
    onSuspended?: () => void;
  },
): RunningAttempt {
  const now = options.now ?? Date.now;
  const controller = new AbortController();
  const ctx = buildContext(execution);
  const store: ExecutionStore = {
    execution,
    ctx,
    locals: new Map(),
    emit: (event) =>
      options.emit({
        ...event,
        kind: event.kind ?? "log",
        time: event.time ?? now(),
        runId: execution.run.id,
        attemptNumber: execution.attempt.number,
      }),
  };
  let pendingResume: ((w: WaitpointResult) => void) | undefined;
  const steps: StepRuntime = {
    next: (() => {
      let step = 0;
      return () => step++;
    })(),
    waiting: false,
    suspend: async (info: WaitInfo) => {
      if (!options.onSuspended) throw new Error("This worker cannot suspend an attempt at a wait (no runner connection)");
      const waitHooks = [...globalHooks().onWait.values(), task?.options.onWait];
      await callEach(store, "onWait", waitHooks, (fn) => fn({ ...args(), wait: info }));
      const resumed = new Promise<WaitpointResult>((resolve) => (pendingResume = resolve));
      options.onSuspended();
      attemptUsage.pause(); // waits are not counted (usage.ts)
      const waitpoint = await resumed;
      attemptUsage.resume();
      const resumeHooks = [...globalHooks().onResume.values(), task?.options.onResume];
      await callEach(store, "onResume", resumeHooks, (fn) => fn({ ...args(), wait: info }));
      return waitpoint;
    },
  };
  store.steps = steps;
  // the attempt's CPU time (tasks/usage.ts), the same figure usage.getCurrent() shows the task
  const attemptUsage = startAttemptUsage(store);
  const usage = () => ({ durationMs: Math.round(attemptUsage.durationMs()) });
  const fail = (error: TaskRunError, extra: Partial<Extract<TaskRunExecutionResult, { ok: false }>> = {}): TaskRunExecutionResult => ({
    ok: false,
    id: execution.run.id,
    error,
    usage: usage(),
    ...extra,
  });

  let finished = false;
  let canceled = false;
  let resolveResult!: (r: TaskRunExecutionResult) => void;
  const result = new Promise<TaskRunExecutionResult>((resolve) => (resolveResult = resolve));
  const finish = (r: TaskRunExecutionResult) => {
    if (finished) return;
    finished = true;
    attemptUsage.stop();
    resolveResult(r);
  };

  let resolveRun!: (v: unknown) => void;
  let rejectRun!: (e: unknown) => void;
  const runPromise = new Promise<unknown>((resolve, reject) => {
    resolveRun = resolve;
    rejectRun = reject;
  });
  runPromise.catch(() => undefined);

  const task = getRegisteredTask(execution.task.id);
  let payload: unknown;
  let initOutput: unknown;
  const args = (): HookArgs => ({ payload, ctx, task: execution.task.id, signal: controller.signal, init: initOutput });

  const attempt = async (registered: RegisteredTask): Promise<TaskRunExecutionResult> => {
    const hooks = globalHooks();
    const opts = registered.options;

    try {
      payload = parsePacket({ ...(execution.run.payload !== undefined ? { data: execution.run.payload } : {}), dataType: execution.run.payloadType });
    } catch (error) {
      return fail(internalError("TASK_INPUT_ERROR", `Could not decode the payload (${execution.run.payloadType}): ${String((error as Error).message ?? error)}`), { skippedRetrying: true });
    }
    if (registered.parsePayload) {
      try {
        payload = await registered.parsePayload(payload);
      } catch (error) {
        const e = serializeError(error);
        return fail({ type: "BUILT_IN_ERROR", name: "TaskPayloadParsedError", message: e.message, code: "TASK_PAYLOAD_PARSE_ERROR", ...(e.stackTrace ? { stackTrace: e.stackTrace } : {}) }, { skippedRetrying: true });
      }
    }

    const policy = effectiveRetryPolicy(execution, registered, options.config);
    let outcome: { ok: true; output: unknown } | { ok: false; error: unknown } | undefined;
    let decision: Decision | undefined;
    let finalHooksRan = false;

    const decide = async (error: unknown): Promise<Decision> => {
      if (isNamed(error, "AbortTaskRunError") || isNamed(error, "TaskPayloadParsedError")) {
        return { skippedRetrying: true, error };
      }
      const attemptNumber = execution.attempt.number;
      if (isNamed(error, "OutOfMemoryError")) {
        // Only retry.outOfMemory.machine retries it (the api decides; this says whether onFailure runs now).
        const oomMachine = execution.retry?.outOfMemory?.machine ?? opts.retry?.outOfMemory?.machine ?? options.config?.retries?.default?.outOfMemory?.machine;
        const oomDelay = oomMachine && oomMachine !== execution.machine.name ? calculateNextRetryDelay(policy, attemptNumber) : undefined;
        return oomDelay === undefined ? { skippedRetrying: true, error } : { retry: { timestamp: now() + oomDelay, delay: oomDelay }, error };
      }
      const delay = calculateNextRetryDelay(policy, attemptNumber);
      const handlers = [opts.catchError ?? opts.handleError, ...hooks.catchError.values()].filter((f): f is NonNullable<typeof f> => !!f);
      for (const handler of handlers) {
        let r: CatchErrorResult;
        try {
          r = await handler({ ...args(), error, retry: policy, ...(delay !== undefined ? { retryAt: new Date(now() + delay), retryDelayInMs: delay } : {}) });
        } catch (handlerError) {
          const e = serializeError(handlerError);
          return { skippedRetrying: true, error: Object.assign(new Error(`catchError threw: ${e.message}`), { name: "HANDLE_ERROR_ERROR", stack: e.stackTrace }) };
        }
        if (!r) continue;
        const replaced = r.error !== undefined ? r.error : error;
        if (r.skipRetrying) return { skippedRetrying: true, error: replaced };
        if (r.retryAt) return { retry: { timestamp: r.retryAt.getTime(), delay: Math.max(0, r.retryAt.getTime() - now()) }, error: replaced };
        if (r.retryDelayInMs !== undefined) return { retry: { timestamp: now() + r.retryDelayInMs, delay: r.retryDelayInMs }, error: replaced };
        if (r.retry) {
          const custom = calculateNextRetryDelay({ ...DEFAULT_RETRY_OPTIONS, ...(r.retry as RetryOptions) }, attemptNumber);
          return custom === undefined ? { error: replaced } : { retry: { timestamp: now() + custom, delay: custom }, error: replaced };
        }
        return delay === undefined ? { error: replaced } : { retry: { timestamp: now() + delay, delay }, error: replaced };
      }
      return delay === undefined ? { error } : { retry: { timestamp: now() + delay, delay }, error };
    };

    const finalHooks = async () => {
      if (canceled || !outcome || finalHooksRan) return;
      finalHooksRan = true;
      if (outcome.ok) {
        const output = outcome.output;
        await callEach(store, "onSuccess", [...hooks.onSuccess.values(), opts.onSuccess], (fn) => fn({ ...args(), output }));
        await callEach(store, "onComplete", [...hooks.onComplete.values(), opts.onComplete], (fn) => fn({ ...args(), result: { ok: true, data: output } }));
      } else {
        decision ??= await decide(outcome.error);
        if (!decision.retry && !canceled) {
          const error = decision.error;
          await callEach(store, "onFailure", [...hooks.onFailure.values(), opts.onFailure], (fn) => fn({ ...args(), error }));
          await callEach(store, "onComplete", [...hooks.onComplete.values(), opts.onComplete], (fn) => fn({ ...args(), result: { ok: false, error } }));
        }
      }
      await callEach(store, "cleanup", [...hooks.cleanup.values(), opts.cleanup], (fn) => fn(args()));
    };

    const inner = async () => {
      try {
        for (const init of hooks.init.values()) await init(args());
        if (opts.init) initOutput = await opts.init(args());
        for (const fn of [...hooks.onStartAttempt.values(), opts.onStartAttempt]) if (fn) await fn(args());
        if (execution.attempt.number === 1) for (const fn of [...hooks.onStart.values(), opts.onStart]) if (fn) await fn(args());
        const running = Promise.resolve().then(() => opts.run(payload, { ctx, init: initOutput, signal: controller.signal }));
        running.then(resolveRun, rejectRun);
        outcome = { ok: true, output: await running };
      } catch (error) {
        outcome = { ok: false, error };
      }
      await finalHooks();
    };

    const middlewares = [...hooks.middleware.values(), opts.middleware].filter((m): m is NonNullable<typeof m> => !!m);
    const chain = async (i: number): Promise<void> => {
      const middleware = middlewares[i];
      if (!middleware) return inner();
      let called = false;
      await middleware({ ...args(), next: () => ((called = true), chain(i + 1)) });
      if (!called) throw new Error(`A middleware returned without calling next(): the task "${execution.task.id}" did not run`);
    };

    try {
      await chain(0);
    } catch (error) {
      // A middleware error counts as a run error, unless run already failed (keep the run's error).
      if (!outcome || outcome.ok) {
        outcome = { ok: false, error };
        decision = undefined;
        finalHooksRan = false;
        await finalHooks();
      }
    }

    if (!outcome) return fail(internalError("TASK_EXECUTION_FAILED", "The attempt ended without running the task"));
    if (outcome.ok) {
      const output = outcome.output;
      return output === undefined
        ? { ok: true, id: execution.run.id, outputType: "application/json", usage: usage() }
        : { ok: true, id: execution.run.id, output: SuperJSON.stringify(output), outputType: "application/super+json", usage: usage() };
    }
    decision ??= await decide(outcome.error);
    const failure = isNamed(decision.error, "OutOfMemoryError") ? outOfMemoryError((decision.error as Error).stack) : serializeError(decision.error);
    return fail(failure, {
      ...(decision.retry ? { retry: decision.retry } : {}),
      ...(decision.skippedRetrying ? { skippedRetrying: true } : {}),
    });
  };

  if (!task) {
    finish(fail(internalError("COULD_NOT_FIND_TASK", `No task "${execution.task.id}" is registered in this bundle (file ${execution.task.filePath})`), { skippedRetrying: true }));
  } else {
    if (execution.env) Object.assign(process.env, execution.env);
    runWithStore(store, async () => {
      const r = await attempt(task);
      // the reference flushes metadata itself: changes made after the task's last flush() must not be lost
      // with the process; a failure to send them is logged, never the attempt's result
      await metadata.flush().catch((error: unknown) => console.warn(`metadata: the last changes did not reach the api: ${(error as Error)?.message ?? error}`));
      return r;
    }).then(
      (r) => {
        if (!canceled) finish(r);
      },
      (error) => {
        if (!canceled) finish(fail(internalError("TASK_EXECUTION_FAILED", String((error as Error)?.message ?? error), (error as Error)?.stack)));
      },
    );
  }

  const cancel = async () => {
    if (finished || canceled) return;
    canceled = true;
    controller.abort(new Error("The run was canceled"));
    const hooks = globalHooks();
    const handlers = [...hooks.onCancel.values(), task?.options.onCancel];
    const run = runWithStore(store, () => callEach(store, "onCancel", handlers, (fn) => fn({ ...args(), runPromise })));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([run, new Promise((resolve) => (timer = setTimeout(resolve, CANCEL_GRACE_MS)))]);
    clearTimeout(timer);
    finish(fail(internalError("TASK_RUN_CANCELLED", "The run was canceled"), { outcome: "CANCELED", skippedRetrying: true }));
  };

  const resume = (waitpoint: WaitpointResult, runToken: string): boolean => {
    const continueWith = pendingResume;
    if (!continueWith || finished) return false;
    pendingResume = undefined;
    store.execution = { ...store.execution, runToken };
    continueWith(waitpoint);
    return true;
  };

  return {
    result,
    cancel,
    resume,
    get suspended() {
      return pendingResume !== undefined;
    },
  };
}

/** Calls each hook in order; a hook that throws is logged on the run and otherwise ignored. */
async function callEach<F>(store: ExecutionStore, name: string, fns: (F | undefined)[], call: (fn: F) => unknown): Promise<void> {
  for (const fn of fns) {
    if (!fn) continue;
    try {
      await call(fn);
    } catch (error) {
      const e = serializeError(error);
      store.emit({ level: "error", message: `${name} hook threw: ${e.message}`, attributes: { stack: e.stackTrace } });
    }
  }
}

function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}
