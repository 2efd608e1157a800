import type { MachinePreset, RetryOptions as WireRetryOptions } from "../contracts/index.js";
import type { Context } from "./context.js";

/** Retry policy of a task (the reference's `RetryOptions`). */
export type RetryOptions = WireRetryOptions & { outOfMemory?: { machine?: MachinePreset } };

/** A task's queue: its own by default; share one by passing the same `queue({...})` object. */
export interface QueueOptions {
  name?: string;
  /** Runs at once; with a `concurrencyKey` at trigger, each key gets this limit (a copy of the queue per key). */
  concurrencyLimit?: number;
  /** Runs at once across all concurrency keys of the queue together (Gantry). */
  totalConcurrencyLimit?: number;
  /** At most `limit` runs start per `period` ("10s", "1m", or milliseconds), the queue as a whole (Gantry). */
  rateLimit?: { limit: number; period: string | number };
  /** The same, for each concurrency key on its own (Gantry). */
  keyRateLimit?: { limit: number; period: string | number };
}

export type MachineOption = MachinePreset | { preset: MachinePreset };

/** Arguments every lifecycle hook receives. `task` is the task id. */
export interface HookArgs<TPayload = unknown, TInit = unknown> {
  payload: TPayload;
  ctx: Context;
  task: string;
  signal: AbortSignal;
  init?: TInit;
}

export type TaskRunResult<TOutput = unknown> = { ok: true; data: TOutput } | { ok: false; error: unknown };

/** What `catchError` may return: nothing (normal retrying) or an override. */
export type CatchErrorResult =
  | undefined
  | void
  | { skipRetrying?: boolean; retryAt?: Date; retryDelayInMs?: number; retry?: RetryOptions; error?: unknown };

export interface CatchErrorArgs<TPayload = unknown, TInit = unknown> extends HookArgs<TPayload, TInit> {
  error: unknown;
  /** the retry policy in force */
  retry?: RetryOptions;
  /** when the next attempt would start under that policy (undefined: no attempt left) */
  retryAt?: Date;
  retryDelayInMs?: number;
}

export type MaybePromise<T> = T | Promise<T>;

export type MiddlewareFn<TPayload = unknown> = (args: HookArgs<TPayload> & { next: () => Promise<void> }) => MaybePromise<void>;
export type StartHookFn<TPayload = unknown, TInit = unknown> = (args: HookArgs<TPayload, TInit>) => MaybePromise<unknown>;
export type SuccessHookFn<TPayload = unknown, TOutput = unknown, TInit = unknown> = (
  args: HookArgs<TPayload, TInit> & { output: TOutput },
) => MaybePromise<unknown>;
export type FailureHookFn<TPayload = unknown, TInit = unknown> = (args: HookArgs<TPayload, TInit> & { error: unknown }) => MaybePromise<unknown>;
export type CompleteHookFn<TPayload = unknown, TOutput = unknown, TInit = unknown> = (
  args: HookArgs<TPayload, TInit> & { result: TaskRunResult<TOutput> },
) => MaybePromise<unknown>;
export type WaitHookFn<TPayload = unknown> = (args: HookArgs<TPayload> & { wait: unknown }) => MaybePromise<unknown>;
export type CancelHookFn<TPayload = unknown, TInit = unknown> = (
  args: HookArgs<TPayload, TInit> & { runPromise: Promise<unknown> },
) => MaybePromise<unknown>;
export type CatchErrorFn<TPayload = unknown, TInit = unknown> = (args: CatchErrorArgs<TPayload, TInit>) => MaybePromise<CatchErrorResult>;

/** Options of `task({...})`. */
export interface TaskOptions<TIdentifier extends string, TPayload, TOutput, TInit = unknown> {
  id: TIdentifier;
  description?: string;
  retry?: RetryOptions;
  queue?: QueueOptions;
  machine?: MachineOption;
  /** seconds of active time per attempt (minimum 5) */
  maxDuration?: number;
  run: (payload: TPayload, params: { ctx: Context; init: TInit; signal: AbortSignal }) => MaybePromise<TOutput>;
  /** @deprecated in the reference: prefer middleware and locals */
  init?: (args: HookArgs<TPayload>) => MaybePromise<TInit>;
  middleware?: MiddlewareFn<TPayload>;
  onStartAttempt?: StartHookFn<TPayload, TInit>;
  /** once per run (attempt 1); @deprecated in the reference in favour of onStartAttempt */
  onStart?: StartHookFn<TPayload, TInit>;
  onSuccess?: SuccessHookFn<TPayload, TOutput, TInit>;
  /** only after the last attempt failed */
  onFailure?: FailureHookFn<TPayload, TInit>;
  onComplete?: CompleteHookFn<TPayload, TOutput, TInit>;
  onWait?: WaitHookFn<TPayload>;
  onResume?: WaitHookFn<TPayload>;
  onCancel?: CancelHookFn<TPayload, TInit>;
  catchError?: CatchErrorFn<TPayload, TInit>;
  /** @deprecated alias of catchError */
  handleError?: CatchErrorFn<TPayload, TInit>;
  /** @deprecated in the reference: after run, success or failure */
  cleanup?: StartHookFn<TPayload, TInit>;
}

export type AnyTaskOptions = TaskOptions<string, any, any, any>;
