import { readGithubContext, type GithubContext } from "./github-context.js";
import { getInputs, type ActionInputs } from "./input-helper.js";
import { reportFailure } from "./report-failure.js";
import { run } from "./run.js";

// The action's entry point (dist/index.js): read the environment once, run, report.
const env = process.env;
let ctx: GithubContext | undefined;
let inputs: ActionInputs | undefined;
try {
  ctx = readGithubContext(env);
  inputs = getInputs(ctx.workspace);
  await run(inputs, ctx, env);
} catch (error) {
  await reportFailure(error, ctx, inputs);
}
