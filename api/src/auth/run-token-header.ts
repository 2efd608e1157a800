import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.js";
import { signPublicToken } from "./public-token.js";

/** The reference's lifetime of a trigger handle's token. */
const HANDLE_TTL_SECONDS = 3600;

/**
 * Trigger responses carry the run's token. A secret-key caller gets `x-trigger-jwt-claims` from the route and
 * signs the token itself; run tokens and public tokens cannot sign, so for them this adds a Gantry-signed
 * `x-trigger-jwt` reading the new run (the SDK returns it as `handle.publicAccessToken`).
 */
export function runTokenHeader(): MiddlewareHandler<AppEnv> {
  return async function runTokenHeaderMiddleware(c, next) {
    await next();
    if (c.req.method !== "POST" || !c.res.ok) return;
    const auth = c.get("auth");
    if (!auth || auth.kind === "user" || auth.kind === "runner" || (auth.kind === "environment" && auth.via === "secretKey")) return;
    const body = (await c.res.clone().json().catch(() => undefined)) as { id?: unknown } | undefined;
    if (typeof body?.id !== "string") return;
    const deps = c.get("deps");
    const nowMs = deps.clock().getTime();
    const token = signPublicToken(deps.config, { environmentId: auth.environment.id, scopes: [`read:runs:${body.id}`] }, Math.floor(nowMs / 1000) + HANDLE_TTL_SECONDS, nowMs);
    c.res.headers.set("x-trigger-jwt", token);
  };
}
