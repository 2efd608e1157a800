import { execFileSync } from "node:child_process";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { z } from "zod";

/** Start-up configuration problems: the message names the variable and the fix. */
export class RunnerConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RunnerConfigError";
  }
}

const Env = z.object({
  GANTRY_API_URL: z.string().url().default("http://localhost:3030"),
  GANTRY_RUNNER_TOKEN: z.string().min(1),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  GANTRY_REDIS_PREFIX: z.string().min(1).default("gantry"),
  GANTRY_RUNNER_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(200),
  GANTRY_RUNNER_CACHE_DIR: z.string().min(1).default(join(tmpdir(), "gantry-runner")),
  GANTRY_EXECUTOR: z.enum(["process", "docker"]).default("process"),
  GANTRY_RUNNER_ID: z.string().min(1).optional(),
  GANTRY_HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(50).default(5_000),
  /** How long a job's BullMQ lock lives without renewal: after a runner dies, its jobs are picked up this much later. */
  GANTRY_JOB_LOCK_MS: z.coerce.number().int().min(1_000).default(30_000),
  /** How long a canceled attempt may run its onCancel hooks before it is killed. */
  GANTRY_CANCEL_GRACE_MS: z.coerce.number().int().min(0).default(30_000),
  /** On SIGTERM/SIGINT, how long running attempts may take to finish before the runner exits anyway. */
  GANTRY_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(60_000),
  /** Processes kept spawned ahead per (version, machine preset). */
  GANTRY_WARM_PROCESSES: z.coerce.number().int().min(0).max(64).default(1),
  /**
   * With processKeepAlive: attempts one task process runs at once (they then share its fate and its event loop).
   * 100 by default: on small hosts a few shared processes beat one process per attempt by far (README).
   */
  GANTRY_ATTEMPTS_PER_PROCESS: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Run attempts as this unprivileged user (name), or by numeric ids. Only honoured when the runner is root. */
  GANTRY_RUNNER_USER: z.string().min(1).optional(),
  GANTRY_RUNNER_UID: z.coerce.number().int().min(0).optional(),
  GANTRY_RUNNER_GID: z.coerce.number().int().min(0).optional(),
  /** docker executor: image used when a version has no image of its own (the bundle is mounted read-only). */
  GANTRY_DOCKER_IMAGE: z.string().min(1).default("node:20-bookworm-slim"),
});

export type RunnerConfig = Readonly<{
  apiUrl: string;
  runnerToken: string;
  redisUrl: string;
  /** GANTRY_REDIS_PREFIX as given, e.g. "gantry". */
  redisPrefix: string;
  /** The BullMQ prefix, hash-tagged for Redis Cluster: "{gantry}". */
  queuePrefix: string;
  concurrency: number;
  cacheDir: string;
  executor: "process" | "docker";
  runnerId: string;
  heartbeatIntervalMs: number;
  jobLockMs: number;
  cancelGraceMs: number;
  shutdownGraceMs: number;
  warmProcesses: number;
  attemptsPerProcess: number;
  /** uid/gid to run attempts as, when configured. */
  runAs: { uid: number; gid: number } | undefined;
  dockerImage: string;
  /** The few variables of the runner's own environment an attempt may see (PATH, HOME, LANG, TZ). */
  childBaseEnv: Record<string, string>;
}>;

const FIXES: Record<string, string> = {
  GANTRY_RUNNER_TOKEN:
    "set GANTRY_RUNNER_TOKEN to a runner token (gr_runner_…): `npm start` prints one, or create one with `tsx api/src/admin/cli.ts runner-token create`",
  GANTRY_EXECUTOR: "set GANTRY_EXECUTOR to `process` or `docker`",
};

/** Parse the runner's environment once, at the edge. Throws RunnerConfigError naming the variable and the fix. */
export function loadRunnerConfig(env: Record<string, string | undefined> = process.env): RunnerConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    const fix = FIXES[name] ?? `set ${name} to a valid value`;
    const problem = env[name] === undefined ? "is required" : `is invalid (${issue.message})`;
    throw new RunnerConfigError(`${name} ${problem}: ${fix}`);
  }
  const e = parsed.data;
  return Object.freeze({
    apiUrl: e.GANTRY_API_URL.replace(/\/+$/, ""),
    runnerToken: e.GANTRY_RUNNER_TOKEN,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.GANTRY_REDIS_PREFIX,
    queuePrefix: `{${e.GANTRY_REDIS_PREFIX}}`,
    concurrency: e.GANTRY_RUNNER_CONCURRENCY,
    cacheDir: e.GANTRY_RUNNER_CACHE_DIR,
    executor: e.GANTRY_EXECUTOR,
    runnerId: e.GANTRY_RUNNER_ID ?? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`,
    heartbeatIntervalMs: e.GANTRY_HEARTBEAT_INTERVAL_MS,
    jobLockMs: e.GANTRY_JOB_LOCK_MS,
    cancelGraceMs: e.GANTRY_CANCEL_GRACE_MS,
    shutdownGraceMs: e.GANTRY_SHUTDOWN_GRACE_MS,
    warmProcesses: e.GANTRY_WARM_PROCESSES,
    attemptsPerProcess: e.GANTRY_ATTEMPTS_PER_PROCESS,
    runAs: resolveRunAs(e.GANTRY_RUNNER_USER, e.GANTRY_RUNNER_UID, e.GANTRY_RUNNER_GID),
    dockerImage: e.GANTRY_DOCKER_IMAGE,
    childBaseEnv: pickBaseEnv(env),
  });
}

function resolveRunAs(user: string | undefined, uid: number | undefined, gid: number | undefined) {
  if (uid !== undefined) return { uid, gid: gid ?? uid };
  if (user === undefined) return undefined;
  try {
    const id = (flag: string) => Number(execFileSync("id", [flag, user], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
    return { uid: id("-u"), gid: gid ?? id("-g") };
  } catch (cause) {
    throw new RunnerConfigError(
      `GANTRY_RUNNER_USER=${user} is not a user on this host: create it (e.g. \`useradd --system ${user}\`) or unset GANTRY_RUNNER_USER`,
      { cause },
    );
  }
}

/** Only what a Node process needs to behave normally; never the runner's secrets. */
export function pickBaseEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = { PATH: env.PATH ?? "/usr/local/bin:/usr/bin:/bin" };
  for (const name of ["HOME", "LANG", "TZ", "TMPDIR"]) {
    const value = env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
