import { Hono, type Context } from "hono";
import type { AppEnv } from "../context.js";
import { authEnvironment, requireAuth } from "../auth/middleware.js";
import { badRequest, forbidden, notFound } from "../errors.js";
import { runTokenReach } from "./metadata-update.js";
import { selectLastStreamSeq, selectStreamRun } from "./queries/stream-chunks.js";
import { serveStream, streamWireFormat } from "./serve-stream.js";
import { appendChunks, ingestNdjson, MAX_CHUNKS_PER_APPEND, registerStream } from "./stream-writes.js";

const STREAM_KEY_RE = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * Realtime streams (streams v2 / metadata.stream): a run appends chunks under a key, readers follow them live
 * and afterwards over SSE (serve-stream.ts: the reference's v2 records for SDKs, `event: chunk` for others).
 * - `PUT /realtime/v1/streams/:runId/:target/:key`: the reference's "create" (target: self, parent, root or a
 *   run id): records the stream on the run and answers `{ version: "v1" }`, so the official client writes with
 *   its v1 writer (below); Gantry needs no other setup.
 * - `POST /realtime/v1/streams/:runId/:target/:key`: the official v1 writer, NDJSON streamed for as long as the
 *   task produces chunks (`X-Resume-From-Chunk: n` numbers them from n); `HEAD` (dispatched as GET) answers
 *   `X-Last-Chunk-Index` so a broken writer knows where to resume.
 * - `POST /realtime/v1/streams/:runId/:target/:key/append`: one chunk, the raw body (the reference's path),
 *   stored as a JSON string.
 * - `POST /realtime/v1/streams/:runId/:key` (Gantry's SDK): NDJSON, one chunk per line; with
 *   `x-stream-start-seq: n` the chunks take seqs n, n+1, … so a retried append writes nothing twice. Answers
 *   `{ nextSeq }`.
 * - `GET /realtime/v1/streams/:runId/:key`: SSE; `Last-Event-ID` (a seq), `?startIndex=n` (from chunk n) or
 *   `X-Trigger-Stream-Start: latest` (only chunks appended from now) set the start; `Timeout-Seconds` ends the
 *   response after that long without a chunk.
 */
export function streamsRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(["environment", "run"]);

  app.put("/realtime/v1/streams/:runId/:target/:key", auth, async (c) => {
    const runId = await targetRun(c, c.req.param("runId"), c.req.param("target"), "write");
    const key = streamKey(c.req.param("key"));
    await registerStream(c.get("deps"), authEnvironment(c.get("auth")).id, runId, key);
    return c.json({ ok: true, version: "v1", runId, key });
  });

  app.post("/realtime/v1/streams/:runId/:target/:key/append", auth, async (c) => {
    const runId = await targetRun(c, c.req.param("runId"), c.req.param("target"), "write");
    const nextSeq = await appendChunks(c, runId, streamKey(c.req.param("key")), [JSON.stringify(await c.req.text())]);
    return c.json({ ok: true, nextSeq });
  });

  app.post("/realtime/v1/streams/:runId/:target/:key", auth, async (c) => {
    const runId = await targetRun(c, c.req.param("runId"), c.req.param("target"), "write");
    const key = streamKey(c.req.param("key"));
    const nextSeq = await ingestNdjson(c, runId, key, seqHeader(c, "x-resume-from-chunk") ?? 0);
    return c.json({ ok: true, nextSeq });
  });

  // the official v1 writer's HEAD probe (Hono answers HEAD with the GET route)
  app.get("/realtime/v1/streams/:runId/:target/:key", auth, async (c) => {
    const runId = await targetRun(c, c.req.param("runId"), c.req.param("target"), "write");
    const last = await selectLastStreamSeq(c.get("deps").sql, runId, streamKey(c.req.param("key")));
    c.header("x-last-chunk-index", String(last));
    return c.json({ lastChunkIndex: last });
  });

  app.post("/realtime/v1/streams/:runId/:key", auth, async (c) => {
    const runId = await targetRun(c, c.req.param("runId"), "self", "write");
    const chunks = (await c.req.text()).split("\n").filter((line) => line.trim() !== "");
    if (chunks.length > MAX_CHUNKS_PER_APPEND) throw badRequest(`At most ${MAX_CHUNKS_PER_APPEND} chunks per append: split the request`, "body");
    const nextSeq = await appendChunks(c, runId, streamKey(c.req.param("key")), chunks, seqHeader(c, "x-stream-start-seq"));
    return c.json({ nextSeq });
  });

  app.get("/realtime/v1/streams/:runId/:key", auth, async (c) => {
    const runId = await targetRun(c, c.req.param("runId"), "self", "read");
    const key = streamKey(c.req.param("key"));
    let after = streamCursor(c);
    if (after === undefined) after = c.req.header("x-trigger-stream-start") === "latest" ? await selectLastStreamSeq(c.get("deps").sql, runId, key) : -1;
    const idleMs = timeoutMs(c);
    return serveStream(c, { runId, key, after, format: streamWireFormat(c), ...(idleMs !== undefined ? { idleMs } : {}) });
  });

  return app;
}

function seqHeader(c: Context<AppEnv>, name: string): number | undefined {
  const value = c.req.header(name);
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw badRequest(`${name} must be a chunk number (0, 1, …)`, name);
  return Number(value);
}

/** `Timeout-Seconds` (the official client sends its `timeoutInSeconds`, 60 by default): whole seconds, at most a day. */
function timeoutMs(c: Context<AppEnv>): number | undefined {
  const raw = c.req.header("timeout-seconds");
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) throw badRequest("Timeout-Seconds must be a whole number of seconds (1 or more)", "Timeout-Seconds");
  return Math.min(Number(raw), 86_400) * 1000;
}

/**
 * The run a stream belongs to: `self` (the path's run), `parent`, `root`, or a run id, in the caller's
 * environment. A run token writes to its own run's, its parent's and its root's streams only (403), the rule
 * metadata follows (metadata-update.ts); it may read any run's of its environment (a task following a child).
 */
async function targetRun(c: Context<AppEnv>, runId: string, target: string, access: "read" | "write"): Promise<string> {
  const deps = c.get("deps");
  const environmentId = authEnvironment(c.get("auth")).id;
  // the reference's input streams (`POST …/{runId}/input/{streamId}`, data sent *to* a run) share these paths
  if (target === "input") throw notFound("Input streams (sending data to a running task) are not implemented in Gantry yet", "target");
  const run = await selectStreamRun(deps.sql, runId);
  if (!run || run.environment_id !== environmentId) throw notFound(`Run ${runId} not found in this environment`, "runId");
  const id = target === "self" ? run.id : target === "parent" ? run.parent_run_id : target === "root" ? (run.root_run_id ?? run.id) : target;
  if (!id) throw badRequest(`Run ${runId} has no parent run to stream to`, "target");
  if (id !== run.id) {
    const other = await selectStreamRun(deps.sql, id);
    if (!other || other.environment_id !== environmentId) throw notFound(`Run ${id} not found in this environment`, "target");
  }
  const auth = c.get("auth");
  if (access === "write" && auth.kind === "run" && id !== auth.runId && !(await runTokenReach(deps.sql, environmentId, auth.runId)).has(id)) {
    throw forbidden(`A run token may write to the streams of its own run, its parent and its root only, not run ${id}`);
  }
  return id;
}

function streamKey(key: string): string {
  if (!STREAM_KEY_RE.test(key)) throw badRequest(`Stream key "${key}" must be 1-128 letters, digits, _ . : -`, "key");
  return key;
}

/** Resume after Last-Event-ID (a chunk seq), or start at `?startIndex=n`; undefined: neither was given. */
function streamCursor(c: Context<AppEnv>): number | undefined {
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
  return undefined;
}
