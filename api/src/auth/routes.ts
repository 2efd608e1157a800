import { Hono } from "hono";
import { cors } from "../http/cors.js";
import { CreatePublicTokenRequestBody, flattenScopes, type PublicTokenScopes } from "@gantry/sdk/contracts";
import type { AppEnv } from "../context.js";
import { forbidden } from "../errors.js";
import { readJson } from "../http/read-json.js";
import { authEnvironment, requireAuth } from "./middleware.js";
import { expirationSeconds, signPublicToken } from "./public-token.js";
import { runTokenHeader } from "./run-token-header.js";

/** What a browser may call with a public access token (no cookies: bearer tokens only). */
const BROWSER_PATHS = ["/realtime/*", "/api/v1/tasks/*", "/api/v1/runs/*", "/api/v3/runs/*", "/api/v1/waitpoints/*", "/api/v1/batches/*", "/api/v2/batches/*"];

/**
 * Public access tokens: `POST /api/v1/auth/jwt/claims` (the official client signs its own token with these
 * claims, verified with the environment's key), `POST /api/v1/auth/public-tokens` (Gantry signs: for keys and
 * tokens that may not self-sign), CORS for the paths browsers use, and the run's token on trigger responses.
 * Mount before the runs routes: the middlewares here wrap theirs.
 */
export function authRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const cross = cors({
    origin: "*",
    allowMethods: ["GET", "HEAD", "POST", "PUT", "OPTIONS"],
    allowHeaders: ["authorization", "content-type", "last-event-id", "trigger-version", "x-trigger-api-version", "x-trigger-source", "x-trigger-client", "x-trigger-branch", "x-trigger-request-idempotency-key", "x-trigger-realtime-streams-version", "timeout-seconds", "x-trigger-stream-start"],
    exposeHeaders: ["x-trigger-jwt", "x-trigger-jwt-claims", "x-ratelimit-reset", "x-stream-version"],
    maxAge: 600,
  });
  for (const path of BROWSER_PATHS) app.use(path, cross);
  app.use("/api/v1/tasks/:taskId/trigger", runTokenHeader());

  app.post("/api/v1/auth/jwt/claims", requireAuth(["environment"]), (c) => {
    const auth = c.get("auth");
    if (auth.kind === "environment" && auth.via === "publicToken") {
      return c.json({ error: "A public access token cannot mint claims: use the secret key", code: "forbidden" }, 403);
    }
    return c.json({ sub: authEnvironment(auth).id, pub: true });
  });

  app.post("/api/v1/auth/public-tokens", requireAuth(["environment", "run"]), async (c) => {
    const auth = c.get("auth");
    if (auth.kind === "environment" && auth.via === "publicToken") throw forbidden("A public access token cannot mint tokens: use a secret key");
    const body = await readJson(c, CreatePublicTokenRequestBody);
    const deps = c.get("deps");
    const nowMs = deps.clock().getTime();
    const token = signPublicToken(
      deps.config,
      {
        environmentId: authEnvironment(auth).id,
        scopes: flattenScopes(body.scopes as PublicTokenScopes | string[] | undefined),
        ...(body.oneTimeUse ? { oneTimeUse: true } : {}),
        ...(body.realtime ? { realtime: body.realtime } : {}),
      },
      expirationSeconds(body.expirationTime, nowMs),
      nowMs,
    );
    return c.json({ token });
  });
  return app;
}
