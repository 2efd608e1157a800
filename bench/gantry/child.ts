import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChildMessage } from "./child-protocol.js";
import { registerCleanup } from "../lib/cleanup.js";
import { createFreshDatabase, databaseUrl, dropDatabase } from "../lib/pg-admin.js";
import { deleteRedisKeys } from "../lib/redis-cleanup.js";

export interface Child {
  name: string;
  pid: number;
  ready: Extract<ChildMessage, { type: "ready" }>;
  /** the last lines it wrote (for error reports) */
  tail(): string;
  stop(): Promise<void>;
}

/** Forks a bench child script under tsx and waits for its `ready` message. Output is kept, not printed. */
export async function startChild(
  name: string,
  script: string,
  env: Record<string, string>,
  opts: { timeoutMs?: number; execArgv?: string[] } = {},
): Promise<Child> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const child: ChildProcess = fork(fileURLToPath(new URL(script, import.meta.url)), [], {
    execArgv: ["--import", "tsx", ...(opts.execArgv ?? [])],
    cwd: fileURLToPath(new URL("../../", import.meta.url)),
    env: { ...pick(process.env, ["PATH", "HOME", "LANG", "TZ", "TMPDIR"]), ...env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const tail = () => lines.join("\n");
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const ready = await new Promise<Extract<ChildMessage, { type: "ready" }>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} was not ready within ${timeoutMs} ms:\n${tail()}`)), timeoutMs);
    child.on("message", (m: ChildMessage) => {
      if (m.type === "ready") {
        clearTimeout(timer);
        resolve(m);
      } else if (m.type === "error") {
        clearTimeout(timer);
        reject(new Error(`${name} failed to start: ${m.message}`));
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${signal ?? code}) before it was ready:\n${tail()}`));
    });
  }).catch(async (error: unknown) => {
    child.kill("SIGKILL");
    await exited;
    throw error;
  });

  return {
    name,
    pid: child.pid!,
    ready,
    tail,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      if (child.connected) child.send({ type: "shutdown" });
      else child.kill("SIGTERM");
      await exited;
      clearTimeout(timer);
    },
  };
}

function pick(env: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) if (env[n] !== undefined) out[n] = env[n]!;
  return out;
}

/** An api child process on a fresh database and Redis prefix, started the same way by every bench phase. */
export interface BenchApi {
  api: Child;
  url: string;
  seed: NonNullable<Child["ready"]["seed"]>;
  /** the fresh database's URL */
  dbUrl: string;
}

/**
 * Creates the database `dbName`, then forks `api-child.ts` on it with the Redis prefix `redisPrefix` (packages in
 * `tmp`, logs at warn, the API rate limit raised so the load generator is never refused), registering the
 * clean-ups (database, Redis keys, the process) in `stops`. `env` adds or overrides variables.
 */
export async function startBenchApi(p: {
  databaseUrl: string;
  redisUrl: string;
  dbName: string;
  redisPrefix: string;
  tmp: string;
  stops: Array<() => Promise<void>>;
  env?: Record<string, string>;
  execArgv?: string[];
}): Promise<BenchApi> {
  await createFreshDatabase(p.databaseUrl, p.dbName);
  p.stops.push(registerCleanup(`database ${p.dbName}`, () => dropDatabase(p.databaseUrl, p.dbName)));
  p.stops.push(registerCleanup(`Redis prefix ${p.redisPrefix}`, () => deleteRedisKeys(p.redisUrl, p.redisPrefix)));
  const dbUrl = databaseUrl(p.databaseUrl, p.dbName);
  const api = await startChild(
    "api",
    "./api-child.ts",
    {
      DATABASE_URL: dbUrl,
      REDIS_URL: p.redisUrl,
      PORT: "0",
      HOST: "127.0.0.1",
      GANTRY_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
      GANTRY_REDIS_PREFIX: p.redisPrefix,
      GANTRY_PACKAGES_DIR: join(p.tmp, "packages"),
      GANTRY_LOG_LEVEL: "warn",
      // a load generator is one client far above the reference's 1,500 requests/min: the limiter still runs, never refuses
      GANTRY_API_RATE_LIMIT_PER_MINUTE: "1000000000",
      ...p.env,
    },
    p.execArgv ? { execArgv: p.execArgv } : {},
  );
  p.stops.push(registerCleanup("api process", () => api.stop()));
  return { api, url: api.ready.url!, seed: api.ready.seed!, dbUrl };
}
