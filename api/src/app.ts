import { Hono } from "hono";
import type { ApiDeps, AppEnv } from "./context.js";
import { alertsRoutes } from "./alerts/routes.js";
import { artifactsRoutes } from "./artifacts/routes.js";
import { authRoutes } from "./auth/routes.js";
import { bulkActionsRoutes } from "./bulk-actions/routes.js";
import { batchesRoutes } from "./batches/routes.js";
import { dashboardRoutes } from "./dashboard/routes.js";
import { deploymentsRoutes } from "./deployments/routes.js";
import { devRoutes } from "./dev/routes.js";
import { envVarsRoutes } from "./envvars/routes.js";
import { githubRoutes } from "./github/routes.js";
import { bodyLimits } from "./http/body-limit.js";
import { healthRoutes } from "./http/health.js";
import { notFoundHandler } from "./http/not-found.js";
import { onError } from "./http/on-error.js";
import { rateLimit } from "./http/rate-limit.js";
import { rateLimitRoutes } from "./http/rate-limit-routes.js";
import { requestId } from "./http/request-id.js";
import { packagesRoutes } from "./packages/routes.js";
import { packetsRoutes } from "./packets/routes.js";
import { branchesRoutes } from "./projects/branches.js";
import { projectsRoutes } from "./projects/routes.js";
import { queuesRoutes } from "./queues/routes.js";
import { environmentConcurrencyRoutes } from "./queues/environment-routes.js";
import { runnerRoutes } from "./runner-api/routes.js";
import { realtimeRoutes } from "./realtime/routes.js";
import { runsRoutes } from "./runs/routes.js";
import { schedulesRoutes } from "./schedules/routes.js";
import { tokensRoutes } from "./tokens/routes.js";
import { waitpointsRoutes } from "./waitpoints/routes.js";

/** The HTTP app: A1's platform routes, A2's runs, runner and dev routes, the dashboard; one error mapping. */
export function createApp(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError(onError);
  app.notFound(notFoundHandler);
  app.use("*", requestId());
  app.use("*", async function injectDeps(c, next) {
    c.set("deps", deps);
    await next();
  });
  app.use("*", bodyLimits());
  app.use("*", rateLimit());

  const routers = [
    healthRoutes(),
    authRoutes(),
    projectsRoutes(),
    branchesRoutes(),
    tokensRoutes(),
    artifactsRoutes(),
    deploymentsRoutes(),
    envVarsRoutes(),
    packagesRoutes(),
    realtimeRoutes(),
    runsRoutes(),
    queuesRoutes(),
    environmentConcurrencyRoutes(),
    packetsRoutes(),
    bulkActionsRoutes(),
    rateLimitRoutes(),
    runnerRoutes(),
    devRoutes(),
    dashboardRoutes(),
    githubRoutes(),
  ];
  for (const router of routers) app.route("/", router);
  app.route("/", schedulesRoutes());
  app.route("/", waitpointsRoutes());
  app.route("/", batchesRoutes());
  app.route("/", alertsRoutes());
  return app;
}
