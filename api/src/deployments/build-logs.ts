import type { AppendDeploymentLogsResponse } from "@gantry/sdk/contracts";
import type { ApiDeps, AuthContext } from "../context.js";
import { notFound } from "../errors.js";
import { appendBuildLogs } from "./queries/append-build-logs.js";
import { getDeployment } from "./service.js";

/** A deployment's build log keeps its last 1 MB (characters). */
export const BUILD_LOG_MAX_CHARS = 1024 * 1024;

/**
 * The CLI's, the Action's (any `deploy()`'s) progress lines, appended while it runs so the dashboard's log view
 * follows it (`dashboard/github-settings.ts` `deploymentLogs`). Appends are accepted whatever the deployment's
 * status: the deploy's last line ("Deployed version …") is written after finalize. The caller must be able to
 * see the deployment (a member of its project, or its environment's secret key): anyone else gets a 404.
 */
export async function appendDeploymentLogs(deps: ApiDeps, auth: AuthContext, id: string, logs: string): Promise<AppendDeploymentLogsResponse> {
  await getDeployment(deps, auth, id);
  const result = await appendBuildLogs(deps.sql, id, logs, BUILD_LOG_MAX_CHARS);
  // deleted between the check and the append (its project went away)
  if (!result) throw notFound(`Deployment ${id} not found`, "id");
  return result;
}
