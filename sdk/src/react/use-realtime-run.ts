import { useCallback, useEffect, useRef, useState } from "react";
import type { AnyTask } from "../tasks/task.js";
import type { RealtimeRun } from "../realtime/run.js";
import { subscribeToBatch, subscribeToRun, subscribeToRunsWithTag, type RunSubscription } from "../realtime/subscribe.js";

/** Options every realtime hook takes. */
export interface RealtimeHookOptions {
  /** a public access token (`handle.publicAccessToken`, `auth.createPublicToken`) */
  accessToken?: string;
  /** your Gantry api, e.g. "https://gantry.example.com" */
  baseURL?: string;
  /** false: do not subscribe (yet) */
  enabled?: boolean;
  /** changing it resubscribes and clears the state */
  id?: string;
  skipColumns?: string[];
}

export interface UseRealtimeRunOptions<TTask extends AnyTask> extends RealtimeHookOptions {
  onComplete?(run: RealtimeRun<TTask>, error?: Error): void;
  /** default true */
  stopOnCompletion?: boolean;
}

/** Runs `open` while enabled; the subscription's runs go to `onRun`; cleans up on change or unmount. */
function useSubscription<TTask extends AnyTask>(
  key: string | undefined,
  options: RealtimeHookOptions,
  open: () => RunSubscription<TTask>,
  onRun: (run: RealtimeRun<TTask>) => void,
  onEnd?: () => void,
): { error: Error | undefined; stop(): void } {
  const [error, setError] = useState<Error>();
  const subscription = useRef<RunSubscription<TTask>>();
  const handlers = useRef({ onRun, onEnd });
  handlers.current = { onRun, onEnd };
  const enabled = options.enabled !== false && key !== undefined && key !== "";

  useEffect(() => {
    if (!enabled) return;
    let active = true;
    const sub = open();
    subscription.current = sub;
    setError(undefined);
    void (async () => {
      try {
        for await (const run of sub) {
          if (!active) return;
          handlers.current.onRun(run);
        }
        if (active) handlers.current.onEnd?.();
      } catch (e) {
        if (active) setError(e instanceof Error ? e : new Error(String(e)));
      }
    })();
    return () => {
      active = false;
      sub.unsubscribe();
    };
    // open() is derived from these
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [enabled, key, options.id, options.accessToken, options.baseURL]);

  const stop = useCallback(() => subscription.current?.unsubscribe(), []);
  return { error, stop };
}

const connection = (o: RealtimeHookOptions) => ({
  ...(o.accessToken ? { accessToken: o.accessToken } : {}),
  ...(o.baseURL ? { baseURL: o.baseURL } : {}),
  ...(o.skipColumns ? { skipColumns: o.skipColumns } : {}),
});

/**
 * A run, live: re-renders on every status, metadata or output change.
 *
 * @example
 * const { run, error } = useRealtimeRun<typeof myTask>(runId, { accessToken: publicAccessToken, baseURL });
 * return <p>{run?.status} {run?.metadata?.progress}</p>;
 */
export function useRealtimeRun<TTask extends AnyTask = AnyTask>(
  runIdOrHandle: string | { id: string } | undefined,
  options: UseRealtimeRunOptions<TTask> = {},
): { run: RealtimeRun<TTask> | undefined; error: Error | undefined; isLoading: boolean; stop(): void } {
  const runId = typeof runIdOrHandle === "string" ? runIdOrHandle : runIdOrHandle?.id;
  const [run, setRun] = useState<RealtimeRun<TTask>>();
  const last = useRef<RealtimeRun<TTask>>();
  useEffect(() => setRun(undefined), [runId, options.id]);
  const { error, stop } = useSubscription<TTask>(
    runId,
    options,
    () => subscribeToRun<TTask>(runId!, { ...connection(options), ...(options.stopOnCompletion === false ? { stopOnCompletion: false } : {}) }),
    (r) => {
      last.current = r;
      setRun(r);
    },
    () => {
      if (last.current?.isCompleted) options.onComplete?.(last.current);
    },
  );
  return { run, error, isLoading: run === undefined && error === undefined && runId !== undefined, stop };
}

function useRunList<TTask extends AnyTask>(
  key: string | undefined,
  options: RealtimeHookOptions,
  open: () => RunSubscription<TTask>,
): { runs: RealtimeRun<TTask>[]; error: Error | undefined; stop(): void } {
  const [runs, setRuns] = useState<RealtimeRun<TTask>[]>([]);
  useEffect(() => setRuns([]), [key, options.id]);
  const { error, stop } = useSubscription<TTask>(key, options, open, (run) =>
    setRuns((current) => {
      const i = current.findIndex((r) => r.id === run.id);
      if (i < 0) return [...current, run].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
      const next = current.slice();
      next[i] = run;
      return next;
    }),
  );
  return { runs, error, stop };
}

/**
 * Every run with the tag(s), live (oldest first).
 *
 * @example
 * const { runs } = useRealtimeRunsWithTag("user:42", { accessToken, baseURL });
 */
export function useRealtimeRunsWithTag<TTask extends AnyTask = AnyTask>(
  tag: string | string[],
  options: RealtimeHookOptions & { createdAt?: string } = {},
): { runs: RealtimeRun<TTask>[]; error: Error | undefined; stop(): void } {
  const key = Array.isArray(tag) ? tag.join(",") : tag;
  return useRunList<TTask>(key, options, () =>
    subscribeToRunsWithTag<TTask>(tag, { ...connection(options), ...(options.createdAt ? { createdAt: options.createdAt } : {}) }),
  );
}

/**
 * The runs of a batch, live.
 *
 * @example
 * const { runs } = useRealtimeBatch(batchId, { accessToken, baseURL });
 */
export function useRealtimeBatch<TTask extends AnyTask = AnyTask>(
  batchId: string | undefined,
  options: RealtimeHookOptions = {},
): { runs: RealtimeRun<TTask>[]; error: Error | undefined; stop(): void } {
  return useRunList<TTask>(batchId, options, () => subscribeToBatch<TTask>(batchId!, connection(options)));
}
