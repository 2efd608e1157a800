import { useEffect, useRef, useState } from "react";
import { streams, type StreamDefinition } from "../realtime/streams.js";

export interface UseRealtimeStreamOptions<T> {
  accessToken?: string;
  baseURL?: string;
  enabled?: boolean;
  id?: string;
  /** stop after this many seconds without a chunk; default 60 */
  timeoutInSeconds?: number;
  startIndex?: number;
  /** re-render at most this often while chunks pour in; default 16 */
  throttleInMs?: number;
  onData?(chunk: T): void;
}

/**
 * A run's stream, live: `parts` grows as the task writes.
 *
 * @example
 * const { parts } = useRealtimeStream<string>(runId, "tokens", { accessToken, baseURL });
 * return <p>{parts.join("")}</p>;
 * // or with a definition: useRealtimeStream(tokensStream, runId, { accessToken })
 */
export function useRealtimeStream<T = unknown>(
  streamOrRunId: StreamDefinition<T> | string,
  runIdOrKey?: string,
  options: UseRealtimeStreamOptions<T> = {},
): { parts: T[]; error: Error | undefined } {
  const runId = typeof streamOrRunId === "string" ? streamOrRunId : runIdOrKey;
  const key = typeof streamOrRunId === "string" ? (runIdOrKey ?? "default") : streamOrRunId.id;
  const [parts, setParts] = useState<T[]>([]);
  const [error, setError] = useState<Error>();
  const onData = useRef(options.onData);
  onData.current = options.onData;
  const enabled = options.enabled !== false && !!runId;

  useEffect(() => {
    setParts([]);
    if (!enabled) return;
    const controller = new AbortController();
    const buffer: T[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      const add = buffer.splice(0);
      if (add.length) setParts((p) => [...p, ...add]);
    };
    void (async () => {
      try {
        const it = streams.read<T>(runId!, key, {
          signal: controller.signal,
          ...(options.accessToken ? { accessToken: options.accessToken } : {}),
          ...(options.baseURL ? { baseURL: options.baseURL } : {}),
          ...(options.timeoutInSeconds !== undefined ? { timeoutInSeconds: options.timeoutInSeconds } : {}),
          ...(options.startIndex !== undefined ? { startIndex: options.startIndex } : {}),
        });
        for await (const chunk of it) {
          onData.current?.(chunk);
          buffer.push(chunk);
          timer ??= setTimeout(flush, options.throttleInMs ?? 16);
        }
        if (timer) clearTimeout(timer);
        flush();
      } catch (e) {
        if (!controller.signal.aborted) setError(e instanceof Error ? e : new Error(String(e)));
      }
    })();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [enabled, runId, key, options.id, options.accessToken, options.baseURL]);

  return { parts, error };
}
