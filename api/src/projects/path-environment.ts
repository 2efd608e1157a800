import type { Context } from "hono";
import { EnvironmentSlug } from "@gantry/sdk/contracts";
import type { AppEnv } from "../context.js";
import { projectEnvironment } from "../deployments/service.js";
import { badRequest } from "../errors.js";

/**
 * The environment a `/api/v1/projects/:ref/…/:env` route names, checked against the caller (a project member, or
 * that environment's key): the preview branch comes from `x-trigger-branch`. A slug that is not an environment
 * is a 400 naming `env`.
 */
export function pathEnvironment(c: Context<AppEnv>): Promise<string> {
  const slug = EnvironmentSlug.safeParse(c.req.param("env"));
  if (!slug.success) throw badRequest(`env must be one of ${EnvironmentSlug.options.join(", ")}`, "env");
  return projectEnvironment(c.get("deps"), c.get("auth"), c.req.param("ref") ?? "", slug.data, c.req.header("x-trigger-branch")?.trim() || undefined);
}
