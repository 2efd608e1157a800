import { Hono } from "hono";
import { DevClaimRequest, DevLostAttemptsRequest } from "@gantry/sdk/contracts";
import type { AppEnv } from "../context.js";
import { requireAuth } from "../auth/middleware.js";
import { forbidden } from "../errors.js";
import { readJson } from "../http/read-json.js";
import { claimDevRuns } from "./claim.js";
import { devRunWait } from "./run-wait.js";
import { closeLostDevAttempts } from "./queries/close-lost.js";

/**
 * `gantry dev`'s endpoints: claim the user's dev runs (sdk/src/contracts/runner.ts, DevClaimRequest), say
 * what a suspended dev run waits for, and close suspended attempts a session lost (sdk/src/contracts/dev-waits.ts).
 */
export function devRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post("/api/v1/dev/claim", requireAuth(["environment"]), async (c) => {
    const auth = c.get("auth");
    if (auth.kind !== "environment" || auth.via !== "secretKey" || auth.environment.type !== "DEVELOPMENT") {
      throw forbidden("Dev claims take a dev environment's secret key (tr_dev_…)");
    }
    const body = await readJson(c, DevClaimRequest);
    const results = await claimDevRuns(c.get("deps"), auth.environment.id, {
      max: body.max,
      waitMs: body.waitMs,
      runnerId: body.runnerId,
      signal: c.req.raw.signal,
      keepsSuspendedAttempts: body.keepsSuspendedAttempts,
      lostSuspendedRuns: body.lostSuspendedRuns,
    });
    return c.json({ results });
  });
  app.get("/api/v1/dev/runs/:runId/wait", requireAuth(["environment"]), async (c) => {
    const auth = c.get("auth");
    if (auth.kind !== "environment" || auth.via !== "secretKey" || auth.environment.type !== "DEVELOPMENT") {
      throw forbidden("Dev run waits take a dev environment's secret key (tr_dev_…)");
    }
    return c.json(await devRunWait(c.get("deps"), auth.environment.id, c.req.param("runId")));
  });
  app.post("/api/v1/dev/lost-attempts", requireAuth(["environment"]), async (c) => {
    const auth = c.get("auth");
    if (auth.kind !== "environment" || auth.via !== "secretKey" || auth.environment.type !== "DEVELOPMENT") {
      throw forbidden("Dev lost attempts take a dev environment's secret key (tr_dev_…)");
    }
    const body = await readJson(c, DevLostAttemptsRequest);
    return c.json({ closed: await closeLostDevAttempts(c.get("deps").sql, auth.environment.id, body.runnerId, body.attempts) });
  });
  return app;
}
