import { appendFileSync } from "node:fs";
import { deploy } from "../../deploy/deploy.js";
import { promote as promoteVersion } from "../../deploy/promote.js";
import { loadConfig } from "../../config/load-config.js";
import { CliError } from "../../errors.js";
import { credentials, projectDir, type Command } from "../command.js";
import { loadEnvFile } from "../env-file.js";

/** `gantry deploy [path]`: prints progress and `Deployed version YYYYMMDD.N`; in GitHub Actions writes `deploymentVersion`. */
export const deployCommand: Command = async (ctx) => {
  const { args, io, out } = ctx;
  // --env-file: the deploy (and syncEnvVars hooks) run with these variables, and they are synced to the environment
  const fileVars = args.envFile ? loadEnvFile(projectDir(ctx), args.envFile, { strict: true }) : undefined;
  if (fileVars) Object.assign(io.env, fileVars);
  const env = args.env ?? "prod";
  const common = {
    cwd: projectDir(ctx),
    configPath: args.config,
    projectRef: args.projectRef,
    env,
    branch: args.branch,
    indexEnv: io.env,
    logger: { debug: out.debug, log: out.info, warn: out.warn },
    onProgress: (event: { message: string }) => out.log(event.message),
    fetch: io.fetch,
  };
  if (args.dryRun) {
    const result = await deploy({ ...common, apiUrl: "", accessToken: "", dryRun: true });
    out.log(`Build: ${result.build.outDir}`);
    return;
  }
  const creds = credentials(ctx);
  const result = await deploy({ ...common, apiUrl: creds.apiUrl, accessToken: creds.accessToken, skipPromotion: args.skipPromotion, ...(fileVars ? { syncVars: fileVars } : {}) });
  out.log(`Deployed version ${result.version}${args.skipPromotion ? " (not promoted: `gantry promote " + result.version + "`)" : ""}`);
  out.log(`Dashboard: ${result.dashboardUrl}`);
  if (io.env.GITHUB_ACTIONS === "true" && io.env.GITHUB_OUTPUT) {
    appendFileSync(io.env.GITHUB_OUTPUT, `deploymentVersion=${result.version}\n`);
  }
};

/** `gantry promote <version>`: the project comes from --project-ref or the config in cwd. */
export const promoteCommand: Command = async (ctx) => {
  const { args, io, out } = ctx;
  const version = args.positionals[0];
  if (!version || !/^\d{8}\.\d+$/.test(version)) {
    throw new CliError(`Name the version to promote, like \`gantry promote 20250228.1\`${version ? ` (got "${version}")` : ""}`, "bad_args");
  }
  const projectRef = args.projectRef ?? (await loadConfig({ cwd: io.cwd, configPath: args.config })).project;
  const creds = credentials(ctx);
  const env = args.env ?? "prod";
  const deployment = await promoteVersion({ apiUrl: creds.apiUrl, accessToken: creds.accessToken, projectRef, env, version, branch: args.branch, fetch: io.fetch });
  out.log(`Promoted version ${deployment.version} to current in ${env}`);
};
