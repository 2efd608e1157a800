import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../context.js";
import { tooLarge } from "../errors.js";

/** Above any single legal JSON request (3 MB payloads, 10 MB outputs) so per-route checks give the precise 413. */
export const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024;
/** Runner completions batch many outputs. */
export const RUNNER_BODY_LIMIT = 256 * 1024 * 1024;

const STREAM_INGEST_PATH = /^\/realtime\/v1\/streams\/[^/]+\/[^/]+\/[^/]+$/;

/**
 * Request body limits. Artifact uploads are exempt here: their route enforces its own, configurable limit.
 */
export function bodyLimits(): MiddlewareHandler<AppEnv> {
  const limited = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: () => {
        throw tooLarge(`Request body exceeds ${Math.round(maxSize / 1024 / 1024)} MB`);
      },
    });
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
