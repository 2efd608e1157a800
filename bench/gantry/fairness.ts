import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { deploy } from "../../builder/src/deploy/deploy.js";
import type { BenchOptions } from "../lib/args.js";
import { registerCleanup } from "../lib/cleanup.js";
import { round } from "../lib/stats.js";
import { startBenchApi, startChild } from "./child.js";
import { maxOverlap } from "../../test/helpers/overlap.js";

const FIXTURE_DIR = fileURLToPath(new URL("./fairness-project/", import.meta.url));
const QUEUE = "bench-tenants";
/** The fixture's limits (fairness-project/src/trigger/fair.ts) and the environment's, set here. */
const KEY_LIMIT = 10;
const QUEUE_TOTAL = 20;
const ENV_BASE = 20;
const BURST = 2;
const KEYS = 20;

export interface FairnessFigures {
  problems: string[];
  setup: string[];
  runs: number;
  keys: number;
  floodRuns: number;
  otherRunsPerKey: number;
  /** Jain's index of per-key throughput while every key had work queued (1 = perfectly even) */
  jainIndex: number;
  /** that window, seconds from the resume */
  windowS: number;
  /** runs started per key in the window: the flood key and the others (min, max) */
  floodStarts: number;
  otherStarts: { min: number; max: number };
  /** most runs observed at once (the tasks' own clocks), and the limit: per key, the queue, the environment */
  observed: { key: number; queue: number; environment: number };
  limits: { key: number; queue: number; environment: number };
  /** sum over the three of max(0, observed − limit): target 0 */
  overshoot: number;
  runsPerS: number;
}

/**
 * Fairness and concurrency overshoot of the gate: a queue with per-key limit 10 and a total cap of 20, 20
 * tenants (concurrency keys), one with 100× the others' backlog. The queue is paused while the backlog is
 * triggered, then resumed; the tasks report when they ran. Jain's index is taken over the per-key start rates
 * in the window where every key still had runs queued; overshoot from the intervals' maximum overlap.
 */
export async function benchFairness(opts: BenchOptions, log: (line: string) => void): Promise<FairnessFigures> {
  const otherRunsPerKey = opts.quick ? 5 : 20;
  const floodRuns = otherRunsPerKey * 100;
  const figures: FairnessFigures = {
    problems: [],
    setup: [],
    runs: floodRuns + otherRunsPerKey * (KEYS - 1),
    keys: KEYS,
    floodRuns,
    otherRunsPerKey,
    jainIndex: Number.NaN,
    windowS: Number.NaN,
    floodStarts: 0,
    otherStarts: { min: 0, max: 0 },
    observed: { key: 0, queue: 0, environment: 0 },
    limits: { key: KEY_LIMIT, queue: QUEUE_TOTAL, environment: ENV_BASE * BURST },
    overshoot: Number.NaN,
    runsPerS: Number.NaN,
  };
  const tag = `${process.pid}_${randomBytes(2).toString("hex")}`;
  const dbName = `gantry_bench_fair_${tag}`;
  const redisPrefix = `gantry-bench-fair-${tag}`;
  const tmp = mkdtempSync(join(tmpdir(), "gantry-bench-fair-"));
  const stops: Array<() => Promise<void>> = [];
  stops.push(registerCleanup("temporary folder", async () => rmSync(tmp, { recursive: true, force: true })));
  stops.push(registerCleanup("build folder", async () => rmSync(join(FIXTURE_DIR, ".gantry"), { recursive: true, force: true })));
  try {
    const { url, seed, dbUrl } = await startBenchApi({ databaseUrl: opts.databaseUrl, redisUrl: opts.redisUrl, dbName, redisPrefix, tmp, stops });
    log(`fairness: deploying the fairness project; ${figures.runs.toLocaleString("en-US")} runs on ${KEYS} keys, one with ${floodRuns.toLocaleString("en-US")}`);
    await deploy({ cwd: FIXTURE_DIR, apiUrl: url, accessToken: seed.accessToken, env: "prod", projectRef: seed.projectRef });
    const pool = new pg.Pool({ connectionString: dbUrl, max: 2 });
    pool.on("error", () => {});
    stops.push(async () => pool.end());
    const envId = seed.environments.prod.id;
    await pool.query("update environments set concurrency_limit = $1, concurrency_burst_factor = $2 where id = $3", [ENV_BASE, BURST, envId]);
    const headers = { authorization: `Bearer ${seed.environments.prod.apiKey}`, "content-type": "application/json" };
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${url}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    };
    // the limits just changed in Postgres: pausing rewrites the gate's copy of them at once
    await post(`/api/v1/queues/${QUEUE}/pause`, { type: "custom", action: "pause" });

    const items: string[] = [];
    for (let i = 0; i < floodRuns; i++) items.push("tenant-0");
    for (let k = 1; k < KEYS; k++) for (let i = 0; i < otherRunsPerKey; i++) items.push(`tenant-${k}`);
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < items.length) {
          const key = items[next++]!;
          await post(`/api/v1/tasks/fair/trigger`, { payload: { ms: 5 + Math.floor(Math.random() * 20) }, options: { concurrencyKey: key } });
        }
      }),
    );

    const runner = await startChild("runner", "./runner-child.ts", {
      GANTRY_API_URL: url,
      GANTRY_RUNNER_TOKEN: seed.runnerToken,
      REDIS_URL: opts.redisUrl,
      GANTRY_REDIS_PREFIX: redisPrefix,
      GANTRY_RUNNER_CACHE_DIR: join(tmp, "runner-cache"),
      GANTRY_EXECUTOR: "process",
      GANTRY_RUNNER_CONCURRENCY: "100",
      GANTRY_SHUTDOWN_GRACE_MS: "3000",
    });
    stops.push(registerCleanup("runner process", () => runner.stop()));
    const resumedAt = performance.timeOrigin + performance.now();
    await post(`/api/v1/queues/${QUEUE}/pause`, { type: "custom", action: "resume" });
    const deadline = performance.now() + (opts.quick ? 90_000 : 300_000);
    for (;;) {
      const { rows } = await pool.query<{ n: number }>(
        "select count(*)::int as n from runs where environment_id = $1 and status = 'COMPLETED'",
        [envId],
      );
      if (rows[0]!.n >= figures.runs) break;
      if (performance.now() > deadline) throw new Error(`only ${rows[0]!.n} of ${figures.runs} runs completed in time`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const finishedAt = performance.timeOrigin + performance.now();
    const { rows } = await pool.query<{ concurrency_key: string; output: string }>(
      "select concurrency_key, output from runs where environment_id = $1 and status = 'COMPLETED'",
      [envId],
    );
    const spans = rows.map((r) => {
      const parsed = JSON.parse(r.output) as { start: number; end: number } | { json: { start: number; end: number } };
      const out = "json" in parsed ? parsed.json : parsed;
      return { key: r.concurrency_key, start: out.start, end: out.end };
    });
    Object.assign(figures, measure(spans, resumedAt));
    figures.runsPerS = round(figures.runs / ((finishedAt - resumedAt) / 1000), 0);
    figures.setup.push(
      `api and one runner as child processes (fresh database); queue ${QUEUE}: concurrencyLimit ${KEY_LIMIT} per key, totalConcurrencyLimit ${QUEUE_TOTAL}; environment base ${ENV_BASE} × burst ${BURST}`,
      `${KEYS} concurrency keys: tenant-0 has ${floodRuns} runs (100× each other key's ${otherRunsPerKey}); tasks sleep 5–25 ms (random) and report their start and end; the queue is paused while all runs are triggered, then resumed`,
      `Jain's index over each key's starts per second in the window from the resume until the first key ran out of queued runs; overshoot from the maximum overlap of the tasks' own intervals`,
    );
    log(`  Jain's index ${figures.jainIndex} (target ≥ 0.9); overshoot ${figures.overshoot} (target 0); ${figures.runsPerS} runs/s`);
  } catch (error) {
    figures.problems.push(`fairness: ${(error as Error).message}`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch((e: Error) => figures.problems.push(`fairness cleanup: ${e.message}`));
  }
  return figures;
}

type Span = { key: string; start: number; end: number };

/** Sets an environment's base concurrency limit in the database (the api's gate reads it within seconds). */
export async function setEnvironmentConcurrency(dbUrl: string, environmentId: string, limit: number): Promise<void> {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    await client.query("update environments set concurrency_limit = $1 where id = $2", [limit, environmentId]);
  } finally {
    await client.end();
  }
}

/** Jain's index, starts per key in the fair window, observed concurrency and overshoot. */
export function measure(spans: Span[], resumedAt: number): Pick<FairnessFigures, "jainIndex" | "windowS" | "floodStarts" | "otherStarts" | "observed" | "overshoot"> {
  const byKey = new Map<string, Span[]>();
  for (const s of spans) byKey.set(s.key, [...(byKey.get(s.key) ?? []), s]);
  // every key has runs queued until its last run starts: the window ends when the first key runs out
  const windowEnd = Math.min(...[...byKey.values()].map((ss) => Math.max(...ss.map((s) => s.start))));
  const windowS = (windowEnd - resumedAt) / 1000;
  const starts = [...byKey.entries()].map(([key, ss]) => ({ key, n: ss.filter((s) => s.start <= windowEnd).length }));
  const rates = starts.map((s) => s.n / windowS);
  const sum = rates.reduce((a, b) => a + b, 0);
  const squares = rates.reduce((a, b) => a + b * b, 0);
  const jainIndex = round((sum * sum) / (rates.length * squares), 3);
  const others = starts.filter((s) => s.key !== "tenant-0").map((s) => s.n);
  const observed = {
    key: Math.max(...[...byKey.values()].map(maxOverlap)),
    queue: maxOverlap(spans),
    environment: maxOverlap(spans),
  };
  const overshoot =
    Math.max(0, observed.key - KEY_LIMIT) + Math.max(0, observed.queue - QUEUE_TOTAL) + Math.max(0, observed.environment - ENV_BASE * BURST);
  return {
    jainIndex,
    windowS: round(windowS, 2),
    floodStarts: starts.find((s) => s.key === "tenant-0")?.n ?? 0,
    otherStarts: { min: Math.min(...others), max: Math.max(...others) },
    observed,
    overshoot,
  };
}

