import { Hono } from "hono";
import { z } from "zod";
import type { ApiDeps, AppEnv, AuthContext } from "../context.js";
import { requireAuth } from "../auth/middleware.js";
import { forbidden, notFound, unauthorized } from "../errors.js";
import { readJson } from "../http/read-json.js";
import { archiveBranchFor } from "../github/archive-branch.js";
import { selectProjectEnvironments } from "./queries/environments.js";
import { selectProjectByRef } from "./queries/projects.js";
import { requireProjectMember, type ProjectRow } from "./service.js";

const ArchiveBody = z.object({ branch: z.string().min(1).max(255) });

/** A PAT of a member, or the project's preview key. */
async function previewProject(deps: ApiDeps, auth: AuthContext, ref: string): Promise<ProjectRow> {
  if (auth.kind === "user") return requireProjectMember(deps, auth.userId, ref);
  if (auth.kind === "environment" && auth.via === "secretKey") {
    if (auth.environment.projectRef !== ref) throw notFound(`Project ${ref} not found for this key`, "projectRef");
    if (auth.environment.type !== "PREVIEW") throw forbidden("Preview branches are managed with the preview key or a personal access token");
    return (await selectProjectByRef(deps.sql, ref))!;
  }
  throw unauthorized("Use a personal access token or the preview secret key");
}

/**
 * Preview branches: list, and archive (`gantry preview archive`, the GitHub App on PR close). An archived
 * branch can be read but not triggered or changed; deploying it again un-archives it.
 */
export function branchesRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(["user", "environment"], { branch: "ignore" });

  app.get("/api/v1/projects/:ref/branches", auth, async (c) => {
    const deps = c.get("deps");
    const project = await previewProject(deps, c.get("auth"), c.req.param("ref"));
    const envs = await selectProjectEnvironments(deps.sql, project.id, null);
    return c.json(
      envs
        .filter((e) => e.branch_name !== null)
        .map((e) => ({ id: e.id, branchName: e.branch_name, archivedAt: e.archived_at, currentVersion: e.current_version })),
    );
  });

  // what a closed pull request does: archived, its live runs canceled, GitHub told (when a repo is connected)
  app.post("/api/v1/projects/:ref/branches/archive", auth, async (c) => {
    const { branch } = await readJson(c, ArchiveBody);
    return c.json(await archiveBranchFor(c.get("deps"), c.get("auth"), c.req.param("ref"), branch));
  });

  return app;
}
