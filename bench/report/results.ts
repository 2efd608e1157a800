import type { GantryFigures } from "../gantry/e2e.js";
import { DEPLOY_TARGET_MS, type GitHubFigures } from "../github/figures.js";
import type { MachineInfo } from "../lib/machine.js";
import { round } from "../lib/stats.js";
import type { PeerResult } from "../peers/peer-result.js";

/** bench/results.json. Figures not measured in this run are null (JSON has no NaN). */
export interface Results {
  date: string;
  quick: boolean;
  machine: MachineInfo;
  e2e_runs_per_s: number;
  bullmq_jobs_per_s: number;
  pgboss_jobs_per_s: number;
  graphile_jobs_per_s: number;
  /** at 100 triggers/s, runs.created_at → attempt start */
  trigger_to_start_p50_ms: number;
  trigger_to_start_p99_ms: number;
  /** on a pre-spawned process that has not run anything yet (the default: a fresh process per run) */
  warm_start_p50_ms: number;
  /** on a process kept alive across runs (processKeepAlive) */
  warm_start_keepalive_p50_ms: number;
  cold_start_p50_ms: number;
  /** client round trip of POST /api/v1/tasks/noop/trigger at 1,000 triggers/s */
  trigger_api_p99_ms: number;
  api_peak_rss_mb: number;
  runner_peak_rss_mb: number;
  runner_workers_peak_rss_mb: number;
  bullmq_drain_jobs_per_s: number;
  trigger_to_start_at_1000_p50_ms: number;
  trigger_to_start_at_1000_p99_ms: number;
  /** issue 6: push webhook sent → the commit's deployment DEPLOYED (examples/, dependencies installed) */
  github_webhook_to_deployed_p50_ms: number;
  github_webhook_to_deployed_max_ms: number;
  /** the builder's deploy() on examples/ (what `gantry deploy` runs): call → DEPLOYED */
  cli_deploy_to_deployed_p50_ms: number;
  cli_deploy_to_deployed_max_ms: number;
  ratios: {
    e2e_vs_bullmq: number;
    e2e_vs_bullmq_drain: number;
    e2e_vs_pgboss: number;
    e2e_vs_graphile: number;
    pgboss_vs_bullmq: number;
    graphile_vs_bullmq: number;
  };
  targets: Record<string, { target: string; value: number; met: boolean | null }>;
  problems: string[];
  details: { peers: PeerResult[]; gantry: GantryFigures | null; github?: GitHubFigures | null };
}

export function buildResults(input: {
  quick: boolean;
  machine: MachineInfo;
  peers: PeerResult[];
  gantry: GantryFigures | null;
  github?: GitHubFigures | null;
  problems: string[];
}): Results {
  const peer = (name: string) => input.peers.find((p) => p.name === name);
  const g = input.gantry;
  const at = (rate: number) => g?.rates.find((r) => r.level === rate);
  const nan = Number.NaN;
  const e2e = g?.peak?.completedPerS ?? nan;
  const bullmq = peer("bullmq")?.jobsPerS ?? nan;
  const bullmqDrain = peer("bullmq")?.drainJobsPerS ?? nan;
  const pgboss = peer("pg-boss")?.jobsPerS ?? nan;
  const graphile = peer("graphile-worker")?.jobsPerS ?? nan;
  const t2s50 = at(100)?.triggerToStartMs.p50 ?? nan;
  const warm = g?.starts?.warmFresh.p50 ?? nan;
  const warmKeep = g?.starts?.warmKeepAlive.p50 ?? nan;
  const cold = g?.starts?.cold.p50 ?? nan;
  const gh = input.github;
  const ghP50 = gh?.webhookToDeployed.p50 ?? nan;
  const cliP50 = gh?.cliDeploy.p50 ?? nan;
  const check = (value: number, ok: (v: number) => boolean) => (Number.isFinite(value) ? ok(value) : null);
  return {
    date: new Date().toISOString(),
    quick: input.quick,
    machine: input.machine,
    e2e_runs_per_s: round(e2e, 0),
    bullmq_jobs_per_s: round(bullmq, 0),
    pgboss_jobs_per_s: round(pgboss, 0),
    graphile_jobs_per_s: round(graphile, 0),
    trigger_to_start_p50_ms: t2s50,
    trigger_to_start_p99_ms: at(100)?.triggerToStartMs.p99 ?? nan,
    warm_start_p50_ms: warm,
    warm_start_keepalive_p50_ms: warmKeep,
    cold_start_p50_ms: cold,
    trigger_api_p99_ms: at(1000)?.triggerApiMs.p99 ?? nan,
    api_peak_rss_mb: round(g?.rss?.apiPeakMb ?? nan, 1),
    runner_peak_rss_mb: round(g?.rss?.runnerPeakMb ?? nan, 1),
    runner_workers_peak_rss_mb: round(g?.rss?.runnerWorkersPeakMb ?? nan, 1),
    bullmq_drain_jobs_per_s: round(bullmqDrain, 0),
    trigger_to_start_at_1000_p50_ms: at(1000)?.triggerToStartMs.p50 ?? nan,
    trigger_to_start_at_1000_p99_ms: at(1000)?.triggerToStartMs.p99 ?? nan,
    github_webhook_to_deployed_p50_ms: ghP50,
    github_webhook_to_deployed_max_ms: gh?.webhookToDeployed.max ?? nan,
    cli_deploy_to_deployed_p50_ms: cliP50,
    cli_deploy_to_deployed_max_ms: gh?.cliDeploy.max ?? nan,
    ratios: {
      e2e_vs_bullmq: round(e2e / bullmq, 3),
      e2e_vs_bullmq_drain: round(e2e / bullmqDrain, 3),
      e2e_vs_pgboss: round(e2e / pgboss, 3),
      e2e_vs_graphile: round(e2e / graphile, 3),
      pgboss_vs_bullmq: round(pgboss / bullmq, 3),
      graphile_vs_bullmq: round(graphile / bullmq, 3),
    },
    targets: {
      e2e_runs_per_s: { target: "≥ 1,000 runs/s", value: round(e2e, 0), met: check(e2e, (v) => v >= 1000) },
      e2e_vs_bullmq: { target: "≥ 0.1 × raw BullMQ (same run)", value: round(e2e / bullmq, 3), met: check(e2e / bullmq, (v) => v >= 0.1) },
      trigger_to_start_p50_ms: { target: "< 20 ms at 100/s", value: t2s50, met: check(t2s50, (v) => v < 20) },
      warm_start_p50_ms: { target: "< 5 ms", value: warm, met: check(warm, (v) => v < 5) },
      warm_start_keepalive_p50_ms: { target: "< 5 ms", value: warmKeep, met: check(warmKeep, (v) => v < 5) },
      cold_start_p50_ms: { target: "< 300 ms", value: cold, met: check(cold, (v) => v < 300) },
      github_webhook_to_deployed_p50_ms: { target: "< 5 s (examples/)", value: ghP50, met: check(ghP50, (v) => v < DEPLOY_TARGET_MS) },
      cli_deploy_to_deployed_p50_ms: { target: "< 5 s (examples/)", value: cliP50, met: check(cliP50, (v) => v < DEPLOY_TARGET_MS) },
    },
    problems: [...input.problems, ...(g?.problems ?? []), ...(gh?.problems ?? [])],
    details: { peers: input.peers, gantry: g, github: gh ?? null },
  };
}
