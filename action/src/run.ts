import { runArchive } from "./commands/archive.js";
import { runDeploy } from "./commands/deploy.js";
import { runPromote } from "./commands/promote.js";
import * as core from "@actions/core";
import { describeEsbuild, useProjectDir } from "./esbuild/runtime.js";
import { isClosedPullRequest, type GithubContext } from "./github-context.js";
import type { ActionCommand, ActionInputs } from "./input-helper.js";

/**
 * Runs the command: the `command` input, or, when it is empty, what the event asks for (a closed pull request
 * archives its preview branch; anything else deploys), so one preview workflow handles a PR's whole life.
 */
export async function run(inputs: ActionInputs, ctx: GithubContext, env: Record<string, string | undefined>): Promise<ActionCommand> {
  const command = chooseCommand(inputs, ctx);
  useProjectDir(inputs.workingDirectory);
  core.info(`esbuild: ${describeEsbuild()}`);
  switch (command) {
    case "deploy":
      await runDeploy(inputs, ctx, env);
      return command;
    case "archive":
      await runArchive(inputs, ctx);
      return command;
    case "promote":
      await runPromote(inputs, ctx);
      return command;
  }
}

export function chooseCommand(inputs: Pick<ActionInputs, "command" | "environment">, ctx: GithubContext): ActionCommand {
  return inputs.command ?? (inputs.environment === "preview" && isClosedPullRequest(ctx) ? "archive" : "deploy");
}
