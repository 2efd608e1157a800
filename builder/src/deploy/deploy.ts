import { rmSync } from "node:fs";
import { z } from "zod";
import { DeploymentInfo, type EnvironmentSlug, type GitMeta } from "@gantry/sdk/contracts";
import { buildProject, type BuildResult } from "../build/build-project.js";
import { packArtifact } from "../build/artifact.js";
import { projectSdkVersion } from "../build/sdk-version.js";
import { loadConfig } from "../config/load-config.js";
import { BuildError, CliError } from "../errors.js";
import type { BuildLogger } from "../extensions/types.js";
import { CLI_VERSION } from "../version.js";
import { ApiClient } from "./api-client.js";
import { BuildLogStream, type BuildLogStreamOptions } from "./build-log.js";
import { collectSyncVars, pushSyncVars } from "./sync-env-vars.js";
import { detectBranch, readGitMeta } from "./git.js";

export type DeployStep = "config" | "creating" | "bundling" | "indexing" | "indexed" | "syncing" | "uploading" | "deploying" | "deployed" | "built";

export interface DeployProgress {
  step: DeployStep;
  /** One human line, e.g. "Indexed 4 tasks" or "Uploading 812 KB". */
  message: string;
  tasks?: number;
  bytes?: number;
  version?: string;
}

export interface DeployOptions {
  /** The project folder (holding gantry.config.ts). */
  cwd: string;
  configPath?: string;
  /** Overrides the config's `project`. */
  projectRef?: string;
  apiUrl: string;
  /** A personal access token, or the target environment's secret key. */
  accessToken: string;
  env: EnvironmentSlug;
  /** Preview branch (env "preview"); detected from git or GitHub Actions when absent. */
  branch?: string;
  skipPromotion?: boolean;
  /** Build and index only: no api calls. The build folder is kept and returned. */
  dryRun?: boolean;
  /** Merged over what `git` reports for cwd. */
  git?: GitMeta;
  /** Recorded on the deployment: "cli" (default), "github", "action". */
  source?: string;
  /** Keep the build folder after deploying (gantry dev executes from it). */
  keepBuild?: boolean;
  /** Environment for the index run; defaults to this process's. Also what `syncEnvVars` hooks see as `ctx.env`. */
  indexEnv?: Record<string, string | undefined>;
  /**
   * Variables to upsert into the target environment (the branch, for previews) before the deployment becomes
   * current, e.g. `--env-file`'s. Extensions' `syncEnvVars` hooks add theirs (and win on a name; not for dev).
   */
  syncVars?: Record<string, string>;
  logger?: BuildLogger;
  onProgress?: (event: DeployProgress) => void;
  /**
   * Stream the progress lines, the logger's (debug aside) and the error that stops the deploy to the deployment's
   * build log, which the dashboard shows live. Default: on, except for source "github": the App's build worker
   * streams its whole log (install, pre-build and these lines) to its GitHub build, which the deployment's log
   * view shows instead. Pass an object to tune the batching.
   */
  buildLog?: boolean | BuildLogStreamOptions;
  fetch?: typeof fetch;
}

export interface DeployResult extends DeploymentInfo {
  dryRun: false;
  artifactHash: string;
  artifactSize: number;
  build: BuildResult;
}

export interface DryRunResult {
  dryRun: true;
  artifactHash: string;
  artifactSize: number;
  build: BuildResult;
}

/**
 * Deploys a project: creates a deployment (BUILDING), bundles and indexes the tasks, uploads the artifact
 * and finalizes it (DEPLOYED, promoted unless skipPromotion). A build failure is recorded on the deployment
 * (with its file and line) and thrown as a BuildError; api errors (e.g. `version_mismatch`, naming both SDK
 * versions) are thrown as ApiRequestError.
 */
export function deploy(opts: DeployOptions & { dryRun: true }): Promise<DryRunResult>;
export function deploy(opts: DeployOptions & { dryRun?: false }): Promise<DeployResult>;
export function deploy(opts: DeployOptions): Promise<DeployResult | DryRunResult>;
export async function deploy(opts: DeployOptions): Promise<DeployResult | DryRunResult> {
  const client = new ApiClient({ apiUrl: opts.apiUrl, token: opts.accessToken, fetch: opts.fetch });
  const buildLog = buildLogOf(client, opts);
  const progress = (event: DeployProgress) => {
    opts.onProgress?.(event);
    buildLog?.line(event.message);
  };
  const logger: BuildLogger | undefined = buildLog
    ? {
        debug: (m) => opts.logger?.debug(m),
        log: (m) => (opts.logger?.log(m), buildLog.line(m)),
        warn: (m) => (opts.logger?.warn(m), buildLog.line(`warning: ${m}`)),
      }
    : opts.logger;
  const config = await loadConfig({ cwd: opts.cwd, configPath: opts.configPath, projectRef: opts.projectRef });
  progress({ step: "config", message: `Project ${config.project}, config ${config.configFile}` });
  const branch = opts.env === "preview" ? (opts.branch ?? detectBranch(config.rootDir, process.env)) : undefined;
  if (opts.env === "preview" && !branch) {
    throw new CliError("Deploying to preview needs a branch name and none could be detected from git: pass --branch <name>", "branch_required");
  }

  const runBuild = () =>
    buildProject({
      config,
      target: opts.env === "dev" ? "dev" : "deploy",
      logger,
      indexEnv: opts.indexEnv,
      onProgress: (event) => {
        if (event.step === "bundling") progress({ step: "bundling", message: `Bundling ${event.taskFiles} task file${event.taskFiles === 1 ? "" : "s"}` });
        else if (event.step === "indexing") progress({ step: "indexing", message: "Indexing tasks" });
        else progress({ step: "indexed", message: `Indexed ${event.tasks} task${event.tasks === 1 ? "" : "s"}`, tasks: event.tasks });
      },
    });

  if (opts.dryRun) {
    const build = await runBuild();
    const artifact = packArtifact(build.outDir, build.files, build.manifest);
    progress({ step: "built", message: `Dry run: build written to ${build.outDir} (${kb(artifact.size)}, artifact ${artifact.hash.slice(0, 12)})`, bytes: artifact.size });
    return { dryRun: true, artifactHash: artifact.hash, artifactSize: artifact.size, build };
  }

  progress({ step: "creating", message: `Creating a deployment in ${opts.env}${branch ? ` (branch ${branch})` : ""}` });
  const created = await client.json("POST", "/api/v1/deployments", DeploymentInfo, {
    projectRef: config.project,
    environment: opts.env,
    branch,
    sdkVersion: projectSdkVersion(config.rootDir),
    cliVersion: CLI_VERSION,
    git: { ...readGitMeta(config.rootDir), ...opts.git },
    source: opts.source ?? "cli",
  });
  buildLog?.attach(created.id);

  let build: BuildResult | undefined;
  try {
    build = await runBuild();
    // as the reference: syncEnvVars hooks do nothing for dev (gantry dev deploys on every change)
    const toSync = await collectSyncVars({ config, env: opts.env, branch, fileVars: opts.syncVars, processEnv: opts.indexEnv ?? process.env, hooks: opts.env !== "dev" });
    if (toSync.length) {
      const names = await pushSyncVars(client, config.project, opts.env, branch, toSync);
      const sources = [...new Set(toSync.map((v) => v.source))].join(", ");
      progress({ step: "syncing", message: `Synced ${names.length} environment variable${names.length === 1 ? "" : "s"} to ${opts.env}${branch ? ` (branch ${branch})` : ""} from ${sources}: ${names.join(", ")}` });
    }
    const artifact = packArtifact(build.outDir, build.files, build.manifest);
    progress({ step: "uploading", message: `Uploading ${kb(artifact.size)}`, bytes: artifact.size });
    await client.raw("PUT", `/api/v1/artifacts/${artifact.hash}`, artifact.bytes, "application/json");
    progress({ step: "deploying", message: `Deploying version ${created.version}` });
    // the log is complete up to here when the deployment turns final, so the dashboard's live view gets it all
    await buildLog?.flush();
    const finalized = await client.json("POST", `/api/v1/deployments/${encodeURIComponent(created.id)}/finalize`, DeploymentInfo, {
      artifactHash: artifact.hash,
      manifest: build.manifest,
      skipPromotion: opts.skipPromotion,
    });
    progress({
      step: "deployed",
      message: `Deployed version ${finalized.version} with ${build.manifest.tasks.length} task${build.manifest.tasks.length === 1 ? "" : "s"}${opts.skipPromotion ? " (not promoted)" : ""}`,
      version: finalized.version,
      tasks: build.manifest.tasks.length,
    });
    await buildLog?.close();
    if (!opts.keepBuild) rmSync(build.outDir, { recursive: true, force: true });
    return { ...finalized, dryRun: false, artifactHash: artifact.hash, artifactSize: artifact.size, build };
  } catch (error) {
    if (buildLog) {
      buildLog.line(errorLine(error));
      await buildLog.close();
    }
    await failDeployment(client, created.id, error);
    if (build && !opts.keepBuild) rmSync(build.outDir, { recursive: true, force: true });
    throw error;
  }
}

async function failDeployment(client: ApiClient, id: string, error: unknown): Promise<void> {
  const location = error instanceof BuildError ? error.location : undefined;
  try {
    await client.json("POST", `/api/v1/deployments/${encodeURIComponent(id)}/fail`, z.unknown(), {
      status: "FAILED",
      error: { message: (error as Error).message, stack: (error as Error).stack, file: location?.file, line: location?.line },
    });
  } catch {
    // The original error is what the user needs; a deployment left BUILDING times out on the api.
  }
}

function buildLogOf(client: ApiClient, opts: DeployOptions): BuildLogStream | undefined {
  if (opts.dryRun || (opts.buildLog ?? opts.source !== "github") === false) return undefined;
  return new BuildLogStream(client, typeof opts.buildLog === "object" ? opts.buildLog : {});
}

/** The error that stopped the deploy, as the CLI prints it (a build error with its file and line). */
function errorLine(error: unknown): string {
  const location = error instanceof BuildError ? error.location : undefined;
  const where = location ? `${location.file}:${location.line}${location.column ? `:${location.column}` : ""}: ` : "";
  return `error: ${where}${(error as Error)?.message ?? String(error)}`;
}

function kb(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}
