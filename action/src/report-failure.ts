import * as core from "@actions/core";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { ApiRequestError, type SourceLocation } from "./builder.js";
import type { GithubContext } from "./github-context.js";
import type { ActionInputs } from "./input-helper.js";
import { writeFailureSummary } from "./summary.js";

/**
 * Reports a failure the way GitHub shows it best: an error annotation (on the file and line when the bundler
 * or the index step named one, so it appears on the pull request's diff), the error in the job summary, and
 * exit code 1.
 */
export async function reportFailure(error: unknown, ctx: GithubContext | undefined, inputs: ActionInputs | undefined): Promise<void> {
  const message = explain(error, inputs);
  const location = locationOf(error);
  const file = location && inputs && ctx ? workspacePath(ctx.workspace, projectRoot(inputs), location.file) : undefined;
  core.error(message, {
    title: location ? "Gantry build failed" : "Gantry deploy failed",
    file,
    startLine: file ? location?.line : undefined,
    startColumn: file ? location?.column : undefined,
  });
  try {
    if (ctx) await writeFailureSummary(message, file && location ? { file, line: location.line } : undefined, ctx);
  } catch (summaryError) {
    core.warning(`Could not write the job summary: ${(summaryError as Error).message}`);
  }
  process.exitCode = 1;
}

/** The builder's messages name the CLI's fixes; in a workflow the fix is an input or a secret. */
function explain(error: unknown, inputs: ActionInputs | undefined): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ApiRequestError && error.status === 401) {
    return (
      `Gantry at ${inputs?.apiUrl ?? "the api-url"} rejected the access token (${message}). ` +
      "Set the access-token input to a personal access token (tr_pat_…) of a project member, or the environment's secret key, " +
      "stored as a repository secret: access-token: ${{ secrets.GANTRY_ACCESS_TOKEN }}"
    );
  }
  if (error instanceof ApiRequestError && error.code === "version_mismatch") {
    return `${message}. Install the platform's SDK in the project (npm install ${inputs?.apiUrl ?? "<api-url>"}/packages/gantry-sdk.tgz) and commit the lockfile`;
  }
  if (error instanceof ApiRequestError && error.status === 403) {
    return `${message} (the access-token's user must be a member of the project named in gantry.config.ts)`;
  }
  return message;
}

function locationOf(error: unknown): SourceLocation | undefined {
  const location = (error as { location?: SourceLocation } | undefined)?.location;
  return location && typeof location.file === "string" && typeof location.line === "number" ? location : undefined;
}

/** The builder reports paths relative to the config's folder; annotations need them relative to the repository. */
function projectRoot(inputs: ActionInputs): string {
  return inputs.configPath ? dirname(resolve(inputs.workingDirectory, inputs.configPath)) : inputs.workingDirectory;
}

function workspacePath(workspace: string, root: string, file: string): string {
  const abs = isAbsolute(file) ? file : resolve(root, file);
  return relative(workspace, abs).split("\\").join("/");
}
