import { randomUUID } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ProjectInfo, type LogEvent, type TaskRunExecution } from "@gantry/sdk/contracts";
import { ProcessExecutor } from "@gantry/runner/executor";
import { loadConfig } from "../config/load-config.js";
import { deploy, type DeployResult } from "../deploy/deploy.js";
import { ApiClient } from "../deploy/api-client.js";
import { BuildError, CliError } from "../errors.js";
import { DevApi } from "./dev-api.js";
import { DevAttempts, type DevLogger } from "./dev-attempts.js";
import { unpackArtifact } from "./unpack-artifact.js";
import { watchProject } from "./watch-project.js";

export type { DevLogger };

export interface DevSessionOptions {
  cwd: string;
  configPath?: string;
  projectRef?: string;
  apiUrl: string;
  /** A personal access token of a project member. */
  accessToken: string;
  /** Variables from --env-file, given to every dev attempt (over the environment's own). */
  envVars?: Record<string, string>;
  logger: DevLogger;
  /** Rebuild and register a new dev version when files change (default true). */
  watch?: boolean;
  /** Long-poll duration of each claim (default 10 s). */
  claimWaitMs?: number;
  heartbeatIntervalMs?: number;
  /** Most runs executing at once (default 25, the reference's DEV_MAX_CONCURRENT_RUNS). */
  maxConcurrentRuns?: number;
  fetch?: typeof fetch;
}

export interface DevSession {
  /** The dev version currently registered. */
  readonly currentVersion: string;
  /** Rebuilds and registers a new dev version now (what a file change does). */
  redeploy(): Promise<string | undefined>;
  /** Stops claiming, cancels runs in progress, stops the worker processes. */
  close(): Promise<void>;
}

interface LocalBuild {
  dir: string;
  entryPoint: string;
}

/**
 * `gantry dev`: registers the local build as the member's dev version, rebuilds on change, claims that dev
 * environment's runs and executes them here with the runner's process executor, reporting heartbeats,
 * logs and results with the dev key, and printing each run with its dashboard link. A run that waits stays
 * suspended in its process and continues there when its wait is over (`dev-attempts.ts`).
 */
export async function startDevSession(opts: DevSessionOptions): Promise<DevSession> {
  const log = opts.logger;
  const config = await loadConfig({ cwd: opts.cwd, configPath: opts.configPath, projectRef: opts.projectRef });
  const apiUrl = opts.apiUrl.replace(/\/+$/, "");
  const pat = new ApiClient({ apiUrl, token: opts.accessToken, fetch: opts.fetch });
  const project = await pat.json("GET", `/api/v1/projects/${encodeURIComponent(config.project)}`, ProjectInfo);
  const devEnv = project.environments.find((e) => e.slug === "dev");
  if (!devEnv?.apiKey) {
    throw new CliError(`No dev environment key for ${config.project} is visible to you: ask a project admin to add you to the project`, "no_dev_env");
  }
  const runnerId = `dev-${randomUUID().slice(0, 8)}`;
  const api = new DevApi({ apiUrl, devKey: devEnv.apiKey, fetch: opts.fetch }, runnerId);
  // without processKeepAlive each run waiting here keeps its own process: a developer's machine holds 25 such
  // processes at most (past that the one waiting longest is stopped, and its run replays when it resumes)
  const executor = new ProcessExecutor({ apiUrl, warmProcesses: 1, cancelGraceMs: 10_000, maxSuspendedProcesses: 25, warn: (m) => log.warn(m) });
  const keepAlive = resolveKeepAlive(config.runtime.processKeepAlive);
  const builds = new Map<string, LocalBuild>();
  const pendingLogs: LogEvent[] = [];
  const controller = new AbortController();
  let closed = false;
  let currentVersion = "";
  let latestBuildDir: string | undefined;

  const deployDev = async (): Promise<DeployResult> => {
    const result = await deploy({
      cwd: opts.cwd,
      configPath: opts.configPath,
      projectRef: config.project,
      apiUrl,
      accessToken: opts.accessToken,
      env: "dev",
      keepBuild: true,
      source: "cli",
      indexEnv: { ...process.env, ...opts.envVars },
      fetch: opts.fetch,
      logger: { debug: log.debug, log: log.debug, warn: log.warn },
      onProgress: (event) => log.debug(event.message),
    });
    builds.set(result.artifactHash, { dir: result.build.outDir, entryPoint: result.build.entryPoint });
    latestBuildDir = result.build.outDir;
    currentVersion = result.version;
    log.log(`Dev version ${result.version} ready with ${result.build.manifest.tasks.length} task${result.build.manifest.tasks.length === 1 ? "" : "s"}: ${result.build.manifest.tasks.map((t) => t.id).join(", ")}`);
    pruneBuilds();
    return result;
  };

  /** Keeps the five newest builds plus any a run is using. */
  const pruneBuilds = () => {
    const entries = [...builds.entries()];
    for (const [hash, build] of entries.slice(0, Math.max(0, entries.length - 5))) {
      if (build.dir === latestBuildDir) continue;
      builds.delete(hash);
      rmSync(build.dir, { recursive: true, force: true });
    }
  };

  let deploying: Promise<string | undefined> = Promise.resolve(undefined);
  const redeploy = () => {
    deploying = deploying.then(async () => {
      if (closed) return undefined;
      try {
        return (await deployDev()).version;
      } catch (error) {
        const where = error instanceof BuildError && error.location ? `${error.location.file}:${error.location.line}: ` : "";
        log.error(`${where}${(error as Error).message}\n(keeping dev version ${currentVersion || "none"}; fix the error and save again)`);
        return undefined;
      }
    });
    return deploying;
  };

  try {
    await deployDev();
  } catch (error) {
    await executor.close();
    throw error;
  }
  const stopWatching = opts.watch === false ? () => {} : watchProject(config.rootDir, () => void redeploy());

  const buildFor = async (execution: TaskRunExecution): Promise<LocalBuild> => {
    const known = builds.get(execution.deployment.artifactHash);
    if (known && existsSync(known.dir)) return known;
    const dir = join(config.rootDir, ".gantry", "dev-artifacts", execution.deployment.artifactHash);
    if (!existsSync(join(dir, execution.deployment.entryPoint))) await unpackArtifact(await api.artifact(execution.deployment.artifactHash), execution.deployment.artifactHash, dir);
    const build = { dir, entryPoint: execution.deployment.entryPoint };
    builds.set(execution.deployment.artifactHash, build);
    return build;
  };

  const flushLogs = async () => {
    if (pendingLogs.length === 0) return;
    const batch = pendingLogs.splice(0, 5000);
    await api.logs(batch).catch((error: Error) => log.debug(`dropping ${batch.length} log events: ${error.message}`));
  };

  const attempts = new DevAttempts({
    api,
    executor,
    log,
    link: (runId) => `${apiUrl}/projects/${config.project}/runs/${runId}`,
    buildFor,
    keepAlive,
    ...(opts.envVars ? { envVars: opts.envVars } : {}),
    onLog: (event) => pendingLogs.push(event),
    flushLogs: () => flushLogs(),
  });

  const maxRuns = opts.maxConcurrentRuns ?? 25;
  const claimLoop = async () => {
    let failures = 0;
    while (!closed) {
      const free = maxRuns - attempts.runningCount;
      if (free <= 0) {
        await attempts.oneStops();
        continue;
      }
      try {
        const { results } = await api.claim(Math.min(free, 100), opts.claimWaitMs ?? 10_000, controller.signal, attempts.claimOptions());
        failures = 0;
        if (closed) return; // claimed as we stopped: their leases lapse and the api hands them out again
        for (const claimed of results) if (claimed.ok) attempts.take(claimed);
      } catch (error) {
        if (closed) return;
        failures++;
        log.warn(`claiming dev runs failed (${(error as Error).message}); retrying`);
        await sleep(Math.min(10_000, 250 * 2 ** failures), controller.signal);
      }
    }
  };
  const loop = claimLoop();

  const heartbeat = setInterval(() => {
    const beating = attempts.heartbeatAttempts();
    void flushLogs();
    if (beating.length === 0) return;
    api
      .heartbeat(beating)
      .then(({ cancel }) => attempts.stop(cancel))
      .catch((error: Error) => log.debug(`heartbeat failed: ${error.message}`));
  }, opts.heartbeatIntervalMs ?? 5_000);

  return {
    get currentVersion() {
      return currentVersion;
    },
    redeploy,
    async close() {
      if (closed) return;
      closed = true;
      controller.abort();
      stopWatching();
      clearInterval(heartbeat);
      // Stopping dev cancels the runs in progress (the reference's behaviour); waiting runs replay in a later session.
      await attempts.close();
      await flushLogs();
      await executor.close();
      await Promise.race([loop, sleep(opts.claimWaitMs ?? 10_000)]);
      await deploying;
    },
  };
}

function resolveKeepAlive(value: unknown): { enabled: boolean; maxExecutionsPerProcess?: number } {
  if (value === true) return { enabled: true };
  if (value && typeof value === "object") {
    const v = value as { enabled?: boolean; maxExecutionsPerProcess?: number };
    return { enabled: v.enabled ?? true, maxExecutionsPerProcess: v.maxExecutionsPerProcess };
  }
  return { enabled: false };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref?.();
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
