import { ENVIRONMENT_SLUGS, type EnvironmentSlug } from "@gantry/sdk/contracts";
import type { ApiDeps, AuthContext } from "../context.js";
import { ApiError, notFound } from "../errors.js";
import { requireProjectMember, resolveEnvironmentId } from "../projects/service.js";

/**
 * The environments a project-scoped run listing covers (`filter[env]=dev,prod`, default all). A member's
 * personal access token sees the project's environments (dev: their own); a secret key only its own
 * environment, whatever `filter[env]` says (tenants are sealed).
 */
export async function projectRunEnvironments(deps: ApiDeps, auth: AuthContext, ref: string, envFilter: string | undefined): Promise<string[]> {
  const slugs = envFilter === undefined ? [...ENVIRONMENT_SLUGS] : envFilter.split(",").map((s) => s.trim()).filter(Boolean);
  for (const slug of slugs) {
    if (!(ENVIRONMENT_SLUGS as readonly string[]).includes(slug)) {
      throw new ApiError(400, "invalid_param", `Unknown environment "${slug}" in filter[env]: use ${ENVIRONMENT_SLUGS.join(", ")}`, "filter[env]");
    }
  }
  if (auth.kind === "user") {
    const project = await requireProjectMember(deps, auth.userId, ref);
    return Promise.all(slugs.map((slug) => resolveEnvironmentId(deps, project, slug as EnvironmentSlug, { userId: auth.userId })));
  }
  if (auth.kind === "environment" || auth.kind === "run") {
    const env = auth.environment;
    if (env.projectRef !== ref) throw notFound(`Project ${ref} not found`, "projectRef");
    return slugs.includes(env.slug) ? [env.id] : [];
  }
  throw notFound(`Project ${ref} not found`, "projectRef");
}
