import { Hono, type Context } from "hono";
import { ReplayRunRequestBody, RescheduleRunRequestBody, ResetIdempotencyKeyRequestBody, TriggerTaskRequestBody } from "@gantry/sdk/contracts";
import type { AppEnv } from "../context.js";
import { authEnvironment, requireAuth } from "../auth/middleware.js";
import { readJson } from "../http/read-json.js";
import { cancelRun } from "./cancel.js";
import { resetIdempotencyKey } from "./idempotency-reset.js";
import { listEnvironmentRuns } from "./list.js";
import { projectRunEnvironments } from "./project-environments.js";
import { replayRun } from "./replay.js";
import { rescheduleRun } from "./reschedule.js";
import { retrieveRun } from "./retrieve.js";
import { runTagsRoutes } from "./tags.js";
import { triggerRun } from "./trigger.js";

const REQUEST_KEY_HEADER = "x-trigger-request-idempotency-key";

/** The run endpoints of the reference's management API (wire-format.md §3.2). */
export function runsRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(["environment", "run"]);

  app.post("/api/v1/tasks/:taskId/trigger", auth, async (c) => {
    const body = await readJson(c, TriggerTaskRequestBody);
    const authCtx = c.get("auth");
    const environment = authEnvironment(authCtx);
    const run = await triggerRun(c.get("deps"), {
      taskId: c.req.param("taskId"),
      body,
      environment,
      requestIdempotencyKey: c.req.header(REQUEST_KEY_HEADER) || undefined,
      parentRunId: authCtx.kind === "run" ? authCtx.runId : undefined,
    });
    c.header("x-trigger-jwt-claims", JSON.stringify({ sub: environment.id, pub: true }));
    return c.json(run.isCached ? { id: run.id, isCached: true } : { id: run.id });
  });

  const retrieve = async (c: Context<AppEnv>) =>
    c.json(await retrieveRun(c.get("deps"), authEnvironment(c.get("auth")).id, c.req.param("runId")!));
  app.get("/api/v3/runs/:runId", auth, retrieve);
  app.get("/api/v1/runs/:runId", auth, retrieve);

  app.get("/api/v1/runs", auth, async (c) => {
    return c.json(await listEnvironmentRuns(c.get("deps"), [authEnvironment(c.get("auth")).id], c.req.query()));
  });

  app.get("/api/v1/projects/:ref/runs", requireAuth(["user", "environment", "run"]), async (c) => {
    const deps = c.get("deps");
    const query = c.req.query();
    const environmentIds = await projectRunEnvironments(deps, c.get("auth"), c.req.param("ref"), query["filter[env]"]);
    return c.json(await listEnvironmentRuns(deps, environmentIds, query));
  });

  app.post("/api/v2/runs/:runId/cancel", auth, async (c) => {
    const { id } = await cancelRun(c.get("deps"), authEnvironment(c.get("auth")).id, c.req.param("runId"));
    return c.json({ id });
  });

  app.post("/api/v1/runs/:runId/replay", auth, async (c) => {
    const body = await readJson(c, ReplayRunRequestBody);
    const run = await replayRun(
      c.get("deps"),
      authEnvironment(c.get("auth")),
      c.req.param("runId"),
      body,
      c.req.header(REQUEST_KEY_HEADER) || undefined,
    );
    return c.json(run);
  });

  app.post("/api/v1/runs/:runId/reschedule", auth, async (c) => {
    const body = await readJson(c, RescheduleRunRequestBody);
    return c.json(await rescheduleRun(c.get("deps"), authEnvironment(c.get("auth")), c.req.param("runId"), body.delay));
  });

  app.post("/api/v1/idempotencyKeys/:key/reset", auth, async (c) => {
    const { taskIdentifier } = await readJson(c, ResetIdempotencyKeyRequestBody);
    return c.json(await resetIdempotencyKey(c.get("deps"), authEnvironment(c.get("auth")).id, c.req.param("key"), taskIdentifier));
  });

  app.route("/", runTagsRoutes());

  return app;
}
