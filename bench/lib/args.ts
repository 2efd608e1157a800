import { parseArgs } from "node:util";

export type Part = "bullmq" | "pgboss" | "graphile" | "gantry" | "github" | "batch" | "dashboard" | "fairness" | "realtime" | "waits";
export const PARTS: readonly Part[] = ["bullmq", "pgboss", "graphile", "gantry", "github", "batch"];
/** Parts that run only when named in --only (dashboard: a million runs take minutes to write). */
export const OPTIONAL_PARTS: readonly Part[] = ["dashboard", "fairness", "realtime", "waits"];

/** Sizes of every phase. All loops are bounded by these counts and durations. */
export interface BenchOptions {
  quick: boolean;
  parts: readonly Part[];
  databaseUrl: string;
  redisUrl: string;
  /** jobs per peer baseline */
  peerJobs: number;
  /** closed-loop peak: concurrent trigger requests in flight, and how long */
  closedConcurrency: number;
  closedMs: number;
  /** open-loop fixed rates (triggers/s) and how long each */
  openRates: readonly number[];
  openMs: number;
  /** how long to wait after a phase for the backlog to drain before measuring latency */
  drainMs: number;
  /** GANTRY_RUNNER_CONCURRENCY of the runner under test */
  runnerConcurrency: number;
  warmSamples: number;
  coldSamples: number;
  outDir: string;
  /** write V8 CPU profiles of the api and runner processes here (--profile) */
  profileDir?: string;
}

const USAGE = `npm run bench [-- --quick] [--only bullmq,pgboss,graphile,gantry,github,batch,dashboard,fairness,realtime]
  --quick   small sizes, finishes in under a minute
  dashboard (only with --only): GET /api/v1/runs with 1,000,000 runs in the database (100,000 with --quick)
  fairness (only with --only): the concurrency gate's Jain's index and overshoot (one key with 100× the backlog)
  realtime (only with --only): status change → subscriber latency with 1,000 open subscriptions, KB per subscription
  waits (only with --only): child-run round trip, resume after a token completes, processes and memory of 1,000 waiting runs
  --only    run only these parts (comma separated)
  --runner-concurrency N   GANTRY_RUNNER_CONCURRENCY of the runner under test (default 200, the runner's own default)
  --profile  write CPU profiles of the api and runner processes to bench/.tmp/profiles/ (open in Chrome DevTools)
Env: DATABASE_URL (a server the bench may create and drop databases on), REDIS_URL.`;

export function parseBenchArgs(argv: string[], env: Record<string, string | undefined>): BenchOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      out: { type: "string" },
      "runner-concurrency": { type: "string" },
      profile: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return "help";
  }
  const parts = values.only ? values.only.split(",").map((p) => p.trim()) : [...PARTS];
  for (const p of parts) {
    if (!PARTS.includes(p as Part) && !OPTIONAL_PARTS.includes(p as Part)) throw new Error(`--only: unknown part "${p}": use ${[...PARTS, ...OPTIONAL_PARTS].join(", ")}`);
  }
  const quick = values.quick ?? false;
  return {
    quick,
    parts: parts as Part[],
    databaseUrl: env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
    redisUrl: env.REDIS_URL ?? "redis://127.0.0.1:6379",
    peerJobs: quick ? 2_000 : 30_000,
    closedConcurrency: 64,
    closedMs: quick ? 3_000 : 15_000,
    openRates: [100, 1_000],
    openMs: quick ? 1_500 : 10_000,
    drainMs: quick ? 2_000 : 10_000,
    runnerConcurrency: positiveInt(values["runner-concurrency"] ?? "200", "--runner-concurrency"),
    warmSamples: quick ? 100 : 500,
    coldSamples: quick ? 3 : 15,
    outDir: values.out ?? new URL("./..", import.meta.url).pathname,
    profileDir: values.profile ? new URL("../.tmp/profiles/", import.meta.url).pathname : undefined,
  };
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got "${value}"`);
  return n;
}
