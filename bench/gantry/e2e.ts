import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { deploy } from "../../builder/src/deploy/deploy.js";
import type { BenchOptions } from "../lib/args.js";
import { registerCleanup } from "../lib/cleanup.js";
import { childPids, readCpuSeconds, readMachineCpuSeconds, RssSampler } from "../lib/rss.js";
import { startBenchApi, startChild } from "./child.js";
import { closedLoop, openLoop } from "./load.js";
import { Observer } from "./observe.js";
import { measurePhase, type PhaseFigures } from "./phase.js";
import { measureStarts, type StartFigures } from "./starts.js";
import { TriggerClient } from "./trigger-client.js";
import { setEnvironmentConcurrency } from "./fairness.js";

export const FIXTURE_DIR = fileURLToPath(new URL("../fixtures/noop-project/", import.meta.url));
const TASK_ID = "noop";
/** Start latencies may still begin this long past the load phases' deadline (they take a few seconds). */
const STARTS_GRACE_MS = 5_000;

export interface GantryFigures {
  /** what could not run, and why (the rest of the figures are still reported) */
  problems: string[];
  setup: string[];
  /** GANTRY_RUNNER_CONCURRENCY of the runner under test: at most this many runs inside it at once */
  runnerConcurrency: number;
  deployment?: { version: string; buildAndDeployS: number };
  warmup?: PhaseFigures;
  rates: PhaseFigures[];
  peak?: PhaseFigures;
  starts?: StartFigures;
  /** size of the bundle's entry file (what a cold start loads) */
  bundleKb?: number;
  rss?: { apiPeakMb: number; runnerPeakMb: number; runnerWorkersPeakMb: number };
  /** CPU the api and the runner used during the closed-loop phase, in cores (CPU seconds / wall seconds) */
  peakCpu?: {
    apiCores: number;
    runnerCores: number;
    machineBusyCores?: number;
    machineCores?: number;
    /** CPU the api (and the runner's supervisor) spent per run accepted in the peak phase, drain included */
    apiCpuMsPerRun?: number;
    runnerCpuMsPerRun?: number;
    /** Postgres backends of the bench database (the observer's included), and the runner's task processes */
    postgresCpuMsPerRun?: number;
    taskProcessesCpuMsPerRun?: number;
  };
}

/**
 * Gantry end to end on this machine: the api and a runner as child processes (as in production), a fresh
 * database and Redis prefix, the no-op project deployed with the builder's deploy(), then HTTP triggers
 * from this process. Every step is bounded (and skipped, saying so, past `deadline`, a performance.now()
 * time); everything it created is removed at the end.
 */
export async function benchGantry(opts: BenchOptions, deadline: number, log: (line: string) => void): Promise<GantryFigures> {
  const figures: GantryFigures = { problems: [], setup: [], runnerConcurrency: opts.runnerConcurrency, rates: [] };
  const tag = `${process.pid}_${randomBytes(2).toString("hex")}`;
  const dbName = `gantry_bench_${tag}`;
  const redisPrefix = `gantry-bench-${tag}`;
  const tmp = mkdtempSync(join(tmpdir(), "gantry-bench-"));
  const removeBuilds = registerCleanup("build folder", async () => rmSync(join(FIXTURE_DIR, ".gantry"), { recursive: true, force: true }));
  const removeTmp = registerCleanup("temporary folder", async () => rmSync(tmp, { recursive: true, force: true }));
  const stops: Array<() => Promise<void>> = [];
  let observer: Observer | undefined;
  let build: { dir: string; entryPoint: string } | undefined;
  let sampler: RssSampler | undefined;
  let client: TriggerClient | undefined;
  try {
    log(`  starting the api (database ${dbName}, Redis prefix ${redisPrefix})`);
    const { api, url, seed, dbUrl } = await startBenchApi({
      databaseUrl: opts.databaseUrl,
      redisUrl: opts.redisUrl,
      dbName,
      redisPrefix,
      tmp,
      stops,
      execArgv: profileArgs(opts, "api"),
    });

    // The runner starts while the project deploys: it needs only the api and its token.
    const runnerStarting = startChild("runner", "./runner-child.ts", {
      GANTRY_API_URL: url,
      GANTRY_RUNNER_TOKEN: seed.runnerToken,
      REDIS_URL: opts.redisUrl,
      GANTRY_REDIS_PREFIX: redisPrefix,
      GANTRY_RUNNER_CACHE_DIR: join(tmp, "runner-cache"),
      GANTRY_EXECUTOR: "process",
      GANTRY_RUNNER_CONCURRENCY: String(opts.runnerConcurrency),
      GANTRY_SHUTDOWN_GRACE_MS: "3000",
    }, { execArgv: profileArgs(opts, "runner") });
    runnerStarting.catch(() => undefined); // awaited below; a deploy failure must not leave it unhandled
    stops.push(registerCleanup("runner process", async () => (await runnerStarting.catch(() => undefined))?.stop()));
    log(`  deploying bench/fixtures/noop-project to prod; starting a runner (concurrency ${opts.runnerConcurrency})`);
    const t0 = performance.now();
    const deployed = await deploy({ cwd: FIXTURE_DIR, apiUrl: url, accessToken: seed.accessToken, env: "prod", projectRef: seed.projectRef, keepBuild: true });
    build = { dir: deployed.build.outDir, entryPoint: deployed.build.entryPoint };
    figures.deployment = { version: deployed.version, buildAndDeployS: (performance.now() - t0) / 1000 };
    // The concurrency gate holds one queue to the environment's base limit (100 by default, the reference's): the
    // base is set to the runner's concurrency so that the runner, as before the gate, bounds the runs in flight
    await setEnvironmentConcurrency(dbUrl, seed.environments.prod.id, opts.runnerConcurrency);
    figures.setup.push(`environment concurrency limit ${opts.runnerConcurrency} (= runner concurrency; burst 2×): the concurrency gate admits every run the runner can take`);
    const keepAlive = deployed.build.manifest.config.processKeepAlive;
    figures.setup.push(`processKeepAlive ${JSON.stringify(keepAlive)} in the project's config (the reference's option; without it each run gets a fresh pre-spawned process)`);
    const runner = await runnerStarting;
    figures.setup.push(
      `api and one runner as separate Node processes, the load generator in a third; runner concurrency ${opts.runnerConcurrency} (GANTRY_RUNNER_CONCURRENCY); with processKeepAlive one task process runs up to GANTRY_ATTEMPTS_PER_PROCESS (default 100) attempts at once, so a few processes serve them all`,
    );

    sampler = new RssSampler({ api: api.pid, runner: runner.pid });
    sampler.start();
    observer = new Observer(dbUrl);
    const obs = observer;
    const allRuns: string[] = [];
    const c = (client = new TriggerClient(url, seed.environments.prod.apiKey, TASK_ID, Math.max(opts.closedConcurrency, 256)));
    const fits = (name: string, loadMs: number) => {
      const needMs = loadMs + 2 * opts.drainMs + 1_500;
      if (performance.now() + needMs <= deadline) return true;
      if (name === "warm-up") return false; // skipping it silently is fine: the phases after it are skipped too
      figures.problems.push(`${name}: skipped, the time budget${opts.quick ? " of --quick" : ""} ran out (the machine is slower than expected, or busy)`);
      log(`  ${name}: skipped (time budget)`);
      return false;
    };

    // Warm-up at the peak's concurrency: the runner fetches the artifact and spawns the processes it will keep
    // alive (one per attempt running at once), V8 warms up. Not a reported figure.
    const warmupMs = opts.quick ? 1_000 : 3_000;
    if (fits("warm-up", warmupMs)) {
      log("  warm-up");
      figures.warmup = await measurePhase(obs, allRuns, opts.drainMs * 2, () => closedLoop(c, opts.closedConcurrency, warmupMs, opts.drainMs), log);
      if (figures.warmup.accepted === 0) throw new Error(`no trigger was accepted during warm-up: ${figures.warmup.firstError ?? "?"}`);
      if (figures.warmup.backlogAfterDrain > 0) {
        const said = [`runner: ${lastWords(runner.tail())}`, `api: ${lastWords(api.tail())}`].join("; ");
        figures.problems.push(
          `warm-up: ${figures.warmup.backlogAfterDrain} of ${figures.warmup.accepted} runs had not finished after ${figures.warmup.drainS.toFixed(1)} s${said ? ` (last output: ${said})` : ""}`,
        );
      }
    }
    for (const rate of opts.openRates) {
      if (!fits(`open loop at ${rate}/s`, opts.openMs)) continue;
      log(`  open loop at ${rate}/s for ${opts.openMs / 1000} s`);
      figures.rates.push(await measurePhase(obs, allRuns, opts.drainMs, () => openLoop(c, rate, opts.openMs, 2_000, opts.drainMs), log));
    }
    if (fits("closed loop", opts.closedMs)) {
      log(`  closed loop, ${opts.closedConcurrency} in flight, for ${opts.closedMs / 1000} s`);
      const sumCpu = async (pids: number[]) => new Map(await Promise.all(pids.map(async (pid) => [pid, (await readCpuSeconds(pid)) ?? 0] as const)));
      const pgPids = await obs.backendPids();
      const taskPids = await childPids(runner.pid);
      const [pg0, tasks0] = [await sumCpu(pgPids), await sumCpu(taskPids)];
      const cpu0 = { at: performance.now(), api: await readCpuSeconds(api.pid), runner: await readCpuSeconds(runner.pid), machine: await readMachineCpuSeconds() };
      figures.peak = await measurePhase(obs, allRuns, opts.drainMs, () => closedLoop(c, opts.closedConcurrency, opts.closedMs, opts.drainMs), log);
      const wallS = (performance.now() - cpu0.at) / 1000;
      const [apiCpu, runnerCpu, machine] = [await readCpuSeconds(api.pid), await readCpuSeconds(runner.pid), await readMachineCpuSeconds()];
      if (apiCpu !== null && runnerCpu !== null && cpu0.api !== null && cpu0.runner !== null) {
        figures.peakCpu = { apiCores: (apiCpu - cpu0.api) / wallS, runnerCores: (runnerCpu - cpu0.runner) / wallS };
        // CPU time per run: unlike throughput, barely moved by other work on the machine (PERFORMANCE.md)
        if (figures.peak.accepted > 0) {
          figures.peakCpu.apiCpuMsPerRun = ((apiCpu - cpu0.api) * 1000) / figures.peak.accepted;
          figures.peakCpu.runnerCpuMsPerRun = ((runnerCpu - cpu0.runner) * 1000) / figures.peak.accepted;
          // processes that started during the phase are left out (a pool connection opened late, a new task process)
          const delta = async (before: Map<number, number>) => {
            let total = 0;
            for (const [pid, was] of before) total += Math.max(0, ((await readCpuSeconds(pid)) ?? was) - was);
            return (total * 1000) / figures.peak!.accepted;
          };
          figures.peakCpu.postgresCpuMsPerRun = await delta(pg0);
          figures.peakCpu.taskProcessesCpuMsPerRun = await delta(tasks0);
          log(
            `    CPU per run: api ${figures.peakCpu.apiCpuMsPerRun.toFixed(3)} ms, runner ${figures.peakCpu.runnerCpuMsPerRun.toFixed(3)} ms, ` +
              `Postgres ${figures.peakCpu.postgresCpuMsPerRun.toFixed(3)} ms (${pgPids.length} backends), task processes ${figures.peakCpu.taskProcessesCpuMsPerRun.toFixed(3)} ms`,
          );
        }
        if (machine && cpu0.machine && machine.total > cpu0.machine.total) {
          const cores = (machine.total - cpu0.machine.total) / wallS;
          figures.peakCpu.machineCores = Math.round(cores);
          figures.peakCpu.machineBusyCores = ((machine.busy - cpu0.machine.busy) / (machine.total - cpu0.machine.total)) * Math.round(cores);
        }
      }
    }

    const rss = await sampler.stop();
    sampler = undefined;
    figures.rss = { apiPeakMb: rss.peakMb.api ?? Number.NaN, runnerPeakMb: rss.peakMb.runner ?? Number.NaN, runnerWorkersPeakMb: rss.childrenPeakMb.runner ?? Number.NaN };
    const bad = await obs.backlog();
    if (bad.notCompleted > 0) figures.problems.push(`${bad.notCompleted} runs ended other than COMPLETED`);
  } catch (error) {
    figures.problems.push(`end to end: ${(error as Error).message}`);
  } finally {
    await sampler?.stop();
    client?.close();
    await observer?.close();
    for (const stop of stops.reverse()) await stop().catch((e: Error) => figures.problems.push(`cleanup: ${e.message}`));
  }

  try {
    // Start latencies need only a build: measured even when the api could not run, with the platform stopped.
    if (performance.now() + (opts.quick ? 5_000 : 30_000) > deadline + STARTS_GRACE_MS) {
      figures.problems.push(`warm/cold starts: skipped, the time budget${opts.quick ? " of --quick" : ""} ran out`);
    } else {
      if (!build) {
        const dry = await deploy({ cwd: FIXTURE_DIR, apiUrl: "http://127.0.0.1:1", accessToken: "unused", env: "prod", dryRun: true });
        build = { dir: dry.build.outDir, entryPoint: dry.build.entryPoint };
      }
      await measureStartsInto(figures, opts, build, log);
    }
  } catch (error) {
    figures.problems.push(`warm/cold starts: ${(error as Error).message}`);
  } finally {
    await removeBuilds();
    await removeTmp();
  }
  return figures;
}

async function measureStartsInto(figures: GantryFigures, opts: BenchOptions, build: { dir: string; entryPoint: string }, log: (line: string) => void): Promise<void> {
  figures.bundleKb = Math.round(statSync(join(build.dir, build.entryPoint)).size / 1024);
  log("  warm and cold starts through the ProcessExecutor");
  try {
    figures.starts = await measureStarts({
      workerDir: build.dir,
      entryPoint: build.entryPoint,
      taskId: TASK_ID,
      filePath: "src/trigger/noop.ts",
      warmSamples: opts.warmSamples,
      coldSamples: opts.coldSamples,
    });
    const s = figures.starts;
    log(`    warm (fresh process) p50 ${s.warmFresh.p50} ms, warm (keep-alive) p50 ${s.warmKeepAlive.p50} ms, cold p50 ${s.cold.p50} ms`);
  } catch (error) {
    figures.problems.push(`warm/cold starts: ${(error as Error).message}`);
  }
}

function profileArgs(opts: BenchOptions, name: string): string[] {
  if (!opts.profileDir) return [];
  // One folder per process: tsx's loader thread writes a profile of its own next to the main thread's.
  const dir = join(opts.profileDir, `${name}-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  mkdirSync(dir, { recursive: true });
  return ["--cpu-prof", `--cpu-prof-dir=${dir}`];
}

/** The last few lines a child wrote, stack frames left out. */
function lastWords(tail: string): string {
  const lines = tail.split("\n").filter((l) => l.trim() !== "" && !/^\s+at /.test(l));
  return lines.slice(-4).join(" | ").slice(0, 1200) || "(nothing)";
}
