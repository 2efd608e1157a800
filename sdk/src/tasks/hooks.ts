import type {
  CancelHookFn,
  CatchErrorFn,
  CompleteHookFn,
  FailureHookFn,
  MiddlewareFn,
  StartHookFn,
  SuccessHookFn,
  WaitHookFn,
} from "./types.js";

/** Global hooks registered with `tasks.onStart(...)` and friends (usually in init.ts), applied to every task. */
export interface GlobalHooks {
  middleware: Map<string, MiddlewareFn>;
  init: Map<string, StartHookFn>;
  onStart: Map<string, StartHookFn>;
  onStartAttempt: Map<string, StartHookFn>;
  onSuccess: Map<string, SuccessHookFn>;
  onFailure: Map<string, FailureHookFn>;
  onComplete: Map<string, CompleteHookFn>;
  onWait: Map<string, WaitHookFn>;
  onResume: Map<string, WaitHookFn>;
  onCancel: Map<string, CancelHookFn>;
  catchError: Map<string, CatchErrorFn>;
  cleanup: Map<string, StartHookFn>;
}

const KEY = Symbol.for("gantry.sdk.hooks");
let anonymous = 0;

export function globalHooks(): GlobalHooks {
  const g = globalThis as { [KEY]?: GlobalHooks };
  g[KEY] ??= {
    middleware: new Map(),
    init: new Map(),
    onStart: new Map(),
    onStartAttempt: new Map(),
    onSuccess: new Map(),
    onFailure: new Map(),
    onComplete: new Map(),
    onWait: new Map(),
    onResume: new Map(),
    onCancel: new Map(),
    catchError: new Map(),
    cleanup: new Map(),
  };
  return g[KEY];
}

/** Registers a global hook; a named hook replaces an earlier one of the same name (re-imports stay single). */
export function addGlobalHook<K extends keyof GlobalHooks>(kind: K, nameOrFn: string | HookOf<K>, maybeFn?: HookOf<K>): void {
  const name = typeof nameOrFn === "string" ? nameOrFn : `anonymous-${++anonymous}`;
  const fn = typeof nameOrFn === "string" ? maybeFn : nameOrFn;
  if (typeof fn !== "function") throw new TypeError(`tasks.${kind}(${JSON.stringify(name)}, fn): fn must be a function`);
  (globalHooks()[kind] as Map<string, HookOf<K>>).set(name, fn);
}

type HookOf<K extends keyof GlobalHooks> = GlobalHooks[K] extends Map<string, infer F> ? F : never;
