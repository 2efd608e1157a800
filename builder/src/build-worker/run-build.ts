import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import type { BuildClaimResponse, BuildStatusBody } from "@gantry/sdk/contracts";
import { deploy } from "../deploy/deploy.js";
import type { BuildApi } from "./build-api.js";
import { detectInstallCommand, runCommand } from "./commands.js";
import { fetchSource } from "./fetch-source.js";
import { ensurePlatformSdk } from "./platform-sdk.js";
import { mergeRepoSettings } from "./repo-settings.js";

export interface RunBuildDeps {
  api: BuildApi;
  apiUrl: string;
  githubApiUrl: string;
  installationToken(installationId: number): Promise<string>;
  workDir: string;
  sdkDir: string;
  timeoutMs: number;
  /** this process's environment, the base of the commands' (PATH etc.) */
  baseEnv: Record<string, string | undefined>;
  fetch?: typeof fetch;
}

type Claimed = Extract<BuildClaimResponse, { outcome: "claimed" }>;

const LOG_FLUSH_MS = 2000;
const HEARTBEAT_MS = 30_000;

class BuildTimeout extends Error {
  override name = "BuildTimeout";
}

/** A relative path inside the unpacked commit (settings come from people; `..` must not leave the folder). */
function inside(root: string, relative: string | null | undefined): string {
  if (!relative) return root;
  const path = resolve(root, relative);
  if (path !== root && !path.startsWith(root + sep)) throw new Error(`rootDir ${relative} leaves the repository`);
  return path;
}

/**
 * Builds one claimed build: download the commit, install, pre-build, bundle and deploy with the builder's
 * `deploy` (which registers and, for prod/staging/preview, promotes the version). Reports BUILDING →
 * DEPLOYING → DEPLOYED | FAILED | TIMED_OUT to the api with the build log.
 */
export async function runBuild(deps: RunBuildDeps, claim: Claimed): Promise<BuildStatusBody["status"]> {
  const { build } = claim;
  let settings = claim.settings;
  const lines: string[] = [];
  let flushed = 0;
  const log = (line: string) => lines.push(line);
  const pending = () => {
    const text = lines.slice(flushed).join("\n");
    flushed = lines.length;
    return text ? `${text}\n` : "";
  };
  let current: BuildStatusBody["status"] = "BUILDING";
  const report = (body: BuildStatusBody) => {
    current = body.status;
    return deps.api.status(build.id, { ...body, logs: pending() });
  };
  // streams the log every couple of seconds; each flush also tells the api this build is alive (at least every
  // HEARTBEAT_MS even when a step prints nothing), so the api can tell a silent build from a dead worker
  let lastReport = Date.now();
  const streaming = setInterval(() => {
    if (lines.length === flushed && Date.now() - lastReport < HEARTBEAT_MS) return;
    lastReport = Date.now();
    void report({ status: current }).catch(() => undefined);
  }, LOG_FLUSH_MS);

  const dir = join(deps.workDir, build.id);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new BuildTimeout(`The build took longer than ${Math.round(deps.timeoutMs / 1000)}s (GANTRY_BUILD_TIMEOUT_MS)`)), deps.timeoutMs);
  const timedOut = new Promise<never>((_, reject) => controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true }));
  timedOut.catch(() => undefined);

  try {
    const work = (async () => {
      await mkdir(dir, { recursive: true });
      log(`Building ${build.repository}@${build.sha.slice(0, 7)} for ${build.environment}${build.branch ? ` (branch ${build.branch})` : ""}`);
      const token = await deps.installationToken(build.installationId);
      await fetchSource({ githubApiUrl: deps.githubApiUrl, repository: build.repository, sha: build.sha, token, dir: join(dir, "src"), fetch: deps.fetch });
      settings = mergeRepoSettings(join(dir, "src"), settings, log);
      const projectDir = inside(join(dir, "src"), settings.rootDir);
      const env: Record<string, string | undefined> = {
        ...deps.baseEnv,
        ...claim.buildEnv,
        CI: "true",
        GANTRY_BUILD: "1",
        ...(claim.buildEnv.GANTRY_BUILD_NPM_RC ? { NPM_CONFIG_USERCONFIG: join(dir, ".npmrc") } : {}),
      };
      if (claim.buildEnv.GANTRY_BUILD_NPM_RC) {
        await writeFile(join(dir, ".npmrc"), Buffer.from(claim.buildEnv.GANTRY_BUILD_NPM_RC, "base64"));
      }
      const install = settings.installCommand ?? detectInstallCommand(projectDir);
      if (install) await runCommand(install, { cwd: projectDir, env, log, signal: controller.signal });
      else log("No lockfile and no install command: skipping install");
      ensurePlatformSdk(projectDir, deps.sdkDir, log);
      if (settings.preBuildCommand) await runCommand(settings.preBuildCommand, { cwd: projectDir, env, log, signal: controller.signal });
      let deployingReported = false;
      const result = await deploy({
        cwd: projectDir,
        configPath: settings.configPath ?? undefined,
        apiUrl: deps.apiUrl,
        accessToken: claim.apiKey,
        env: build.environment,
        branch: build.branch ?? undefined,
        source: "github",
        git: {
          commitSha: build.sha,
          commitRef: build.gitRef.replace(/^refs\/heads\//, ""),
          commitMessage: build.commitMessage ?? undefined,
          remoteUrl: `https://github.com/${build.repository}`,
          provider: "github",
          dirty: false,
          ...(build.pullRequest ? { pullRequestNumber: build.pullRequest.number, pullRequestTitle: build.pullRequest.title, pullRequestUrl: build.pullRequest.url } : {}),
        },
        indexEnv: env,
        logger: { debug: () => {}, log, warn: (m) => log(`warning: ${m}`) },
        onProgress: (event) => {
          log(event.message);
          if (event.step === "uploading" && !deployingReported) {
            deployingReported = true;
            void report({ status: "DEPLOYING" }).catch(() => undefined);
          }
        },
        fetch: deps.fetch,
      });
      return result;
    })();
    const result = await Promise.race([work, timedOut]);
    await report({ status: "DEPLOYED", deploymentId: result.id, version: result.version, tasks: result.build.manifest.tasks.map((t) => t.id) });
    return "DEPLOYED";
  } catch (error) {
    const status = error instanceof BuildTimeout ? "TIMED_OUT" : "FAILED";
    const message = (error as Error).message ?? String(error);
    log(message);
    await report({ status, error: { message } });
    return status;
  } finally {
    clearInterval(streaming);
    clearTimeout(timer);
    if (!controller.signal.aborted) controller.abort(new Error("build finished"));
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
