import * as core from "@actions/core";
import { ArchivedPreviewBranch } from "@gantry/sdk/contracts";
import { ApiClient, ApiRequestError, loadConfig } from "../builder.js";
import { branchFromContext, type GithubContext } from "../github-context.js";
import type { ActionInputs } from "../input-helper.js";
import { writeArchiveSummary, type ArchiveOutcome } from "../summary.js";

/**
 * Archives the preview branch of a closed pull request: it can no longer be triggered (its runs and
 * deployments stay readable). A branch that was never deployed (its deploy failed, or previews were off) is nothing to archive:
 * that is a warning, not a failed job.
 */
export async function runArchive(inputs: ActionInputs, ctx: GithubContext): Promise<ArchiveOutcome> {
  if (inputs.environment !== "preview") {
    throw new Error(`Command archive archives preview branches: set environment: preview (it is ${inputs.environment})`);
  }
  const branch = inputs.branch ?? branchFromContext(ctx);
  if (!branch) throw new Error('Command archive needs a branch: run on pull_request events, or set the "branch" input');
  const config = await loadConfig({ cwd: inputs.workingDirectory, configPath: inputs.configPath });

  core.info(`Archiving preview branch ${branch} of ${config.project}`);
  const client = new ApiClient({ apiUrl: inputs.apiUrl, token: inputs.accessToken });
  let outcome: ArchiveOutcome;
  try {
    const archived = await client.json("POST", `/api/v1/projects/${encodeURIComponent(config.project)}/branches/archive`, ArchivedPreviewBranch, { branch });
    outcome = { archived: true, branch: archived.branchName, archivedAt: archived.archivedAt };
    core.info(`Archived preview branch ${branch}`);
  } catch (error) {
    if (!(error instanceof ApiRequestError && error.status === 404 && error.param === "branch")) throw error;
    outcome = { archived: false, branch, reason: error.message };
    core.warning(`Preview branch ${branch} was not archived: ${error.message}`);
  }
  await writeArchiveSummary(outcome, { ctx, projectRef: config.project });
  return outcome;
}
