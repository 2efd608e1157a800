import { Hono, type Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { AppEnv } from "../context.js";
import { authEnvironment, requireAuth } from "../auth/middleware.js";
import { badRequest, notFound } from "../errors.js";
import { realtimeHub } from "./hub.js";
import { publishStreamAppend } from "./publish.js";
import { insertStreamChunks, selectStreamRun } from "./queries/stream-chunks.js";
import { StreamReader } from "./stream-reader.js";

const STREAM_KEY_RE = /^[A-Za-z0-9_.:-]{1,128}$/;
const MAX_CHUNKS_PER_APPEND = 1000;

/**
 * Realtime streams (streams v2 / metadata.stream): a run appends chunks under a key, readers follow them live
 * and afterwards over SSE.
 * - `PUT /realtime/v1/streams/:runId/:target/:key`: the reference's "create" (target: self, parent, root or a
 *   run id); Gantry needs no setup, so it only checks access.
 * - `POST /realtime/v1/streams/:runId/:target/:key/append`: one chunk, the raw body (the reference's path).
 * - `POST /realtime/v1/streams/:runId/:key` (Gantry): NDJSON, one chunk per line; with `x-stream-start-seq: n`
 *   the chunks take seqs n, n+1, … so a retried append writes nothing twice. Answers `{ nextSeq }`.
 * - `GET /realtime/v1/streams/:runId/:key`: SSE, `event: chunk`, `id: <seq>`, data = the chunk; `Last-Event-ID`
 *   (or `?startIndex=n`: from chunk n) resumes; `event: end` once the run finished and every chunk was sent.
 */
export function streamsRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(["environment", "run"]);

  app.put("/realtime/v1/streams/:runId/:target/:key", auth, async (c) => {
    const runId = await targetRun(c, c.req.param("runId"), c.req.param("target"));
    return c.json({ ok: true, runId, key: streamKey(c.req.param("key")) });
  });

  app.post("/realtime/v1/streams/:runId/:target/:key/append", auth, async (c) => {
    const runId = await targetRun(c, c.req.param("runId"), c.req.param("target"));
    const nextSeq = await append(c, runId, streamKey(c.req.param("key")), [await c.req.text()]);
    return c.json({ ok: true, nextSeq });
  });

  app.post("/realtime/v1/streams/:runId/:key", auth, async (c) => {
    const runId = await targetRun(c, c.req.param("runId"), "self");
    const chunks = (await c.req.text()).split("\n").filter((line) => line.trim() !== "");
    if (chunks.length > MAX_CHUNKS_PER_APPEND) throw badRequest(`At most ${MAX_CHUNKS_PER_APPEND} chunks per append: split the request`, "body");
    const start = c.req.header("x-stream-start-seq");
    if (start !== undefined && !/^\d{1,9}$/.test(start)) throw badRequest("x-stream-start-seq must be a chunk number (0, 1, …)", "x-stream-start-seq");
    const nextSeq = await append(c, runId, streamKey(c.req.param("key")), chunks, start === undefined ? undefined : Number(start));
    return c.json({ nextSeq });
  });

  app.get("/realtime/v1/streams/:runId/:key", auth, async (c) => {
    const runId = await targetRun(c, c.req.param("runId"), "self");
    const key = streamKey(c.req.param("key"));
    const cursor = streamCursor(c);
    const deps = c.get("deps");
    const environmentId = authEnvironment(c.get("auth")).id;
    c.header("x-accel-buffering", "no");
    return streamSSE(c, async (stream) => {
      let finish: () => void = () => {};
      const done = new Promise<void>((resolve) => (finish = resolve));
      stream.onAbort(() => finish());
      let ended = false;
      const reader = new StreamReader(deps, environmentId, runId, key, cursor, {
        async send(chunks) {
          for (const chunk of chunks) await stream.writeSSE({ event: "chunk", id: String(chunk.seq), data: chunk.data });
        },
        end() {
          ended = true;
          finish();
        },
        onError: () => finish(),
      });
      const hub = realtimeHub(deps);
      try {
        await stream.write("retry: 1000\n\n");
        await hub.add(reader);
        reader.wake();
        await done;
        if (ended && !stream.aborted) await stream.writeSSE({ event: "end", data: "{}" });
      } finally {
        hub.remove(reader);
      }
    });
  });

  return app;
}

async function append(c: Context<AppEnv>, runId: string, key: string, chunks: string[], startSeq?: number): Promise<number> {
  const deps = c.get("deps");
  let nextSeq = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      nextSeq = await insertStreamChunks(deps.sql, runId, key, chunks, startSeq);
      break;
    } catch (error) {
      // two appends without seqs raced for the same numbers: take the next ones
      if ((error as { code?: string }).code !== "23505" || attempt >= 5) throw error;
    }
  }
  publishStreamAppend(deps, authEnvironment(c.get("auth")).id, runId);
  return nextSeq;
}

/** The run a stream belongs to: `self` (the path's run), `parent`, `root`, or a run id, in the caller's environment. */
async function targetRun(c: Context<AppEnv>, runId: string, target: string): Promise<string> {
  const deps = c.get("deps");
  const environmentId = authEnvironment(c.get("auth")).id;
  const run = await selectStreamRun(deps.sql, runId);
  if (!run || run.environment_id !== environmentId) throw notFound(`Run ${runId} not found in this environment`, "runId");
  const id = target === "self" ? run.id : target === "parent" ? run.parent_run_id : target === "root" ? (run.root_run_id ?? run.id) : target;
  if (!id) throw badRequest(`Run ${runId} has no parent run to stream to`, "target");
  if (id !== run.id) {
    const other = await selectStreamRun(deps.sql, id);
    if (!other || other.environment_id !== environmentId) throw notFound(`Run ${id} not found in this environment`, "target");
  }
  return id;
}

function streamKey(key: string): string {
  if (!STREAM_KEY_RE.test(key)) throw badRequest(`Stream key "${key}" must be 1-128 letters, digits, _ . : -`, "key");
  return key;
}

/** Resume after Last-Event-ID (a chunk seq), or start at `?startIndex=n`; default: from the first chunk. */
function streamCursor(c: Context<AppEnv>): number {
  const last = c.req.header("last-event-id");
  if (last !== undefined && last !== "") {
    if (!/^\d{1,9}$/.test(last)) throw badRequest("Last-Event-ID must be a chunk seq this endpoint sent", "Last-Event-ID");
    return Number(last);
  }
  const start = c.req.query("startIndex");
  if (start !== undefined) {
    if (!/^\d{1,9}$/.test(start)) throw badRequest("startIndex must be a chunk number (0, 1, …)", "startIndex");
    return Number(start) - 1;
  }
  return -1;
}
