import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { deploy } from "../../builder/src/deploy/deploy.js";
import type { BenchOptions } from "../lib/args.js";
import { registerCleanup } from "../lib/cleanup.js";
import { childPids, readRss } from "../lib/rss.js";
import { round, sleep, summarise, waitFor, type Summary } from "../lib/stats.js";
import { startBenchApi, startChild } from "./child.js";

const FIXTURE_DIR = fileURLToPath(new URL("./waits-project/", import.meta.url));

export interface WaitsFigures {
  problems: string[];
  setup: string[];
  /** parent triggerAndWait → child done → parent resumed, timed inside the parent, sequential rounds */
  childRoundTripMs?: Summary;
  /** POST …/complete sent → the waiting run's code running again (its own clock, same machine) */
  tokenResumeMs?: Summary;
  /** the runner while `waitingRuns` runs wait on a token (processKeepAlive) */
  waiting?: {
    waitingRuns: number;
    /** task processes alive under the runner while they wait, and before they were triggered */
    processes: number;
    processesBefore: number;
    /** RSS of those processes, MB, while waiting and before */
    processesRssMb: number;
    processesRssMbBefore: number;
    /** the runner process itself */
    runnerRssMb: number;
    runnerRssMbBefore: number;
    /** (task processes + runner) RSS growth ÷ waiting runs, KB */
    kbPerWaitingRun: number;
    /** token completed → every one of them COMPLETED, seconds */
    resumeAllS: number;
  };
}

/**
 * Durable waits: the child-run round trip, the resume latency after a token completes, and what 1,000 runs
 * waiting on a token hold in the runner (processes and memory). An api and one runner as child processes on a
 * fresh database; `waits-project` deployed with processKeepAlive.
 */
export async function benchWaits(opts: BenchOptions, log: (line: string) => void): Promise<WaitsFigures> {
  const figures: WaitsFigures = { problems: [], setup: [] };
  const rounds = opts.quick ? 40 : 200;
  const tokens = opts.quick ? 20 : 100;
  const waitingRuns = 1_000;
  const tag = `${process.pid}_${randomBytes(2).toString("hex")}`;
  const dbName = `gantry_bench_waits_${tag}`;
  const redisPrefix = `gantry-bench-waits-${tag}`;
  const tmp = mkdtempSync(join(tmpdir(), "gantry-bench-waits-"));
  const stops: Array<() => Promise<void>> = [];
  stops.push(registerCleanup("temporary folder", async () => rmSync(tmp, { recursive: true, force: true })));
  stops.push(registerCleanup("build folder", async () => rmSync(join(FIXTURE_DIR, ".gantry"), { recursive: true, force: true })));
  try {
    const { url, seed, dbUrl } = await startBenchApi({ databaseUrl: opts.databaseUrl, redisUrl: opts.redisUrl, dbName, redisPrefix, tmp, stops });
    log("waits: deploying the waits project");
    await deploy({ cwd: FIXTURE_DIR, apiUrl: url, accessToken: seed.accessToken, env: "prod", projectRef: seed.projectRef });
    const runner = await startChild("runner", "./runner-child.ts", {
      GANTRY_API_URL: url,
      GANTRY_RUNNER_TOKEN: seed.runnerToken,
      REDIS_URL: opts.redisUrl,
      GANTRY_REDIS_PREFIX: redisPrefix,
      GANTRY_RUNNER_CACHE_DIR: join(tmp, "runner-cache"),
      GANTRY_EXECUTOR: "process",
      GANTRY_RUNNER_CONCURRENCY: String(opts.runnerConcurrency),
      GANTRY_SHUTDOWN_GRACE_MS: "3000",
    });
    stops.push(registerCleanup("runner process", () => runner.stop()));
    const pool = new pg.Pool({ connectionString: dbUrl, max: 2 });
    pool.on("error", () => {});
    stops.push(async () => pool.end());
    const envId = seed.environments.prod.id;
    // the environment's limit would otherwise cap how many runs start at once (waiting ones hold no slot)
    await pool.query("update environments set concurrency_limit = 1000 where id = $1", [envId]);
    const headers = { authorization: `Bearer ${seed.environments.prod.apiKey}`, "content-type": "application/json" };
    const post = async <T>(path: string, body: unknown): Promise<T> => {
      const res = await fetch(`${url}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const trigger = async (task: string, payload: unknown) => (await post<{ id: string }>(`/api/v1/tasks/${task}/trigger`, { payload })).id;
    const outputOf = async (runId: string, timeoutMs: number) => {
      const row = await waitFor(async () => {
        const { rows } = await pool.query<{ status: string; output: string | null }>("select status, output from runs where id = $1", [runId]);
        const r = rows[0];
        return r && ["COMPLETED", "FAILED", "CRASHED", "SYSTEM_FAILURE", "TIMED_OUT", "CANCELED"].includes(r.status) ? r : null;
      }, timeoutMs, 50);
      if (!row) throw new Error(`run ${runId} did not finish within ${timeoutMs} ms`);
      if (row.status !== "COMPLETED") throw new Error(`run ${runId} ended ${row.status}`);
      const parsed = JSON.parse(row.output!) as { json?: unknown };
      return (parsed && typeof parsed === "object" && "json" in parsed ? parsed.json : parsed) as Record<string, unknown>;
    };
    const countStatus = async (status: string) =>
      (await pool.query<{ n: number }>("select count(*)::int as n from runs where environment_id = $1 and status = $2", [envId, status])).rows[0]!.n;

    // warm-up: processes spawned, bundle cached, statements prepared
    await outputOf(await trigger("rt-parent", { rounds: 3 }), 60_000);

    log(`waits: ${rounds} sequential triggerAndWait round trips`);
    const rt = await outputOf(await trigger("rt-parent", { rounds }), 180_000);
    figures.childRoundTripMs = summarise(rt.ms as number[]);
    log(`  round trip p50 ${figures.childRoundTripMs.p50} ms, p99 ${figures.childRoundTripMs.p99} ms`);

    log(`waits: resume latency after a token completes (${tokens} tokens, one waiting run each)`);
    const created = await Promise.all(Array.from({ length: tokens }, () => post<{ id: string }>("/api/v1/waitpoints/tokens", { timeout: "1h" })));
    const runIds = await Promise.all(created.map((t) => trigger("token-waiter", { tokenId: t.id })));
    if (!(await waitFor(async () => (await countStatus("WAITING")) >= tokens, 60_000, 50))) throw new Error(`not all ${tokens} token waiters reached WAITING`);
    const sentAt: number[] = [];
    for (const t of created) {
      sentAt.push(Date.now());
      await post(`/api/v1/waitpoints/tokens/${t.id}/complete`, { data: { ok: true } });
      await sleep(20);
    }
    const resumed = await Promise.all(runIds.map((id) => outputOf(id, 60_000)));
    figures.tokenResumeMs = summarise(resumed.map((o, i) => (o.resumedAt as number) - sentAt[i]!));
    log(`  resume p50 ${figures.tokenResumeMs.p50} ms, p99 ${figures.tokenResumeMs.p99} ms`);

    log(`waits: ${waitingRuns.toLocaleString("en-US")} runs waiting on one token: processes and memory`);
    const sample = async () => {
      const pids = await childPids(runner.pid);
      let rss = 0;
      for (const pid of pids) rss += (await readRss(pid))?.currentMb ?? 0;
      return { processes: pids.length, rssMb: rss, runnerMb: (await readRss(runner.pid))?.currentMb ?? Number.NaN };
    };
    const before = await sample();
    const token = await post<{ id: string }>("/api/v1/waitpoints/tokens", { timeout: "1h" });
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < waitingRuns) {
          next++;
          await trigger("token-waiter", { tokenId: token.id });
        }
      }),
    );
    if (!(await waitFor(async () => (await countStatus("WAITING")) >= waitingRuns, 180_000, 200))) {
      throw new Error(`only ${await countStatus("WAITING")} of ${waitingRuns} runs reached WAITING`);
    }
    await sleep(1000); // let the last suspensions settle in the runner
    const during = await sample();
    const t0 = performance.now();
    await post(`/api/v1/waitpoints/tokens/${token.id}/complete`, { data: { go: true } });
    if (!(await waitFor(async () => (await countStatus("WAITING")) + (await countStatus("QUEUED")) + (await countStatus("EXECUTING")) === 0, 180_000, 100))) {
      throw new Error("the waiting runs did not all finish after their token completed");
    }
    const resumeAllS = (performance.now() - t0) / 1000;
    const grownMb = during.rssMb - before.rssMb + (during.runnerMb - before.runnerMb);
    figures.waiting = {
      waitingRuns,
      processes: during.processes,
      processesBefore: before.processes,
      processesRssMb: round(during.rssMb, 1),
      processesRssMbBefore: round(before.rssMb, 1),
      runnerRssMb: round(during.runnerMb, 1),
      runnerRssMbBefore: round(before.runnerMb, 1),
      kbPerWaitingRun: round((grownMb * 1024) / waitingRuns, 1),
      resumeAllS: round(resumeAllS, 2),
    };
    log(
      `  ${during.processes} task process(es) (${before.processes} before), ${figures.waiting.kbPerWaitingRun} KB per waiting run; all resumed and done in ${figures.waiting.resumeAllS} s`,
    );
    figures.setup.push(
      "api and one runner as child processes (fresh database); waits-project deployed with processKeepAlive (GANTRY_ATTEMPTS_PER_PROCESS default 100)",
      `round trip: one parent, ${rounds} sequential rt-child.triggerAndWait() calls, each timed inside the parent`,
      `token resume: ${tokens} runs each wait on its own token; tokens completed one every 20 ms; latency = the run's clock after wait.forToken returns − the bench's clock before the complete request`,
      `waiting: ${waitingRuns} runs wait on one token; processes and RSS of the runner's children (and the runner) sampled once all are WAITING, against a sample just before they were triggered`,
    );
  } catch (error) {
    figures.problems.push(`waits: ${(error as Error).message}`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch((e: Error) => figures.problems.push(`waits cleanup: ${e.message}`));
  }
  return figures;
}
