import type { PhaseFigures } from "../gantry/phase.js";
import type { Results } from "./results.js";

const f = (v: number | null | undefined, digits = 1) =>
  v === null || v === undefined || !Number.isFinite(v) ? "n/a" : v.toLocaleString("en-US", { maximumFractionDigits: digits });
const verdict = (met: boolean | null) => (met === null ? "not measured" : met ? "met" : "**missed**");

/** bench/RESULTS.md, written from the same figures as results.json. */
export function renderMarkdown(r: Results): string {
  const g = r.details.gantry;
  const out: string[] = [];
  out.push("# Gantry benchmark results", "");
  out.push(
    `Written by \`npm run bench${r.quick ? " -- --quick" : ""}\` on ${r.date} (${r.quick ? "**quick** mode: short windows, small samples — indicative only" : "full mode"}).`,
    `Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGb} GB, Node ${r.machine.node}, ${r.machine.platform}. ` +
      "Everything — Postgres, Redis, the api, the runner, its task processes and the load generator — shares this machine. " +
      "Absolute figures drift between runs; the ratios against baselines measured in the same run are what to compare.",
    "",
  );
  const load = r.machine.loadAverage;
  if (Math.max(load.start, load.end) > r.machine.cpus * 1.5) {
    out.push(
      `> **The machine was busy with other work**: 1-minute load average ${load.start} at the start and ${load.end} at the end, on ${r.machine.cpus} CPUs. Every figure below is depressed by that contention, the baselines included; rerun on an idle machine before reading absolute numbers.`,
      "",
    );
  } else {
    out.push(`Load average ${load.start} at the start, ${load.end} at the end (${r.machine.cpus} CPUs).`, "");
  }
  if (g?.setup.length) out.push(...g.setup.map((s) => `- ${s}`), "");

  out.push("## Figures against the targets", "", "| figure | value | target | |", "|---|---|---|---|");
  const unit: Record<string, string> = { e2e_runs_per_s: " runs/s", e2e_vs_bullmq: "×" };
  for (const [name, t] of Object.entries(r.targets)) out.push(`| ${name} | ${f(t.value, 2)}${unit[name] ?? " ms"} | ${t.target} | ${verdict(t.met)} |`);
  out.push(
    `| trigger_to_start_p99_ms (100/s) | ${f(r.trigger_to_start_p99_ms)} ms | | |`,
    `| trigger→start at 1,000/s p50 / p99 | ${f(r.trigger_to_start_at_1000_p50_ms)} / ${f(r.trigger_to_start_at_1000_p99_ms)} ms | | |`,
    `| trigger_api_p99_ms (client side, 1,000/s) | ${f(r.trigger_api_p99_ms)} ms | | |`,
    `| api_peak_rss_mb | ${f(r.api_peak_rss_mb)} MB | | |`,
    `| runner_peak_rss_mb (supervisor; its task processes together peaked at ${f(r.runner_workers_peak_rss_mb)} MB) | ${f(r.runner_peak_rss_mb)} MB | | |`,
    "",
  );

  out.push("## Throughput against the baselines (same run, same machine)", "", "| system | no-op jobs/s | ratio to raw BullMQ | how |", "|---|---|---|---|");
  const bull = r.bullmq_jobs_per_s;
  out.push(`| **Gantry end to end** (HTTP trigger → COMPLETED in Postgres) | ${f(r.e2e_runs_per_s, 0)} | ${f(r.ratios.e2e_vs_bullmq, 3)} | closed loop, ${g?.peak?.level ?? "?"} triggers in flight; completions counted by completed_at inside the window |`);
  for (const p of r.details.peers) out.push(`| ${p.name} | ${f(p.jobsPerS, 0)} | ${f(p.jobsPerS / bull, 3)} | ${p.setup} |`);
  if (Number.isFinite(r.bullmq_drain_jobs_per_s)) out.push(`| bullmq, processing a backlog added first | ${f(r.bullmq_drain_jobs_per_s, 0)} | ${f(r.bullmq_drain_jobs_per_s / bull, 3)} | worker alone (Gantry's ratio to it: ${f(r.ratios.e2e_vs_bullmq_drain, 3)}) |`);
  out.push("");

  if (g && (g.rates.length > 0 || g.peak)) {
    out.push(
      "## Gantry load phases",
      "",
      "| load | window | backlog before | triggers/s accepted | completed/s in window | backlog at end → after drain | trigger API p50 / p99 | trigger→start p50 / p99 | send→start p50 / p99 | errors | seq_tup_read runs / attempts |",
      "|---|---|---|---|---|---|---|---|---|---|---|",
    );
    const phases: Array<[string, PhaseFigures]> = [
      ...g.rates.map((p): [string, PhaseFigures] => [`open loop ${p.level}/s`, p]),
      ...(g.peak ? [[`closed loop, ${g.peak.level} in flight`, g.peak] as [string, PhaseFigures]] : []),
    ];
    for (const [name, p] of phases) {
      const errors =
        [
          ...Object.entries(p.errors).map(([k, v]) => `${v}× ${k}`),
          ...(p.skipped ? [`${p.skipped} sends skipped (2,000 in flight)`] : []),
          ...(p.unanswered ? [`${p.unanswered} unanswered when the window closed`] : []),
        ].join(", ") || "none";
      out.push(
        `| ${name} | ${f(p.windowS)} s | ${p.backlogBefore} | ${f(p.triggersPerS, 0)} | ${f(p.completedPerS, 0)} | ${p.backlogAtEnd} → ${p.backlogAfterDrain} (${f(p.drainS)} s) | ${f(p.triggerApiMs.p50)} / ${f(p.triggerApiMs.p99)} ms | ${f(p.triggerToStartMs.p50)} / ${f(p.triggerToStartMs.p99)} ms | ${f(p.sendToStartMs.p50)} / ${f(p.sendToStartMs.p99)} ms | ${errors} | ${p.tables.runs?.seqTupRead ?? "n/a"} / ${p.tables.attempts?.seqTupRead ?? "n/a"} |`,
      );
    }
    out.push("");
  }

  if (g?.starts) {
    const s = g.starts;
    out.push(
      "## Starts through the runner's ProcessExecutor (no api, no queue)",
      "",
      "| start | p50 | p90 | p99 | samples |",
      "|---|---|---|---|---|",
      `| warm: pre-spawned process, bundle loaded, first run in it (the default: a fresh process per run) | ${f(s.warmFresh.p50, 2)} ms | ${f(s.warmFresh.p90, 2)} ms | ${f(s.warmFresh.p99, 2)} ms | ${s.warmFresh.n} |`,
      `| warm: process kept alive across runs (processKeepAlive) | ${f(s.warmKeepAlive.p50, 2)} ms | ${f(s.warmKeepAlive.p90, 2)} ms | ${f(s.warmKeepAlive.p99, 2)} ms | ${s.warmKeepAlive.n} |`,
      `| cold: spawn + load the bundle (${g.bundleKb ?? "?"} KB) + run | ${f(s.cold.p50, 2)} ms | ${f(s.cold.p90, 2)} ms | ${f(s.cold.p99, 2)} ms | ${s.cold.n} |`,
      `| reference: \`node -e ""\` spawn to exit | ${f(s.nodeStartup.p50, 2)} ms | ${f(s.nodeStartup.p90, 2)} ms | ${f(s.nodeStartup.p99, 2)} ms | ${s.nodeStartup.n} |`,
      "",
    );
  }

  out.push(...renderGitHub(r));

  const bounds = explainMisses(r);
  if (bounds.length > 0) out.push("## Where a target is missed, what bounds it", "", ...bounds.map((b) => `- ${b}`), "");
  if (r.problems.length > 0) out.push("## What could not run", "", ...r.problems.map((p) => `- ${p.split("\n")[0]}`), "");

  out.push(
    "## How it was measured",
    "",
    "- Baselines: each peer gets its own fresh database or Redis prefix, removed afterwards; producer and consumer in the bench process; jobs/s = jobs / (first add → last completion).",
    "- Gantry: a fresh database and Redis prefix; the api and a runner each in their own Node process (started from `api/src/index.ts` and `runner/src/index.ts`); the no-op project `bench/fixtures/noop-project` deployed with the builder's `deploy()`; triggers are `POST /api/v1/tasks/noop/trigger` with the prod secret key over keep-alive HTTP from the bench process.",
    "- Open loop: triggers sent on a fixed schedule whatever the answers (at most 2,000 outstanding). Closed loop: N loops each sending its next trigger when the last answers. Completions are counted from Postgres by `completed_at` inside the window; the backlog is this phase's runs not yet final when the window closed.",
    "- trigger→start: `runs.created_at` → the first attempt's `started_at`, both written by Postgres' clock; send→start adds the trigger request itself (client clock, same machine).",
    "- seq_tup_read: growth of `pg_stat_user_tables.seq_tup_read` for `runs` and `attempts` during each phase; near zero means every hot statement used an index.",
    "- Peak RSS: the kernel's high-water mark (VmHWM) of the api and runner processes; the runner's task processes are summed separately.",
    "",
  );
  return out.join("\n");
}

/** What the api's and runner's CPU during the closed-loop phase say about the bound (when measured). */
function cpuVerdict(g: NonNullable<Results["details"]["gantry"]>): string {
  const c = g.peakCpu;
  if (!c) return "The api's and runner's CPU were not measured.";
  const used = `the api used ${f(c.apiCores, 2)} cores and the runner ${f(c.runnerCores, 2)} during the phase`;
  if (c.machineBusyCores !== undefined && c.machineCores !== undefined && c.machineBusyCores >= 0.85 * c.machineCores) {
    return `The machine's CPU bounds it: ${f(c.machineBusyCores, 2)} of its ${c.machineCores} cores were busy during the phase (${used}; the rest is Postgres, Redis, the task processes, this load generator and any other work on the host), so the runner ↔ api round trips wait for CPU; the api's own CPU per run (HTTP and body handling of each trigger, the batched statements, BullMQ adds) is the largest part the platform controls.`;
  }
  const machine = c.machineBusyCores !== undefined ? ` (the machine: ${f(c.machineBusyCores, 2)} of ${c.machineCores} cores busy)` : "";
  return c.apiCores >= 0.8
    ? `CPU bounds it: ${used}; the api runs on one core (one Node process), so its CPU per run (HTTP and body handling of each trigger, the batched statements, BullMQ adds) is the limit on this machine, and the runner waits on its answers.`
    : `Waiting, not CPU, bounds it: ${used}, both below a core${machine}: the runs wait in the runner ↔ api round trips.`;
}

/** Issue 6: push webhook → DEPLOYED against deploy() → DEPLOYED of examples/, side by side. */
function renderGitHub(r: Results): string[] {
  const gh = r.details.github;
  if (!gh || gh.samples === 0) return [];
  const ms = (v: number | null | undefined) => `${f(v, 0)} ms`;
  const out = [
    "## Deploys: GitHub push webhook against `gantry deploy` (examples/)",
    "",
    `Measured ${gh.date}${gh.quick ? " in **quick** mode (one sample after a warm-up: indicative only)" : ""}; ${gh.samples} sample${gh.samples === 1 ? "" : "s"} of each, alternated, after one warm-up of each. 1-minute load average ${gh.loadAverage.start} at its start, ${gh.loadAverage.end} at its end (${gh.loadAverage.cpus} CPUs)${Math.max(gh.loadAverage.start, gh.loadAverage.end) > gh.loadAverage.cpus * 1.5 ? ": **the machine was busy with other work**, so these times are inflated" : ""}.`,
    "",
    "| path | p50 | max | target | |",
    "|---|---|---|---|---|",
    `| push webhook sent → the commit's deployment DEPLOYED (polled on the api) | ${ms(gh.webhookToDeployed.p50)} | ${ms(gh.webhookToDeployed.max)} | < 5 s | ${verdict(r.targets.github_webhook_to_deployed_p50_ms?.met ?? null)} |`,
    `| builder's \`deploy()\` (what \`gantry deploy\` runs) called → DEPLOYED | ${ms(gh.cliDeploy.p50)} | ${ms(gh.cliDeploy.max)} | < 5 s | ${verdict(r.targets.cli_deploy_to_deployed_p50_ms?.met ?? null)} |`,
    "",
    `Where the webhook path's time goes (medians): webhook answered in ${ms(gh.parts.webhookMs)}; the build job waited ${ms(gh.parts.queuedMs)} for the build worker; the build (download the commit's tarball, install — skipped, no lockfile —, bundle, index, upload, finalize) took ${ms(gh.parts.buildMs)} until the api listed it DEPLOYED (Postgres' timestamps against this process's clock, same machine).`,
    `deploy()'s steps (medians): ${Object.entries(gh.parts.cliSteps).map(([step, v]) => `${step} ${ms(v)}`).join(", ")} (each step from its progress event to the next).`,
    "",
    ...gh.setup.map((s) => `- ${s}`),
    "",
  ];
  return out;
}

function explainMisses(r: Results): string[] {
  const g = r.details.gantry;
  const out: string[] = [];
  const gh = r.details.github;
  if (gh && (r.targets.github_webhook_to_deployed_p50_ms?.met === false || r.targets.cli_deploy_to_deployed_p50_ms?.met === false)) {
    const steps = Object.entries(gh.parts.cliSteps).sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0));
    const [top] = steps;
    out.push(
      `Deploy of examples/ over 5 s (webhook p50 ${f(gh.webhookToDeployed.p50, 0)} ms, deploy() p50 ${f(gh.cliDeploy.p50, 0)} ms): deploy()'s longest step is ${top ? `${top[0]} (${f(top[1], 0)} ms)` : "unknown"}; the webhook path adds ${f(gh.parts.queuedMs, 0)} ms waiting for the build worker and ${f(gh.parts.buildMs - gh.cliDeploy.p50, 0)} ms of download/install/link around the same deploy().`,
    );
  }
  const t = r.targets;
  if (t.e2e_runs_per_s?.met === false || t.e2e_vs_bullmq?.met === false) {
    const p = g?.peak;
    if (p) {
      const lag = p.triggersPerS - p.completedPerS;
      if (p.backlogAtEnd > 0.1 * p.accepted && lag > 0.1 * p.triggersPerS) {
        out.push(
          `End to end: the api accepted ${f(p.triggersPerS, 0)} triggers/s but runs completed at ${f(p.completedPerS, 0)}/s, leaving ${p.backlogAtEnd} queued at the end of the window: the run side (runner ↔ api start/complete round trips and the executor) bounds throughput, not the trigger API.`,
        );
        if (g && p.completedPerS > 0) {
          const heldMs = (g.runnerConcurrency / p.completedPerS) * 1000;
          out.push(
            `With the runner full (${g.runnerConcurrency} runs at once, GANTRY_RUNNER_CONCURRENCY) and ${f(p.completedPerS, 0)} completions/s, each run spends ~${f(heldMs, 0)} ms inside the runner (Little's law: start-attempts round trip + execute + logs flush + complete round trip), while a kept-alive process executes the no-op in ${f(g.starts?.warmKeepAlive.p50, 2)} ms. ${cpuVerdict(g)} Task processes are shared by up to GANTRY_ATTEMPTS_PER_PROCESS attempts (they peaked at ${f(g.rss?.runnerWorkersPeakMb, 0)} MB together), so raising the concurrency deepens the batches rather than spawning processes.`,
          );
        }
      } else {
        out.push(
          `End to end: completions kept up with triggers (${f(p.completedPerS, 0)} vs ${f(p.triggersPerS, 0)}/s, backlog ${p.backlogAtEnd}), so the trigger path bounds throughput: ${p.level} requests in flight saw a trigger API p50 of ${f(p.triggerApiMs.p50)} ms (p99 ${f(p.triggerApiMs.p99)} ms).`,
        );
      }
    }
  }
  for (const p of [...(g?.rates ?? []), ...(g?.peak ? [g.peak] : [])]) {
    const seq = (p.tables.runs?.seqTupRead ?? 0) + (p.tables.attempts?.seqTupRead ?? 0);
    if (seq > 10 * Math.max(1, p.accepted)) {
      out.push(
        `Postgres read ${seq.toLocaleString("en-US")} rows of runs/attempts by sequential scan during the ${p.kind === "open" ? `${p.level}/s` : "peak"} phase (${f(seq / Math.max(1, p.accepted), 0)} per run triggered; the bench's own queries use index scans only): some statement on the run path, or a periodic one (reconciler), is off an index plan (see PERFORMANCE.md §2).`,
      );
    }
  }
  if (t.trigger_to_start_p50_ms?.met === false) {
    const p = g?.rates.find((x) => x.level === 100);
    const behind = p && p.backlogBefore > 0 ? ` It began behind ${p.backlogBefore} runs left by the warm-up, which the queue serves first.` : "";
    out.push(`trigger→start at 100/s: p50 ${f(p?.triggerToStartMs.p50)} ms from the run's commit to its attempt's start (send→start p50 ${f(p?.sendToStartMs.p50)} ms): the BullMQ hop plus the runner's start-attempts round trip to the api bound it.${behind}`);
  }
  const s = g?.starts;
  if (s && t.warm_start_p50_ms?.met === false) {
    out.push(
      `Warm start on a fresh pre-spawned process: p50 ${f(s.warmFresh.p50)} ms, although the process has the bundle loaded: the worker already runs a dry execution before it says \`ready\` (sdk/src/worker/warm-up.ts) and the pool spawns the replacement process only after the run is handed over, so what remains is the first run of the task's own code and of a fresh IPC channel, plus this host's CPU contention; a kept-alive process answers in ${f(s.warmKeepAlive.p50, 2)} ms.`,
    );
  }
  if (s && t.warm_start_keepalive_p50_ms?.met === false) out.push(`Warm start with keep-alive: p50 ${f(s.warmKeepAlive.p50, 2)} ms (IPC round trip plus the SDK's per-attempt setup).`);
  if (s && t.cold_start_p50_ms?.met === false) {
    out.push(`Cold start: p50 ${f(s.cold.p50)} ms, of which Node's own start-up is ~${f(s.nodeStartup.p50)} ms; the rest is loading and evaluating the ${g?.bundleKb ?? "?"} KB bundle (the SDK and its dependencies, bundled) and the first run. The warm pool exists so no run waits for this.`);
  }
  return out;
}
