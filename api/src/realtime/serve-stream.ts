import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { AppEnv } from "../context.js";
import { authEnvironment } from "../auth/middleware.js";
import { realtimeHub } from "./hub.js";
import type { StreamChunk } from "./queries/stream-chunks.js";
import { StreamReader } from "./stream-reader.js";

/** SSE comment lines keep proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

/**
 * How a stream is read:
 * - `records`: the reference's streams v2 protocol, what the official `@trigger.dev/sdk` (`streams.read`,
 *   `runs.fetchStream`, `withStreams()`) and Gantry's SDK read: response header `X-Stream-Version: v2`, events
 *   `event: batch` with `{ records: [{ seq_num, body: '{"data":<chunk>,"id":"<seq>"}', timestamp, headers }] }`;
 *   the response ends (a clean close) once the run finished and every chunk was sent, or after `Timeout-Seconds`
 *   without a chunk.
 * - `events` (curl, EventSource): `event: chunk`, `id: <seq>`, data = the chunk; `event: end` at the end.
 * Clients that send `trigger-version` (both SDKs) or `x-trigger-realtime-streams-version` get `records`.
 */
export type StreamWireFormat = "records" | "events";

export function streamWireFormat(c: Context<AppEnv>): StreamWireFormat {
  return c.req.header("trigger-version") !== undefined || c.req.header("x-trigger-realtime-streams-version") !== undefined ? "records" : "events";
}

export interface ServeStreamOptions {
  runId: string;
  key: string;
  /** send chunks after this seq (-1: all) */
  after: number;
  format: StreamWireFormat;
  /** end the response after this long without a new chunk (the reference's `Timeout-Seconds`) */
  idleMs?: number;
}

/** Serves one run's stream over SSE: what is stored after the cursor, then every chunk as it is appended. */
export function serveStream(c: Context<AppEnv>, options: ServeStreamOptions): Response {
  const deps = c.get("deps");
  const environmentId = authEnvironment(c.get("auth")).id;
  c.header("x-accel-buffering", "no");
  c.header("cache-control", "no-cache");
  // browsers read it cross-origin: auth/routes.ts exposes it (CORS)
  if (options.format === "records") c.header("x-stream-version", "v2");
  return streamSSE(c, async (stream) => {
    let finish: () => void = () => {};
    const done = new Promise<void>((resolve) => (finish = resolve));
    stream.onAbort(() => finish());
    let ended = false;
    let failed = false;
    let idle: NodeJS.Timeout | undefined;
    const armIdle = () => {
      if (options.idleMs === undefined) return;
      if (idle) clearTimeout(idle);
      idle = setTimeout(() => finish(), options.idleMs);
    };
    const reader = new StreamReader(deps, environmentId, options.runId, options.key, options.after, {
      async send(chunks) {
        armIdle();
        if (options.format === "records") {
          await stream.writeSSE({ event: "batch", id: String(chunks[chunks.length - 1]!.seq), data: JSON.stringify({ records: chunks.map(streamRecord) }) });
        } else {
          for (const chunk of chunks) await stream.writeSSE({ event: "chunk", id: String(chunk.seq), data: chunk.data });
        }
      },
      end() {
        ended = true;
        finish();
      },
      onError() {
        failed = true;
        finish();
      },
    });
    const hub = realtimeHub(deps);
    const keepalive = setInterval(() => void stream.write(": keepalive\n\n").catch(() => finish()), KEEPALIVE_MS);
    try {
      if (options.format === "events") await stream.write("retry: 1000\n\n");
      armIdle();
      await hub.add(reader);
      reader.wake();
      await done;
      if (stream.aborted) return;
      if (failed) await stream.writeSSE({ event: "error", data: "the stream could not be read: reconnect to resume" });
      else if (ended && options.format === "events") await stream.writeSSE({ event: "end", data: "{}" });
    } finally {
      clearInterval(keepalive);
      if (idle) clearTimeout(idle);
      hub.remove(reader);
    }
  });
}

/**
 * One chunk as a streams v2 record. The body is the reference's envelope `{ data, id }`: a chunk that is JSON
 * (what the SDKs write) goes in as that value, anything else as a string.
 */
export function streamRecord(chunk: StreamChunk): { seq_num: number; body: string; timestamp: number; headers: [] } {
  let data = chunk.data;
  try {
    JSON.parse(data);
  } catch {
    data = JSON.stringify(data);
  }
  return { seq_num: chunk.seq, body: `{"data":${data},"id":"${chunk.seq}"}`, timestamp: chunk.at, headers: [] };
}
