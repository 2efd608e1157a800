import { Hono } from "hono";
import { z } from "zod";
import {
  AppendDeploymentLogsRequestBody,
  CreateDeploymentRequestBody,
  EnvironmentSlug,
  FailDeploymentRequestBody,
  FinalizeDeploymentRequestBody,
} from "@gantry/sdk/contracts";
import type { AppEnv } from "../context.js";
import { authEnvironment, requireAuth } from "../auth/middleware.js";
import { badRequest } from "../errors.js";
import { readJson } from "../http/read-json.js";
import { selectProjectEnvironments } from "../projects/queries/environments.js";
import { requireProjectMember } from "../projects/service.js";
import { appendDeploymentLogs } from "./build-logs.js";
import { currentDeployment, listDeploymentsOfEnvironment } from "./environment-deployments.js";
import { selectDeployments } from "./queries/select-deployment.js";
import {
  createDeployment,
  failDeployment,
  finalizeDeployment,
  getDeployment,
  projectEnvironment,
  promoteVersion,
  toDeploymentInfo,
} from "./service.js";

const PromoteBody = z.object({ version: z.string().regex(/^\d{8}\.\d+$/, "expected a version like 20250101.1") });

/** Deployments: create → (upload artifact, append logs) → finalize (or fail); retrieve, list, promote. PAT or secret key. */
export function deploymentsRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(["user", "environment"], { branch: "ignore" });

  app.post("/api/v1/deployments", auth, async (c) => {
    const body = await readJson(c, CreateDeploymentRequestBody);
    const info = await createDeployment(c.get("deps"), c.get("auth"), body, c.req.header("x-trigger-branch")?.trim() || undefined);
    return c.json(info, 201);
  });

  // the official client's deployments.retrieveCurrent() / deployments.list(): the key's (or run's) environment;
  // registered before /:id so that "current" is not taken for an id
  const environmentAuth = requireAuth(["environment", "run"]);
  app.get("/api/v1/deployments/current", environmentAuth, async (c) =>
    c.json(await currentDeployment(c.get("deps"), authEnvironment(c.get("auth")).id)),
  );
  app.get("/api/v1/deployments", environmentAuth, async (c) =>
    c.json(await listDeploymentsOfEnvironment(c.get("deps"), authEnvironment(c.get("auth")).id, c.req.query())),
  );

  app.get("/api/v1/deployments/:id", auth, async (c) => {
    const deps = c.get("deps");
    return c.json(toDeploymentInfo(deps, await getDeployment(deps, c.get("auth"), c.req.param("id"))));
  });

  app.post("/api/v1/deployments/:id/finalize", auth, async (c) => {
    const body = await readJson(c, FinalizeDeploymentRequestBody);
    return c.json(await finalizeDeployment(c.get("deps"), c.get("auth"), c.req.param("id"), body));
  });

  app.post("/api/v1/deployments/:id/fail", auth, async (c) => {
    const body = await readJson(c, FailDeploymentRequestBody);
    return c.json(await failDeployment(c.get("deps"), c.get("auth"), c.req.param("id"), body.status, body.error));
  });

  // a deploy's progress lines, batched by the deploy library while it runs (the dashboard's build log)
  app.post("/api/v1/deployments/:id/logs", auth, async (c) => {
    const body = await readJson(c, AppendDeploymentLogsRequestBody);
    return c.json(await appendDeploymentLogs(c.get("deps"), c.get("auth"), c.req.param("id"), body.logs));
  });

  /** The reference's promote: the secret key names the environment. */
  app.post("/api/v1/deployments/:version/promote", requireAuth(["environment"]), async (c) => {
    const caller = c.get("auth");
    if (caller.kind === "environment" && caller.via !== "secretKey") throw badRequest("Promote with a secret key");
    const version = PromoteBody.shape.version.parse(c.req.param("version"));
    return c.json(await promoteVersion(c.get("deps"), authEnvironment(caller).id, version));
  });

  app.post("/api/v1/projects/:ref/envs/:env/promote", auth, async (c) => {
    const slug = EnvironmentSlug.parse(c.req.param("env"));
    const body = await readJson(c, PromoteBody);
    const deps = c.get("deps");
    const envId = await projectEnvironment(deps, c.get("auth"), c.req.param("ref"), slug, c.req.query("branch") ?? c.req.header("x-trigger-branch"));
    return c.json(await promoteVersion(deps, envId, body.version));
  });

  app.get("/api/v1/projects/:ref/deployments", auth, async (c) => {
    const deps = c.get("deps");
    const caller = c.get("auth");
    const ref = c.req.param("ref");
    const limit = z.coerce.number().int().min(1).max(100).default(20).parse(c.req.query("limit") ?? undefined);
    const envParam = c.req.query("env");
    let envIds: string[];
    if (envParam) {
      envIds = [await projectEnvironment(deps, caller, ref, EnvironmentSlug.parse(envParam), c.req.query("branch"))];
    } else if (caller.kind === "user") {
      const project = await requireProjectMember(deps, caller.userId, ref);
      envIds = (await selectProjectEnvironments(deps.sql, project.id, caller.userId)).map((e) => e.id);
    } else {
      envIds = [await projectEnvironment(deps, caller, ref, authEnvironment(caller).slug)];
    }
    const rows = await selectDeployments(deps.sql, envIds, limit);
    return c.json({ data: rows.map((d) => toDeploymentInfo(deps, d)) });
  });

  return app;
}
