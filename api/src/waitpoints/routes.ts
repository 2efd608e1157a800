import { Hono } from "hono";
import { CompleteWaitpointTokenRequest, CreateWaitpointTokenRequest, RunWaitRequest } from "@gantry/sdk/contracts";
import type { AppEnv } from "../context.js";
import { authEnvironment, requireAuth } from "../auth/middleware.js";
import { badRequest, forbidden, notFound } from "../errors.js";
import { readJson } from "../http/read-json.js";
import { validCallbackHash } from "./callback.js";
import { listTokens } from "./list-tokens.js";
import { tokenDetail } from "./present.js";
import { registerWaitpointListeners } from "./resume.js";
import { runWait } from "./run-waits.js";
import { completeToken, createToken, tokenPublicAccessToken } from "./tokens.js";
import { selectWaitpoint } from "./queries/waitpoints.js";

/**
 * The reference's waitpoint token API (what the official client 4.8.3 calls), the token's callback URL, and
 * Gantry's in-run wait endpoint (`wait.*`, `triggerAndWait`, `batchTriggerAndWait` with the run's token).
 */
export function waitpointsRoutes(): Hono<AppEnv> {
  registerWaitpointListeners();
  const app = new Hono<AppEnv>();
  const auth = requireAuth(["environment", "run"]);

  app.post("/api/v1/waitpoints/tokens", auth, async (c) => {
    const body = await readJson(c, CreateWaitpointTokenRequest);
    const environment = authEnvironment(c.get("auth"));
    const auth = c.get("auth");
    const { id, isCached, url, row } = await createToken(c.get("deps"), environment, body);
    c.header("x-trigger-jwt-claims", JSON.stringify({ sub: environment.id, pub: true }));
    // a secret key signs the token's public access token itself (from the claims); a run's token or a public
    // token cannot, so the api sends one (`x-trigger-jwt`, which the official client prefers too)
    if (!(auth.kind === "environment" && auth.via === "secretKey")) c.header("x-trigger-jwt", tokenPublicAccessToken(c.get("deps"), environment.id, row));
    return c.json({ id, isCached, url });
  });

  app.get("/api/v1/waitpoints/tokens", auth, async (c) => {
    return c.json(await listTokens(c.get("deps"), authEnvironment(c.get("auth")).id, c.req.query()));
  });

  app.get("/api/v1/waitpoints/tokens/:id", auth, async (c) => {
    const deps = c.get("deps");
    const row = await selectWaitpoint(deps.sql, authEnvironment(c.get("auth")).id, c.req.param("id"));
    if (!row || row.kind !== "MANUAL") throw notFound(`Waitpoint token ${c.req.param("id")} not found in this environment`, "tokenId");
    return c.json(tokenDetail(deps.config, row));
  });

  app.post("/api/v1/waitpoints/tokens/:id/complete", auth, async (c) => {
    const body = await readJson(c, CompleteWaitpointTokenRequest);
    // the official client sends `data`; the reference's curl example sends `output`
    const output = body.data !== undefined ? body.data : body.output;
    await completeToken(c.get("deps"), authEnvironment(c.get("auth")).id, c.req.param("id"), output);
    return c.json({ success: true as const });
  });

  // The URL is the credential (an HMAC of the token id): a webhook sender posts its own JSON, which becomes the output.
  app.post("/api/v1/waitpoints/tokens/:id/callback/:hash", async (c) => {
    const deps = c.get("deps");
    const id = c.req.param("id");
    if (!validCallbackHash(deps.config, id, c.req.param("hash"))) throw notFound(`Waitpoint token ${id} not found`, "tokenId");
    const text = await c.req.text();
    let output: unknown = {};
    if (text.trim() !== "") {
      try {
        output = JSON.parse(text);
      } catch (error) {
        throw badRequest(`The callback body must be JSON: ${(error as Error).message}`);
      }
    }
    await completeToken(deps, undefined, id, output);
    return c.json({ success: true as const });
  });

  app.post("/api/v1/runs/:runId/waits", requireAuth(["run"]), async (c) => {
    const a = c.get("auth");
    if (a.kind !== "run" || a.runId !== c.req.param("runId")) throw forbidden("A run's waits take that run's own token");
    const body = await readJson(c, RunWaitRequest);
    return c.json(await runWait(c.get("deps"), { environment: a.environment, runId: a.runId, attemptNumber: a.attemptNumber }, body));
  });

  return app;
}
