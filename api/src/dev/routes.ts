import { Hono } from "hono";
import { DevClaimRequest } from "@gantry/sdk/contracts";
import type { AppEnv } from "../context.js";
import { requireAuth } from "../auth/middleware.js";
import { forbidden } from "../errors.js";
import { readJson } from "../http/read-json.js";
import { claimDevRuns } from "./claim.js";

/** `gantry dev`'s endpoint: claim the user's dev runs (sdk/src/contracts/runner.ts, DevClaimRequest). */
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
    });
    return c.json({ results });
  });
  return app;
}
