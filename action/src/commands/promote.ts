import * as core from "@actions/core";
import type { DeploymentInfo } from "@gantry/sdk/contracts";
import { loadConfig, promote } from "../builder.js";
import { branchFromContext, type GithubContext } from "../github-context.js";
import type { ActionInputs } from "../input-helper.js";
import { setDeploymentOutputs } from "../outputs.js";
import { writePromoteSummary } from "../summary.js";

/** Makes an already deployed version the environment's current one (the last step of an atomic deploy). */
export async function runPromote(inputs: ActionInputs, ctx: GithubContext): Promise<DeploymentInfo> {
  const version = inputs.version;
  if (!version) throw new Error('Command promote needs the "version" input');
  const config = await loadConfig({ cwd: inputs.workingDirectory, configPath: inputs.configPath });
  const branch = inputs.environment === "preview" ? (inputs.branch ?? branchFromContext(ctx)) : undefined;

  core.info(`Promoting version ${version} in ${inputs.environment}${branch ? ` (branch ${branch})` : ""} of ${config.project}`);
  const deployment = await promote({
    apiUrl: inputs.apiUrl,
    accessToken: inputs.accessToken,
    projectRef: config.project,
    env: inputs.environment,
    version,
    branch,
  });
  setDeploymentOutputs(deployment);
  core.info(`Version ${deployment.version} is now current in ${inputs.environment}: ${deployment.dashboardUrl}`);
  await writePromoteSummary(deployment, { ctx });
  return deployment;
}
