import { Hono } from "hono";
import { CreateProjectRequestBody, type WhoAmIResponse } from "@gantry/sdk/contracts";
import type { AppEnv, AuthContext } from "../context.js";
import { requireAuth } from "../auth/middleware.js";
import { notFound, unauthorized } from "../errors.js";
import { readJson } from "../http/read-json.js";
import { selectUserById } from "../tokens/queries/users.js";
import { createProject, listProjects, organizationsOf, projectInfo, requireProjectMember } from "./service.js";

const userIdOf = (auth: AuthContext): string => {
  if (auth.kind !== "user") throw unauthorized("This endpoint needs a personal access token (tr_pat_…)");
  return auth.userId;
};

/** whoami, projects list/create/retrieve: personal access tokens (the CLI). */
export function projectsRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const pat = requireAuth(["user"]);

  app.get("/api/v1/whoami", pat, async (c) => {
    const deps = c.get("deps");
    const user = await selectUserById(deps.sql, userIdOf(c.get("auth")));
    if (!user) throw unauthorized("The user of this access token no longer exists");
    const orgs = await organizationsOf(deps, user.id);
    const body: WhoAmIResponse = {
      userId: user.id,
      email: user.email,
      name: user.name,
      organizations: orgs.map((o) => ({ id: o.id, slug: o.slug, title: o.title })),
      dashboardUrl: deps.config.publicUrl,
    };
    return c.json(body);
  });

  app.get("/api/v1/projects", pat, async (c) => {
    const deps = c.get("deps");
    const userId = userIdOf(c.get("auth"));
    const projects = await listProjects(deps, userId);
    return c.json(await Promise.all(projects.map((p) => projectInfo(deps, p, userId, false))));
  });

  app.post("/api/v1/projects", pat, async (c) => {
    const deps = c.get("deps");
    const userId = userIdOf(c.get("auth"));
    const body = await readJson(c, CreateProjectRequestBody);
    const user = await selectUserById(deps.sql, userId);
    const orgs = await organizationsOf(deps, userId, user?.email);
    const org = body.organization ? orgs.find((o) => o.slug === body.organization) : orgs[0];
    if (!org) throw notFound(`Organization ${body.organization ?? ""} not found among yours`, "organization");
    const project = await createProject(deps, { userId, organizationId: org.id, name: body.name, ref: body.ref });
    return c.json(await projectInfo(deps, project, userId, true), 201);
  });

  app.get("/api/v1/projects/:ref", pat, async (c) => {
    const deps = c.get("deps");
    const userId = userIdOf(c.get("auth"));
    const project = await requireProjectMember(deps, userId, c.req.param("ref"));
    return c.json(await projectInfo(deps, project, userId, true));
  });

  return app;
}
