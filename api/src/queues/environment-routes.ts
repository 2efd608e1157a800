import { Hono } from "hono";
import { SetEnvironmentConcurrencyRequestBody, type EnvironmentConcurrency } from "@gantry/sdk/contracts";
import type { ApiDeps, AppEnv } from "../context.js";
import { requireAuth } from "../auth/middleware.js";
import { pathEnvironment } from "../projects/path-environment.js";
import { readJson } from "../http/read-json.js";
import { sweepGate } from "../queue/gate.js";
import { writeGateConfig } from "../queue/gate-config.js";
import { selectEnvironmentConcurrency, updateEnvironmentConcurrency } from "./queries/environment-concurrency.js";

/**
 * An environment's concurrency limit and burst factor, for project members (personal access token or dashboard
 * session): `GET|PUT /api/v1/projects/:ref/environments/:env/concurrency`. A secret key cannot raise its own
 * limit. A change reaches the concurrency gate at once.
 */
export function environmentConcurrencyRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(["user"], { branch: "ignore" });
  const path = "/api/v1/projects/:ref/environments/:env/concurrency";

  const environmentId = pathEnvironment;

  app.get(path, auth, async (c) => c.json(await answer(c.get("deps"), await environmentId(c))));

  app.put(path, auth, async (c) => {
    const body = await readJson(c, SetEnvironmentConcurrencyRequestBody);
    const deps = c.get("deps");
    const id = await environmentId(c);
    await updateEnvironmentConcurrency(deps.sql, id, body.limit, body.burstFactor);
    await writeGateConfig(deps, [id]);
    await sweepGate(deps);
    return c.json(await answer(deps, id));
  });

  return app;
}

async function answer(deps: ApiDeps, environmentId: string): Promise<EnvironmentConcurrency> {
  const row = await selectEnvironmentConcurrency(deps.sql, environmentId);
  const limit = row?.concurrency_limit ?? 0;
  const burstFactor = row?.concurrency_burst_factor ?? 1;
  return { environmentId, limit, burstFactor, environmentCap: Math.floor(limit * burstFactor), queueCap: limit };
}
