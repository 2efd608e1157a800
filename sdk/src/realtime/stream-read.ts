import { RealtimeStreamBatch } from "../contracts/index.js";
import { realtimeRequest, type RealtimeConnection } from "./request.js";
import { sseEvents } from "./sse.js";

export interface ReadChunksOptions extends RealtimeConnection {
  /** end after this many seconds without a chunk (sent as `Timeout-Seconds`); undefined: when the run ends */
  timeoutInSeconds?: number;
  /** start at this chunk (0-based) */
  startIndex?: number;
  signal?: AbortSignal;
}

/**
 * @internal Reads a run's stream with the reference's streams v2 protocol (`event: batch` records, resumed by
 * `Last-Event-ID`), live, until the server ends it: the run finished and every chunk was sent, or
 * `timeoutInSeconds` passed without a chunk. A dropped connection resumes after the last chunk received.
 */
export async function* readChunks<T>(runId: string, key: string, options: ReadChunksOptions = {}): AsyncGenerator<T> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  options.signal?.addEventListener("abort", abort, { once: true });
  const req = realtimeRequest(`/realtime/v1/streams/${encodeURIComponent(runId)}/${encodeURIComponent(key)}`, options);
  const headers = { ...req.headers };
  if (options.timeoutInSeconds !== undefined) headers["timeout-seconds"] = String(Math.max(1, Math.min(86_400, Math.round(options.timeoutInSeconds))));
  // the server enforces the timeout; this only catches a connection that went silent without closing
  const stallMs = options.timeoutInSeconds !== undefined ? options.timeoutInSeconds * 1000 + 30_000 : undefined;
  let stall: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    if (stallMs === undefined) return;
    if (stall) clearTimeout(stall);
    stall = setTimeout(abort, stallMs);
  };
  arm();
  try {
    for await (const event of sseEvents(req.url, {
      headers,
      fetch: req.fetch,
      signal: controller.signal,
      reconnectOnClose: false,
      ...(options.startIndex ? { lastEventId: String(options.startIndex - 1) } : {}),
    })) {
      if (event.event === "error") throw new Error(`Stream "${key}" of run ${runId} failed: ${event.data}`);
      if (event.event !== "batch") continue;
      arm();
      for (const record of RealtimeStreamBatch.parse(JSON.parse(event.data)).records) {
        if (!record.body) continue; // a control record
        yield (JSON.parse(record.body) as { data: T }).data;
      }
    }
  } finally {
    if (stall) clearTimeout(stall);
    options.signal?.removeEventListener("abort", abort);
    controller.abort();
  }
}
