// Starts the whole platform for an end-to-end test file: an api on a fresh database and Redis prefix (the api's
// test harness), runners in this process or as child processes, and deploys of a fixture task project.
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { startTestApi, type TestApi } from "../../api/src/testing/harness.js";
import { loadRunnerConfig } from "../../runner/src/config.js";
import { startRunner } from "../../runner/src/index.js";
import { deploy } from "../../builder/src/deploy/deploy.js";

const ROOT = resolve(import.meta.dirname, "../..");

export interface Platform {
  api: TestApi;
  /** env for a runner talking to this api (token, Redis prefix, fast heartbeats) */
  runnerEnv(extra?: Record<string, string>): Record<string, string>;
  startRunner(extra?: Record<string, string>): Promise<{ id: string; close(): Promise<void> }>;
  spawnRunner(extra?: Record<string, string>): ChildProcess;
  /** copies a fixture project under test/.tmp (so it resolves the workspace's @gantry/sdk), edits it, deploys it */
  deployProject(options?: { fixture?: string; env?: "prod" | "staging"; edit?: (dir: string) => void; skipPromotion?: boolean }): Promise<{ version: string; id: string }>;
  close(): Promise<void>;
}

export async function startPlatform(options: { apiEnv?: Record<string, string> } = {}): Promise<Platform> {
  const api = await startTestApi({ env: options.apiEnv });
  const closers: Array<() => Promise<void>> = [];
  const children: ChildProcess[] = [];
  const tmpDirs: string[] = [];

  const runnerEnv = (extra: Record<string, string> = {}) => ({
    GANTRY_API_URL: api.url,
    GANTRY_RUNNER_TOKEN: api.seed.runnerToken,
    REDIS_URL: api.deps.config.REDIS_URL,
    GANTRY_REDIS_PREFIX: api.deps.config.GANTRY_REDIS_PREFIX,
    GANTRY_RUNNER_CACHE_DIR: join(ROOT, "test/.tmp", `runner-${randomBytes(4).toString("hex")}`),
    GANTRY_HEARTBEAT_INTERVAL_MS: "500",
    ...extra,
  });

  return {
    api,
    runnerEnv,
    async startRunner(extra) {
      const runner = await startRunner(loadRunnerConfig(runnerEnv(extra)));
      closers.push(() => runner.close());
      return runner;
    },
    spawnRunner(extra) {
      const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "runner/src/main.ts")], {
        env: { PATH: process.env.PATH ?? "", ...runnerEnv(extra) },
        stdio: ["ignore", "inherit", "inherit"],
      });
      children.push(child);
      return child;
    },
    async deployProject({ fixture = "e2e-project", env = "prod", edit, skipPromotion } = {}) {
      const dir = join(ROOT, "test/.tmp", `${fixture}-${randomBytes(4).toString("hex")}`);
      mkdirSync(dir, { recursive: true });
      cpSync(join(ROOT, "test/fixtures", fixture), dir, { recursive: true });
      tmpDirs.push(dir);
      edit?.(dir);
      const result = await deploy({ cwd: dir, apiUrl: api.url, accessToken: api.seed.accessToken, env, skipPromotion, onProgress: () => {} });
      return { version: result.version, id: result.id };
    },
    async close() {
      for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
      for (const close of closers.reverse()) await close().catch(() => {});
      await api.close();
      for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Replace text in a file of a copied fixture. */
export function editFile(path: string, from: string, to: string) {
  writeFileSync(path, readFileSync(path, "utf8").replace(from, to));
}

/** Polls until fn returns a value (not undefined), or throws after timeoutMs with the last seen state. */
export async function eventually<T>(fn: () => Promise<T | undefined>, { timeoutMs = 30_000, intervalMs = 100, what = "condition" } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}
