import * as core from "@actions/core";
import { deploy, type DeployResult } from "../builder.js";
import { branchFromContext, gitMetaFromContext, type GithubContext } from "../github-context.js";
import type { ActionInputs } from "../input-helper.js";
import { setDeploymentOutputs } from "../outputs.js";
import { writeDeploySummary } from "../summary.js";

/**
 * Bundles, indexes, uploads and finalizes a version with the builder's deploy library, logging each step,
 * then sets the outputs and writes the job summary.
 */
export async function runDeploy(inputs: ActionInputs, ctx: GithubContext, env: Record<string, string | undefined>): Promise<DeployResult> {
  const branch = inputs.environment === "preview" ? (inputs.branch ?? branchFromContext(ctx)) : undefined;
  if (inputs.environment === "preview" && !branch) {
    throw new Error('Deploying to preview needs a branch: run on pull_request events, or set the "branch" input');
  }
  if (inputs.environment !== "preview" && inputs.branch) {
    core.warning(`Input "branch" (${inputs.branch}) is only used with environment preview; deploying to ${inputs.environment}`);
  }

  core.info(`Deploying ${inputs.workingDirectory} to ${inputs.environment}${branch ? ` (branch ${branch})` : ""} on ${inputs.apiUrl}`);
  const result = await deploy({
    cwd: inputs.workingDirectory,
    configPath: inputs.configPath,
    apiUrl: inputs.apiUrl,
    accessToken: inputs.accessToken,
    env: inputs.environment,
    branch,
    skipPromotion: inputs.skipPromotion,
    git: gitMetaFromContext(ctx),
    source: "action",
    indexEnv: withoutActionInputs(env),
    onProgress: (event) => core.info(`› ${event.message}`),
  });

  setDeploymentOutputs(result);
  core.info(`Deployed version ${result.version}${inputs.skipPromotion ? " (not promoted: promote it with command promote)" : ""}: ${result.dashboardUrl}`);
  await writeDeploySummary(result, { ctx, promoted: !inputs.skipPromotion });
  return result;
}

/**
 * Indexing imports the user's task files; they get the job's environment as a local build would, but not the
 * action's own inputs (INPUT_ACCESS_TOKEN among them).
 */
function withoutActionInputs(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith("INPUT_")));
}
