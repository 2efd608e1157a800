import { Hono, type Context } from "hono";
import { CreateAlertChannelBody, UpdateAlertChannelBody } from "@gantry/sdk/contracts";
import type { AppEnv } from "../context.js";
import { requireAuth } from "../auth/middleware.js";
import { onRunsFinished } from "../engine/run-finished.js";
import { unauthorized } from "../errors.js";
import { readJson } from "../http/read-json.js";
import { enqueueRunFailedAlerts } from "./enqueue.js";
import { createAlertChannel, deleteAlertChannel, listAlerts, updateAlertChannel } from "./service.js";

function userId(c: Context<AppEnv>): string {
  const auth = c.get("auth");
  if (auth.kind !== "user") throw unauthorized("Sign in to the dashboard or use a personal access token");
  return auth.userId;
}

/**
 * Alert channels of a project (dashboard session with CSRF on writes, or a personal access token):
 * `GET|POST /api/v1/dashboard/projects/:ref/alerts`, `PATCH|DELETE …/alerts/:id`. Registers the run-failed
 * listener on the engine's finished-runs hook.
 */
export function alertsRoutes(): Hono<AppEnv> {
  onRunsFinished("alerts", enqueueRunFailedAlerts);
  const app = new Hono<AppEnv>();
  const user = requireAuth(["user"]);
  const base = "/api/v1/dashboard/projects/:ref/alerts";

  app.get(base, user, async (c) => c.json(await listAlerts(c.get("deps"), userId(c), c.req.param("ref"))));
  app.post(base, user, async (c) => {
    const body = await readJson(c, CreateAlertChannelBody);
    return c.json(await createAlertChannel(c.get("deps"), userId(c), c.req.param("ref"), body), 201);
  });
  app.patch(`${base}/:id`, user, async (c) => {
    const body = await readJson(c, UpdateAlertChannelBody);
    return c.json(await updateAlertChannel(c.get("deps"), userId(c), c.req.param("ref"), c.req.param("id"), body));
  });
  app.delete(`${base}/:id`, user, async (c) => c.json(await deleteAlertChannel(c.get("deps"), userId(c), c.req.param("ref"), c.req.param("id"))));
  return app;
}
