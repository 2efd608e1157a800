import { fork, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { WorkerToParent, type ParentToWorker, type TaskRunExecution } from "../contracts/index.js";

export const FIXTURE_ENTRY = fileURLToPath(new URL("../../test/fixtures/worker-entry.ts", import.meta.url));

/**
 * Bundles the fixture entry the way the builder does (ESM, node20), so tests fork plain `node index.mjs`
 * as the runner would: faster than TypeScript through tsx, and closer to production.
 */
export async function buildFixtureBundle(entry = FIXTURE_ENTRY): Promise<{ file: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "gantry-sdk-worker-"));
  const file = join(dir, "index.mjs");
  await build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "silent",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A worker process forked over a real IPC channel, as the runner does (TypeScript through tsx). */
export interface WorkerProcess {
  child: ChildProcess;
  messages: WorkerToParent[];
  /** messages that do not match the WorkerToParent contract */
  invalid: unknown[];
  send(message: ParentToWorker): void;
  waitFor<T extends WorkerToParent>(predicate: (m: WorkerToParent) => m is T): Promise<T>;
  waitFor(predicate: (m: WorkerToParent) => boolean): Promise<WorkerToParent>;
  exited: Promise<number | null>;
  kill(): void;
}

export function forkWorker(mode: "index" | "execute", env: Record<string, string> = {}, entry = FIXTURE_ENTRY): WorkerProcess {
  const child = fork(entry, [], {
    execArgv: entry.endsWith(".ts") ? ["--import", "tsx"] : [],
    env: { ...process.env, ...env, GANTRY_WORKER_MODE: mode },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const messages: WorkerToParent[] = [];
  const invalid: unknown[] = [];
  const waiters: { predicate: (m: WorkerToParent) => boolean; resolve: (m: WorkerToParent) => void }[] = [];
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  child.on("message", (m: WorkerToParent) => {
    if (!WorkerToParent.safeParse(m).success) invalid.push(m);
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.predicate(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    messages,
    invalid,
    send: (message) => child.send(message),
    waitFor: ((predicate: (m: WorkerToParent) => boolean) => {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise<WorkerToParent>((resolve, reject) => {
        waiters.push({ predicate, resolve });
        void exited.then((code) => reject(new Error(`worker exited (${code}) before the expected message; stderr: ${stderr}`)));
      });
    }) as WorkerProcess["waitFor"],
    exited,
    kill: () => void child.kill("SIGKILL"),
  };
}

let counter = 0;

/** A TaskRunExecution as the runner would send it, for a task of the fixture bundle. */
export function makeExecution(taskId: string, payload: string | undefined, overrides: { attempt?: number; payloadType?: TaskRunExecution["run"]["payloadType"]; env?: Record<string, string>; maxAttempts?: number; apiUrl?: string } = {}): TaskRunExecution {
  const now = new Date();
  const runId = `run_test${++counter}_${Math.random().toString(36).slice(2, 8)}`;
  return {
    task: { id: taskId, filePath: "trigger/tasks.ts" },
    attempt: { id: `attempt_${counter}`, number: overrides.attempt ?? 1, startedAt: now, status: "EXECUTING" },
    run: {
      id: runId,
      ...(payload !== undefined ? { payload } : {}),
      payloadType: overrides.payloadType ?? "application/super+json",
      tags: ["t1"],
      isTest: false,
      createdAt: now,
      startedAt: now,
      version: "20260101.1",
      durationMs: 0,
      costInCents: 0,
      baseCostInCents: 0,
      depth: 0,
      ...(overrides.maxAttempts !== undefined ? { maxAttempts: overrides.maxAttempts } : {}),
    },
    queue: { id: "queue_1", name: `task/${taskId}` },
    environment: { id: "env_1", slug: "prod", type: "PRODUCTION" },
    organization: { id: "org_1", slug: "org", name: "Org" },
    project: { id: "project_1", ref: "proj_test", slug: "test", name: "Test" },
    deployment: { id: "dep_1", shortCode: "abc", version: "20260101.1", artifactHash: "0".repeat(64), entryPoint: "index.mjs", git: { commitSha: "deadbeef", authorName: "Ada" } },
    machine: { name: "small-1x", cpu: 0.5, memory: 0.5 },
    env: overrides.env ?? {},
    runToken: "run-token",
    apiUrl: overrides.apiUrl ?? "http://127.0.0.1:9",
  };
}
