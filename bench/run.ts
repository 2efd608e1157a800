// `npm run bench [-- --quick] [--only parts]`: Gantry end to end against raw BullMQ, pg-boss and
// graphile-worker, measured in one run on this machine. Writes bench/results.json and bench/RESULTS.md.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
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

  const measured = buildResults({ quick: opts.quick, machine: describeMachine(), peers, gantry, github, problems });
  const results = opts.parts.length === 1 && opts.parts[0] === "github" ? mergeGitHubOnly(join(opts.outDir, "results.json"), measured) : measured;
  writeFileSync(join(opts.outDir, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(opts.outDir, "RESULTS.md"), renderMarkdown(results));
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
