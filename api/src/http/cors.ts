import type { MiddlewareHandler } from "hono";
import { cors as honoCors } from "hono/cors";

export interface CorsOptions {
  /** "*" or the allowed origins */
  origin?: string | string[];
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  maxAge?: number;
  credentials?: boolean;
}

/**
 * CORS headers, as Hono's `cors()` sets them, but through `c.header()` before the handler runs instead of
 * `c.res.headers`: touching `c.res` early makes Hono merge two responses and forces the node adapter to build
 * and stream a full web Response for every answer (a large share of the api's CPU per trigger). Responses a
 * handler builds itself (streams) get the origin headers after the fact, as before.
 */
export function cors(options: CorsOptions = {}): MiddlewareHandler {
  const origin = options.origin ?? "*";
  const allowOrigin = (requestOrigin: string): string | null =>
    typeof origin === "string" ? (origin === "*" || origin === requestOrigin ? origin : null) : origin.includes(requestOrigin) ? requestOrigin : null;
  const preflight = honoCors(options);
  const exposeHeaders = options.exposeHeaders?.length ? options.exposeHeaders.join(",") : undefined;
  return async function corsMiddleware(c, next) {
    const allowed = allowOrigin(c.req.header("origin") ?? "");
    const headers: [string, string][] = [];
    if (allowed) headers.push(["access-control-allow-origin", allowed]);
    if (options.credentials) headers.push(["access-control-allow-credentials", "true"]);
    if (exposeHeaders) headers.push(["access-control-expose-headers", exposeHeaders]);
    // preflights are rare: Hono's own handling, exactly
    if (c.req.method === "OPTIONS") return preflight(c, next);
    for (const [name, value] of headers) c.header(name, value);
    await next();
    // a response the handler built itself does not carry the prepared headers
    for (const [name, value] of headers) {
      if (c.res.headers.has(name)) continue;
      try {
        c.res.headers.set(name, value);
      } catch {
        // immutable headers (a proxied response) go out as they are
      }
    }
    if (origin !== "*") c.header("vary", "Origin", { append: true });
  };
}
