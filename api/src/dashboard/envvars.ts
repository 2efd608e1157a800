import { EnvironmentSlug } from "@gantry/sdk/contracts";
import type { ApiDeps, AuthContext } from "../context.js";
import { decrypt } from "../crypto/encryption.js";
import { projectEnvironment } from "../deployments/service.js";
import { selectEnvVars } from "../envvars/queries/env-vars.js";
import { badRequest } from "../errors.js";

export interface DashboardEnvVar {
  name: string;
  /** "" for a secret: its value never leaves the api */
  value: string;
  isSecret: boolean;
  /** on a preview branch: the value comes from the preview environment (deleting it here is not possible) */
  inherited: boolean;
}

/**
 * The env vars page's list: what `GET /api/v1/projects/:ref/envvars/:env` returns, plus whether each value is
 * the branch's own or inherited from the preview environment (a branch's own row overrides the inherited one).
 */
export async function dashboardEnvVars(deps: ApiDeps, auth: AuthContext, ref: string, env: string, branch?: string): Promise<DashboardEnvVar[]> {
  const slug = EnvironmentSlug.safeParse(env);
  if (!slug.success) throw badRequest(`Unknown environment "${env}": use dev, staging, prod or preview`, "env");
  const environmentId = await projectEnvironment(deps, auth, ref, slug.data, branch);
  const merged = new Map<string, DashboardEnvVar>();
  // inherited rows come first, so a branch's own row replaces its parent's
  for (const row of await selectEnvVars(deps.sql, environmentId)) {
    const value = row.is_secret ? "" : decrypt(deps.config.encryptionKey, row.value_encrypted);
    merged.set(row.name, { name: row.name, value, isSecret: row.is_secret, inherited: !row.own });
  }
  return [...merged.values()].sort((a, b) => a.name.localeCompare(b.name));
}
