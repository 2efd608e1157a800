import type { IncomingMessage } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../context.js";
import { tooLarge } from "../errors.js";

/** Above any single legal JSON request (3 MB payloads, 10 MB outputs) so per-route checks give the precise 413. */
export const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024;
/** Runner completions batch many outputs. */
export const RUNNER_BODY_LIMIT = 256 * 1024 * 1024;

const STREAM_INGEST_PATH = /^\/realtime\/v1\/streams\/[^/]+\/[^/]+\/[^/]+$/;

/**
 * Requests whose body is still unread in Node's IncomingMessage and bounded by its Content-Length (checked
 * here): `readJson` reads them straight from the socket stream, without the web Request and ReadableStream
 * that Hono's node adapter would otherwise build for each request (most of the api's HTTP cost on triggers).
 */
const directBodies = new WeakMap<object, IncomingMessage>();

/** The request's Node stream, when its body may be read from it directly (see `directBodies`). */
export function directBody(c: Context): IncomingMessage | undefined {
  const incoming = directBodies.get(c.req.raw);
  if (!incoming || incoming.readableDidRead || incoming.readableFlowing !== null || incoming.readableEnded) return undefined;
  return incoming;
}

function nodeIncoming(c: Context): IncomingMessage | undefined {
  const env = c.env as { incoming?: IncomingMessage } | undefined;
  return env?.incoming;
}

/**
 * Request body limits. Artifact uploads are exempt here: their route enforces its own, configurable limit.
 * A body with a Content-Length is checked against it (Node's parser never delivers more than it declares);
 * only a chunked body is counted as it is read (Hono's bodyLimit).
 */
export function bodyLimits(): MiddlewareHandler<AppEnv> {
  const limited = (maxSize: number) => {
    const onError = () => {
      throw tooLarge(`Request body exceeds ${Math.round(maxSize / 1024 / 1024)} MB`);
    };
    const counted = bodyLimit({ maxSize, onError });
    const check: MiddlewareHandler<AppEnv> = async (c, next) => {
      const method = c.req.method;
      if (method === "GET" || method === "HEAD") return next();
      const incoming = nodeIncoming(c);
      const length = incoming ? incoming.headers["content-length"] : c.req.header("content-length");
      const chunked = incoming ? incoming.headers["transfer-encoding"] !== undefined : c.req.header("transfer-encoding") !== undefined;
      if (length === undefined || chunked) return counted(c, next);
      if (Number.parseInt(length || "0", 10) > maxSize) return onError();
      if (incoming) directBodies.set(c.req.raw, incoming);
      return next();
    };
    return check;
  };
  const general = limited(DEFAULT_BODY_LIMIT);
  const runner = limited(RUNNER_BODY_LIMIT);
  return async function bodyLimitMiddleware(c, next) {
    const path = c.req.path;
    if (path.startsWith("/api/v1/artifacts/")) return next();
    // the official client's stream writer: one NDJSON body streamed for as long as a task runs, read as it
    // arrives (realtime/stream-writes.ts limits each line and the whole body itself)
    if (c.req.method === "POST" && STREAM_INGEST_PATH.test(path)) return next();
    if (path.startsWith("/api/runner/")) return runner(c, next);
    return general(c, next);
  };
}
