// `npm run bench [-- --quick] [--only parts]`: Gantry end to end against raw BullMQ, pg-boss and
// graphile-worker, measured in one run on this machine. Writes bench/results.json and bench/RESULTS.md.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BatchFigures } from "./gantry/batch.js";
import { lastBatchFigures, printBatchSummary, writeBatchResults } from "./gantry/batch-report.js";
import type { DashboardFigures } from "./dashboard/runs-list.js";
import type { GantryFigures } from "./gantry/e2e.js";
import type { GitHubFigures } from "./github/figures.js";
import { runPendingCleanups } from "./lib/cleanup.js";
import { parseBenchArgs, type BenchOptions } from "./lib/args.js";
import { describeMachine } from "./lib/machine.js";
import type { PeerResult } from "./peers/peer-result.js";
import { renderMarkdown } from "./report/markdown.js";
import { buildResults, type Results } from "./report/results.js";

// --quick must finish in under a minute: phases that no longer fit in the budget are skipped, and say so.
const BUDGET_MS = { quick: 47_000, full: 12 * 60_000 };
const HARD_LIMIT_MS = { quick: 90_000, full: 15 * 60_000 };

/** Set once the bench is interrupted: the clean-ups in flight must finish before the process exits. */
let aborting: Promise<void> | undefined;

async function main(): Promise<number> {
  const opts = parseBenchArgs(process.argv.slice(2), process.env);
  if (opts === "help") return 0;
  const started = performance.now();
  // Every phase is bounded on its own; this is the backstop so the bench always stops by itself.
  const limitMs = HARD_LIMIT_MS[opts.quick ? "quick" : "full"];
  const abort = (why: string) => {
    if (aborting) return;
    console.error(`bench: ${why}: cleaning up and stopping`);
    aborting = runPendingCleanups().finally(() => process.exit(2));
  };
  setTimeout(() => abort(`still running after ${limitMs / 1000} s`), limitMs).unref();
  process.on("SIGINT", () => abort("interrupted"));
  process.on("SIGTERM", () => abort("terminated"));

  const log = (line: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
  const problems: string[] = [];
  const peers = await runPeers(opts, log, problems);
  let gantry: GantryFigures | null = null;
  if (opts.parts.includes("gantry")) {
    log("gantry end to end");
    try {
      const { benchGantry } = await import("./gantry/e2e.js");
      gantry = await benchGantry(opts, started + BUDGET_MS[opts.quick ? "quick" : "full"], log);
    } catch (error) {
      // e.g. a module of the api or runner not there yet: say which, keep the baselines
      problems.push(`gantry: could not load or run: ${(error as Error).message}`);
    }
  }

  let github: GitHubFigures | null = null;
  if (opts.parts.includes("github")) {
    log("github: push webhook → DEPLOYED and deploy() → DEPLOYED of examples/");
    try {
      const { benchGitHub } = await import("./github/e2e.js");
      // one sample in --quick (it must stay under a minute overall), several in a full run
      github = await benchGitHub({ quick: opts.quick, samples: opts.quick ? 1 : 5, deadline: started + (opts.quick ? 58_000 : HARD_LIMIT_MS.full - 60_000) }, log);
    } catch (error) {
      problems.push(`github: could not load or run: ${(error as Error).message}`);
    }
  }

  let batch: BatchFigures | null = null;
  if (opts.parts.includes("batch")) {
    log("batch: 1,000-item batches, Gantry against raw BullMQ addBulk");
    try {
      const { benchBatch } = await import("./gantry/batch.js");
      batch = await benchBatch(opts, started + BUDGET_MS[opts.quick ? "quick" : "full"], log);
    } catch (error) {
      problems.push(`batch: could not load or run: ${(error as Error).message}`);
    }
  }

  let dashboard: DashboardFigures | null = null;
  if (opts.parts.includes("dashboard")) {
    log("dashboard: runs list API with a million runs in the database");
    try {
      const { benchDashboard } = await import("./dashboard/runs-list.js");
      dashboard = await benchDashboard(opts, log);
    } catch (error) {
      problems.push(`dashboard: could not load or run: ${(error as Error).message}`);
    }
  }
  let fairness: import("./gantry/fairness.js").FairnessFigures | null = null;
  if (opts.parts.includes("fairness")) {
    log("fairness: the concurrency gate, one key with 100× the others' backlog");
    try {
      const { benchFairness } = await import("./gantry/fairness.js");
      fairness = await benchFairness(opts, log);
    } catch (error) {
      problems.push(`fairness: could not load or run: ${(error as Error).message}`);
    }
  }
  let realtime: import("./realtime/phase.js").RealtimeFigures | null = null;
  if (opts.parts.includes("realtime")) {
    log("realtime: status change → subscriber latency with 1,000 open subscriptions");
    try {
      const { benchRealtime } = await import("./realtime/phase.js");
      realtime = await benchRealtime({ databaseUrl: opts.databaseUrl, redisUrl: opts.redisUrl, subscriptions: 1_000, changes: opts.quick ? 100 : 300 }, log);
      log(`  p50 ${realtime.latencyMs.p50} ms, p99 ${realtime.latencyMs.p99} ms, ${realtime.kbPerSubscription} KB per subscription`);
    } catch (error) {
      problems.push(`realtime: could not load or run: ${(error as Error).message}`);
    }
  }
  let waits: import("./gantry/waits.js").WaitsFigures | null = null;
  if (opts.parts.includes("waits")) {
    log("waits: child-run round trip, token resume, 1,000 waiting runs");
    try {
      const { benchWaits } = await import("./gantry/waits.js");
      waits = await benchWaits(opts, log);
    } catch (error) {
      problems.push(`waits: could not load or run: ${(error as Error).message}`);
    }
  }
  if (opts.parts.length === 1 && opts.parts[0] === "waits") {
    // only the waits figures change: results.json and RESULTS.md keep the other phases'
    const { writeWaitsResults } = await import("./gantry/waits-report.js");
    writeWaitsResults(opts.outDir, waits);
    log(`wrote the waits figures into ${join(opts.outDir, "results.json")} and RESULTS.md`);
    return problems.length > 0 || (waits?.problems.length ?? 0) > 0 ? 1 : 0;
  }
  if (opts.parts.length === 1 && opts.parts[0] === "realtime") {
    // only the realtime figures change: results.json and RESULTS.md keep the other phases'
    const { writeRealtimeResults } = await import("./realtime/report.js");
    if (realtime) writeRealtimeResults(opts.outDir, realtime, opts.quick);
    log(realtime ? `wrote the realtime figures into ${join(opts.outDir, "results.json")} and RESULTS.md` : `realtime: ${problems.join("; ")}`);
    return problems.length > 0 || (realtime?.problems.length ?? 0) > 0 ? 1 : 0;
  }
  if (opts.parts.length === 1 && opts.parts[0] === "fairness") {
    // only the fairness figures change: results.json and RESULTS.md keep the other phases'
    const { writeFairnessResults } = await import("./gantry/fairness-report.js");
    writeFairnessResults(opts.outDir, fairness);
    log(`wrote the fairness figures into ${join(opts.outDir, "results.json")} and RESULTS.md`);
    return problems.length > 0 || (fairness?.problems.length ?? 0) > 0 ? 1 : 0;
  }

  if (opts.parts.length === 1 && opts.parts[0] === "batch") {
    // only the batch figures change: results.json and RESULTS.md keep the other phases'
    writeBatchResults(opts.outDir, batch);
    log(`wrote the batch figures into ${join(opts.outDir, "results.json")} and RESULTS.md`);
    printBatchSummary(batch);
    return problems.length > 0 || (batch?.problems.length ?? 0) > 0 ? 1 : 0;
  }
  if (opts.parts.length === 1 && opts.parts[0] === "dashboard") {
    // only the dashboard figures change: results.json and RESULTS.md keep the other phases' from the run that wrote them
    const { writeDashboardResults } = await import("./dashboard/report.js");
    writeDashboardResults(opts.outDir, dashboard, problems);
    log(`wrote the dashboard figures into ${join(opts.outDir, "results.json")} and RESULTS.md`);
    return problems.length > 0 ? 1 : 0;
  }

  // the dashboard figures (bench/dashboard) survive runs that do not measure them
  const restoreDashboard = (await import("./dashboard/report.js")).keepDashboardResults(opts.outDir, dashboard);
  // the batch figures (bench/gantry/batch.ts) survive runs that do not measure them
  const lastBatch = lastBatchFigures(opts.outDir);
  // the optional phases' stored figures (each writer below re-renders its section from them when this run did
  // not measure it): read before results.json is rewritten
  const carried = storedSections(opts.outDir, ["fairness", "waits", "realtime"]);
  const measured = buildResults({ quick: opts.quick, machine: describeMachine(), peers, gantry, github, problems });
  const results = opts.parts.length === 1 && opts.parts[0] === "github" ? mergeGitHubOnly(join(opts.outDir, "results.json"), measured) : measured;
  writeFileSync(join(opts.outDir, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(opts.outDir, "RESULTS.md"), renderMarkdown(results));
  restoreDashboard();
  carryOver(opts.outDir, carried);
  writeBatchResults(opts.outDir, batch, lastBatch);
  // the fairness figures (bench/gantry/fairness.ts) likewise survive runs that do not measure them
  (await import("./gantry/fairness-report.js")).writeFairnessResults(opts.outDir, fairness);
  // and the waits figures (bench/gantry/waits.ts)
  (await import("./gantry/waits-report.js")).writeWaitsResults(opts.outDir, waits);
  // and the realtime figures (bench/realtime)
  (await import("./realtime/report.js")).writeRealtimeResults(opts.outDir, realtime, opts.quick);
  log(`wrote ${join(opts.outDir, "results.json")} and RESULTS.md`);
  if (opts.profileDir) log(`CPU profiles of the api and runner in ${opts.profileDir} (open them in Chrome DevTools)`);
  printSummary(results);
  return 0;
}

async function runPeers(opts: BenchOptions, log: (line: string) => void, problems: string[]): Promise<PeerResult[]> {
  const tag = `${process.pid}`;
  const peers: PeerResult[] = [];
  const attempt = async (name: string, fn: () => Promise<PeerResult>) => {
    log(`${name}: ${opts.peerJobs.toLocaleString("en-US")} no-op jobs`);
    try {
      const r = await fn();
      peers.push(r);
      log(`  ${Math.round(r.jobsPerS).toLocaleString("en-US")} jobs/s`);
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
      log(`  failed: ${(error as Error).message}`);
    }
  };
  if (opts.parts.includes("bullmq")) {
    const { benchBullmq } = await import("./peers/bullmq.js");
    await attempt("bullmq", () => benchBullmq({ redisUrl: opts.redisUrl, prefix: `gantry-bench-bullmq-${tag}`, jobs: opts.peerJobs }));
  }
  if (opts.parts.includes("pgboss")) {
    const { benchPgBoss } = await import("./peers/pgboss.js");
    await attempt("pg-boss", () => benchPgBoss({ baseDatabaseUrl: opts.databaseUrl, dbName: `gantry_bench_pgboss_${tag}`, jobs: opts.peerJobs }));
  }
  if (opts.parts.includes("graphile")) {
    const { benchGraphile } = await import("./peers/graphile.js");
    await attempt("graphile-worker", () => benchGraphile({ baseDatabaseUrl: opts.databaseUrl, dbName: `gantry_bench_graphile_${tag}`, jobs: opts.peerJobs }));
  }
  return peers;
}

/**
 * `--only github` updates the github figures of the existing results.json (and RESULTS.md) and keeps the
 * other phases' figures from the run that wrote it.
 */
function mergeGitHubOnly(path: string, measured: Results): Results {
  if (!existsSync(path)) return measured;
  const previous = JSON.parse(readFileSync(path, "utf8")) as Results;
  const keys = ["github_webhook_to_deployed_p50_ms", "github_webhook_to_deployed_max_ms", "cli_deploy_to_deployed_p50_ms", "cli_deploy_to_deployed_max_ms"] as const;
  const merged: Results = { ...previous, targets: { ...previous.targets }, details: { ...previous.details, github: measured.details.github ?? null } };
  for (const k of keys) merged[k] = measured[k];
  for (const k of ["github_webhook_to_deployed_p50_ms", "cli_deploy_to_deployed_p50_ms"]) merged.targets[k] = measured.targets[k]!;
  merged.problems = [...(previous.problems ?? []).filter((p) => !p.startsWith("github")), ...measured.problems];
  return merged;
}

function printSummary(r: ReturnType<typeof buildResults>): void {
  const rows: Array<[string, number | null, string]> = [
    ["e2e_runs_per_s", r.e2e_runs_per_s, "runs/s"],
    ["bullmq_jobs_per_s", r.bullmq_jobs_per_s, "jobs/s"],
    ["pgboss_jobs_per_s", r.pgboss_jobs_per_s, "jobs/s"],
    ["graphile_jobs_per_s", r.graphile_jobs_per_s, "jobs/s"],
    ["e2e / bullmq", r.ratios.e2e_vs_bullmq, "×"],
    ["trigger_to_start_p50_ms (100/s)", r.trigger_to_start_p50_ms, "ms"],
    ["trigger_to_start_p99_ms (100/s)", r.trigger_to_start_p99_ms, "ms"],
    ["warm_start_p50_ms (fresh process)", r.warm_start_p50_ms, "ms"],
    ["warm_start_keepalive_p50_ms", r.warm_start_keepalive_p50_ms, "ms"],
    ["cold_start_p50_ms", r.cold_start_p50_ms, "ms"],
    ["trigger_api_p99_ms (1,000/s)", r.trigger_api_p99_ms, "ms"],
    ["api_peak_rss_mb", r.api_peak_rss_mb, "MB"],
    ["runner_peak_rss_mb", r.runner_peak_rss_mb, "MB"],
    ["github_webhook_to_deployed_p50_ms", r.github_webhook_to_deployed_p50_ms, "ms"],
    ["cli_deploy_to_deployed_p50_ms", r.cli_deploy_to_deployed_p50_ms, "ms"],
  ];
  console.log("");
  for (const [name, value, unit] of rows) {
    console.log(`  ${name.padEnd(36)} ${value === null || !Number.isFinite(value) ? "not measured" : `${value} ${unit}`}`);
  }
  if (r.problems.length > 0) {
    console.log("\nCould not run:");
    for (const p of r.problems) console.log(`  - ${p}`);
  }
}

main().then(
  async (code) => {
    await aborting;
    process.exit(code);
  },
  async (error: unknown) => {
    console.error(error);
    await runPendingCleanups();
    await aborting;
    process.exit(1);
  },
);

/** The named top-level sections of the last results.json (absent ones left out). */
function storedSections(outDir: string, keys: string[]): Record<string, unknown> {
  const path = join(outDir, "results.json");
  if (!existsSync(path)) return {};
  try {
    const previous = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    return Object.fromEntries(keys.filter((k) => previous[k] !== undefined && previous[k] !== null).map((k) => [k, previous[k]]));
  } catch {
    return {};
  }
}

/** Puts sections read by `storedSections` back into the freshly written results.json. */
function carryOver(outDir: string, sections: Record<string, unknown>): void {
  if (Object.keys(sections).length === 0) return;
  const path = join(outDir, "results.json");
  const fresh = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  writeFileSync(path, `${JSON.stringify({ ...sections, ...fresh }, null, 2)}\n`);
}
