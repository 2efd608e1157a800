import { ArchivedPreviewBranch } from "@gantry/sdk/contracts";
import { GitHubConnection } from "@gantry/sdk/contracts";
import { loadConfig } from "../../config/load-config.js";
import { ApiClient } from "../../deploy/api-client.js";
import { CliError } from "../../errors.js";
import { credentials, type Command, type CommandContext } from "../command.js";

/** --project-ref, else the project named by gantry.config.ts in the current folder. */
async function projectRefOf(ctx: CommandContext): Promise<string> {
  if (ctx.args.projectRef) return ctx.args.projectRef;
  try {
    return (await loadConfig({ cwd: ctx.io.cwd, configPath: ctx.args.config })).project;
  } catch {
    throw new CliError("Which project? Pass --project-ref proj_… or run this in a folder with gantry.config.ts", "bad_args");
  }
}

function client(ctx: CommandContext): ApiClient {
  const creds = credentials(ctx);
  return new ApiClient({ apiUrl: creds.apiUrl, token: creds.accessToken, fetch: ctx.io.fetch });
}

/**
 * `gantry github connect owner/repo [--project-ref proj_…]`: connects a repository the Gantry GitHub App is
 * installed on to a project (project admins only). Pushes and pull requests then deploy by themselves.
 */
export const github: Command = async (ctx) => {
  const [sub, repository] = ctx.args.positionals;
  if (sub !== "connect" || !repository || !/^[^/\s]+\/[^/\s]+$/.test(repository)) {
    throw new CliError("Usage: `gantry github connect <owner/repo> [--project-ref proj_…]`", "bad_args");
  }
  const projectRef = await projectRefOf(ctx);
  const connection = await client(ctx).json("POST", "/api/v1/github/connections", GitHubConnection, { projectRef, repository });
  ctx.out.log(`Connected ${connection.repository} to ${connection.projectRef}`);
  ctx.out.log(`  production branch  ${connection.productionBranch}`);
  if (connection.stagingBranch) ctx.out.log(`  staging branch     ${connection.stagingBranch}`);
  ctx.out.log(`  previews           ${connection.previews ? "on (one per pull request)" : "off"}`);
  ctx.out.log("Push to the production branch to deploy; settings can also live in .github/gantry.yml.");
};

/** `gantry preview archive --branch <name>`: what closing the pull request does (runs canceled, GitHub told). */
export const preview: Command = async (ctx) => {
  const [sub] = ctx.args.positionals;
  const branch = ctx.args.branch ?? ctx.io.env.GANTRY_PREVIEW_BRANCH;
  if (sub !== "archive" || !branch) throw new CliError("Usage: `gantry preview archive --branch <name>` (or GANTRY_PREVIEW_BRANCH)", "bad_args");
  const projectRef = await projectRefOf(ctx);
  const archived = await client(ctx).json("POST", `/api/v1/projects/${encodeURIComponent(projectRef)}/branches/archive`, ArchivedPreviewBranch, { branch });
  ctx.out.log(`Archived preview branch ${archived.branchName} of ${projectRef}: its queued runs are canceled and triggering it is refused`);
};
