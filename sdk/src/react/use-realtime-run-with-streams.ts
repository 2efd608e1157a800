import { useCallback, useEffect, useRef, useState } from "react";
import type { AnyTask } from "../tasks/task.js";
import type { RealtimeRun } from "../realtime/run.js";
import { subscribeToRun } from "../realtime/subscribe.js";
import type { RunWithStreamsSubscription, StreamsRecord } from "../realtime/with-streams.js";
import type { UseRealtimeRunOptions } from "./use-realtime-run.js";

export interface UseRealtimeRunWithStreamsOptions<TTask extends AnyTask> extends UseRealtimeRunOptions<TTask> {
  /** re-render at most this often while chunks pour in (ms); default 16 */
  experimental_throttleInMs?: number;
}

/** Each stream's chunks so far, by stream key. */
export type RealtimeStreams<TStreams extends StreamsRecord> = Partial<{ [K in keyof TStreams]: Array<TStreams[K]> }>;

/**
 * A run and every stream it writes, live: `streams.<key>` grows as the task writes (the reference's
 * `useRealtimeRunWithStreams`).
 *
 * @example
 * const { run, streams } = useRealtimeRunWithStreams<typeof aiTask, { openai: string }>(runId, { accessToken, baseURL });
 * return <p>{run?.status}: {streams.openai?.join("")}</p>;
 */
export function useRealtimeRunWithStreams<TTask extends AnyTask = AnyTask, TStreams extends StreamsRecord = StreamsRecord>(
  runIdOrHandle: string | { id: string } | undefined,
  options: UseRealtimeRunWithStreamsOptions<TTask> = {},
): { run: RealtimeRun<TTask> | undefined; streams: RealtimeStreams<TStreams>; error: Error | undefined; stop(): void } {
  const runId = typeof runIdOrHandle === "string" ? runIdOrHandle : runIdOrHandle?.id;
  const [run, setRun] = useState<RealtimeRun<TTask>>();
  const [streams, setStreams] = useState<RealtimeStreams<TStreams>>({});
  const [error, setError] = useState<Error>();
  const subscription = useRef<RunWithStreamsSubscription<TTask, TStreams>>();
  const onComplete = useRef(options.onComplete);
  onComplete.current = options.onComplete;
  const enabled = options.enabled !== false && !!runId;

  useEffect(() => {
    setRun(undefined);
    setStreams({});
    setError(undefined);
    if (!enabled) return;
    let active = true;
    const sub = subscribeToRun<TTask>(runId!, {
      ...(options.accessToken ? { accessToken: options.accessToken } : {}),
      ...(options.baseURL ? { baseURL: options.baseURL } : {}),
      ...(options.skipColumns ? { skipColumns: options.skipColumns } : {}),
      ...(options.stopOnCompletion === false ? { stopOnCompletion: false } : {}),
    }).withStreams<TStreams>();
    subscription.current = sub;
    // chunks are gathered and rendered together, at most once per throttle window
    let buffered: Array<{ key: keyof TStreams; chunk: unknown }> = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      const add = buffered;
      buffered = [];
      if (!active || add.length === 0) return;
      setStreams((current) => {
        const next: Record<keyof TStreams, unknown[]> = { ...(current as Record<keyof TStreams, unknown[]>) };
        for (const { key, chunk } of add) next[key] = [...(next[key] ?? []), chunk];
        return next as RealtimeStreams<TStreams>;
      });
    };
    let last: RealtimeRun<TTask> | undefined;
    void (async () => {
      try {
        for await (const part of sub) {
          if (!active) return;
          if (part.type === "run") {
            last = part.run as RealtimeRun<TTask>;
            setRun(last);
          } else {
            buffered.push({ key: part.type, chunk: (part as { chunk: unknown }).chunk });
            timer ??= setTimeout(flush, options.experimental_throttleInMs ?? 16);
          }
        }
        if (timer) clearTimeout(timer);
        flush();
        if (active && last?.isCompleted) onComplete.current?.(last);
      } catch (e) {
        if (active) setError(e instanceof Error ? e : new Error(String(e)));
      }
    })();
    return () => {
      active = false;
      if (timer) clearTimeout(timer);
      sub.unsubscribe();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [enabled, runId, options.id, options.accessToken, options.baseURL]);

  const stop = useCallback(() => subscription.current?.unsubscribe(), []);
  return { run, streams, error, stop };
}
