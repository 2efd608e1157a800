import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../context.js";
import { requireAuth } from "../auth/middleware.js";
import { pathEnvironment } from "../projects/path-environment.js";
import { readJson } from "./read-json.js";
import { invalidateRateLimits, resolveLimit } from "./rate-limit.js";

/** `null` goes back to the api's default (GANTRY_API_RATE_LIMIT_PER_MINUTE / _BURST); perMinute 0 means unlimited. */
const SetRateLimitBody = z
  .object({
    perMinute: z.number().int().min(0).max(100_000_000).nullable(),
    burst: z.number().int().min(1).max(100_000_000).nullable().optional(),
  })
  .strict();

/**
 * An environment's API rate limit, for project members with a personal access token (or a dashboard session):
 * `GET|PUT /api/v1/projects/:ref/environments/:env/rate-limit`. A secret key cannot raise its own limit.
 */
export function rateLimitRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(["user"], { branch: "ignore" });
  const path = "/api/v1/projects/:ref/environments/:env/rate-limit";

  const environmentId = pathEnvironment;

  const answer = async (c: Context<AppEnv>, id: string) => {
    const deps = c.get("deps");
    const [row] = await deps.sql<{ per_minute: number | null; burst: number | null }[]>`
      select api_rate_limit_per_minute as per_minute, api_rate_limit_burst as burst from environments where id = ${id}`;
    const limit = resolveLimit(deps, row?.per_minute ?? null, row?.burst ?? null);
    return c.json({ environmentId: id, perMinute: limit.perMinute, burst: limit.burst, isDefault: (row?.per_minute ?? null) === null && (row?.burst ?? null) === null });
  };

  app.get(path, auth, async (c) => answer(c, await environmentId(c)));
  app.put(path, auth, async (c) => {
    const body = await readJson(c, SetRateLimitBody);
    const id = await environmentId(c);
    const deps = c.get("deps");
    await deps.sql`
      update environments set api_rate_limit_per_minute = ${body.perMinute}, api_rate_limit_burst = ${body.burst ?? null}
      where id = ${id}`;
    // this instance applies it at once; others within their 10 s cache
    invalidateRateLimits(deps);
    return answer(c, id);
  });
  return app;
}
