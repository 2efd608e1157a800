import type { Context } from "hono";
import type { AppEnv, ApiDeps } from "../context.js";
import { authEnvironment } from "../auth/middleware.js";
import { tooLarge } from "../errors.js";
import { publishRunChanges, publishStreamAppend } from "./publish.js";
import { insertStreamChunks, registerRunStream } from "./queries/stream-chunks.js";

export const MAX_CHUNKS_PER_APPEND = 1000;
/** One chunk (one NDJSON line) of a streamed body. */
const MAX_CHUNK_BYTES = 1024 * 1024;
/** A whole streamed body (it skips the api's general body limit, see http/body-limit.ts). */
const MAX_STREAM_BODY_BYTES = 64 * 1024 * 1024;

/**
 * Stores chunks after the last one (or at `startSeq`, startSeq+1, …: a retried append then writes nothing twice),
 * records the stream on its run the first time, and wakes its readers. Returns the next free seq.
 */
export async function appendChunks(c: Context<AppEnv>, runId: string, key: string, chunks: string[], startSeq?: number): Promise<number> {
  const deps = c.get("deps");
  const environmentId = authEnvironment(c.get("auth")).id;
  await registerStream(deps, environmentId, runId, key);
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
  publishStreamAppend(deps, environmentId, runId);
  return nextSeq;
}

/** Streams already recorded on their run, per api instance: a write skips the UPDATE for them. */
const registered = new WeakMap<ApiDeps, Set<string>>();

/** Adds the stream to its run's `realtime_streams` once; run subscribers see the run change. */
export async function registerStream(deps: ApiDeps, environmentId: string, runId: string, key: string): Promise<void> {
  let known = registered.get(deps);
  if (!known) registered.set(deps, (known = new Set()));
  const id = `${runId}\u0000${key}`;
  if (known.has(id)) return;
  if (await registerRunStream(deps.sql, runId, key)) publishRunChanges(deps, [{ runId, environmentId }]);
  if (known.size >= 10_000) known.clear();
  known.add(id);
}

/**
 * The official client's streams v1 writer: one long POST whose body is NDJSON written as the task produces
 * chunks. Lines are stored as they arrive (a batch per insert, the next batch gathering while one is stored), so
 * readers see them live. `startSeq` is the writer's `X-Resume-From-Chunk`: a resumed request rewrites nothing.
 */
export async function ingestNdjson(c: Context<AppEnv>, runId: string, key: string, startSeq: number): Promise<number> {
  let next = startSeq;
  const pending: string[] = [];
  let storing: Promise<void> | undefined;
  let failure: unknown;
  const store = () => {
    if (storing || pending.length === 0) return;
    storing = (async () => {
      try {
        while (pending.length && failure === undefined) {
          const batch = pending.splice(0, MAX_CHUNKS_PER_APPEND);
          next = await appendChunks(c, runId, key, batch, next);
        }
      } catch (error) {
        failure = error;
      } finally {
        storing = undefined;
      }
    })();
  };
  const body = c.req.raw.body;
  if (body) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (value) {
        bytes += value.byteLength;
        buffer += decoder.decode(value, { stream: true });
      }
      const lines = buffer.split("\n");
      buffer = done ? "" : lines.pop()!;
      for (const line of lines) if (line.trim() !== "") pending.push(line);
      if (buffer.length > MAX_CHUNK_BYTES || bytes > MAX_STREAM_BODY_BYTES) {
        await reader.cancel().catch(() => undefined);
        while (storing) await storing;
        throw tooLarge(`A streamed body may be at most ${MAX_STREAM_BODY_BYTES / 1024 / 1024} MB, each chunk (one NDJSON line) ${MAX_CHUNK_BYTES / 1024 / 1024} MB: start a new request`, "body");
      }
      if (failure !== undefined) break;
      store();
      if (done) break;
    }
  }
  while (storing) await storing;
  store();
  while (storing) await storing;
  if (failure !== undefined) throw failure;
  return next;
}
