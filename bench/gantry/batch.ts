import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import pg from "pg";
import { client as apiClient, deployTasks } from "../../api/src/runner-api/test-helpers.js";
import type { BenchOptions } from "../lib/args.js";
import { registerCleanup } from "../lib/cleanup.js";
import { deleteRedisKeys } from "../lib/redis-cleanup.js";
import { round, summarise, type Summary } from "../lib/stats.js";
import { installedVersion } from "../lib/versions.js";
import { startBenchApi } from "./child.js";

export const BATCH_SIZE = 1_000;
const TASK_ID = "noop";
/** batches in flight at once in the concurrent phase (Gantry and BullMQ alike) */
const IN_FLIGHT = 4;

export interface BatchPhase {
  batches: number;
  inFlight: number;
  items: number;
  seconds: number;
  itemsPerS: number;
  /** one batch, request sent → last answer (Gantry: create + items; BullMQ: its addBulk) */
  batchMs: Summary;
}

export interface BatchFigures {
  problems: string[];
  setup: string[];
  batchSize: number;
  bullmq?: { sequential: BatchPhase; concurrent: BatchPhase };
  gantry?: {
    sequential: BatchPhase;
    concurrent: BatchPhase;
    /** growth of pg_stat_user_tables during the concurrent phase */
    tables: Record<string, { seqScan: number; seqTupRead: number; idxScan: number }>;
  };
  /** Gantry concurrent items/s ÷ BullMQ addBulk concurrent items/s, same run */
  ratio?: number;
}

type OneBatch = () => Promise<void>;

/** `batches` batches, `inFlight` at once; items/s over the whole phase and each batch's duration. */
async function phase(batches: number, inFlight: number, one: OneBatch, deadline: number): Promise<BatchPhase> {
  const durations: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const lane = async () => {
    while (next < batches && performance.now() < deadline) {
      next++;
      const s = performance.now();
      await one();
      durations.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const seconds = (performance.now() - t0) / 1000;
  const items = durations.length * BATCH_SIZE;
  return { batches: durations.length, inFlight, items, seconds: round(seconds, 3), itemsPerS: round(items / seconds, 0), batchMs: summarise(durations) };
}

/**
 * Batch-trigger throughput: 1,000-item batches through the official client's two requests (POST /api/v3/batches,
 * then the NDJSON items) against an api child process on a fresh database, and, in the same run, raw BullMQ
 * `addBulk` of the same number of jobs. Gantry's figure counts items acknowledged (committed runs); the runs
 * then enter the concurrency gate in the background (BullMQ jobs as their environment has room). No runner:
 * this is the trigger side only.
 */
export async function benchBatch(opts: BenchOptions, deadline: number, log: (line: string) => void): Promise<BatchFigures> {
  const figures: BatchFigures = { problems: [], setup: [], batchSize: BATCH_SIZE };
  // about what the phases take on this machine (api start and deploy included)
  const needMs = opts.quick ? 15_000 : 45_000;
  if (performance.now() + needMs > deadline) {
    figures.problems.push(`batch: skipped, the time budget${opts.quick ? " of --quick" : ""} ran out (run it alone: npm run bench -- --quick --only batch)`);
    log("  batch: skipped (time budget)");
    return figures;
  }
  const sequentialBatches = opts.quick ? 3 : 10;
  const concurrentBatches = opts.quick ? 8 : 40;
  const loadStart = loadavg()[0]!;
  const tag = `${process.pid}_${randomBytes(2).toString("hex")}`;
  const stops: Array<() => Promise<void>> = [];
  const tmp = mkdtempSync(join(tmpdir(), "gantry-bench-batch-"));
  stops.push(registerCleanup("temporary folder", async () => rmSync(tmp, { recursive: true, force: true })));
  const phaseDeadline = () => Math.max(deadline, performance.now() + 5_000);
  try {
    // raw BullMQ first: its figure is the baseline of the same run
    const bullPrefix = `gantry-bench-batch-bullmq-${tag}`;
    stops.push(registerCleanup(`Redis prefix ${bullPrefix}`, () => deleteRedisKeys(opts.redisUrl, bullPrefix)));
    const connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue("runs", { connection, prefix: `{${bullPrefix}}`, defaultJobOptions: { removeOnComplete: true, removeOnFail: true } });
    try {
      await queue.waitUntilReady();
      let seq = 0;
      // the jobs Gantry adds: a run id as jobId, { runId, envId } as data
      const addBulk: OneBatch = async () => {
        const base = seq++;
        await queue.addBulk(
          Array.from({ length: BATCH_SIZE }, (_, i) => {
            const runId = `run_bench${base}x${i}`;
            return { name: "run", data: { runId, envId: "env_bench" }, opts: { jobId: `${runId}-1` } };
          }),
        );
      };
      log(`batch: raw BullMQ addBulk of ${BATCH_SIZE} jobs`);
      await phase(2, 1, addBulk, phaseDeadline());
      const sequential = await phase(sequentialBatches, 1, addBulk, phaseDeadline());
      const concurrent = await phase(concurrentBatches, IN_FLIGHT, addBulk, phaseDeadline());
      figures.bullmq = { sequential, concurrent };
      log(`  ${concurrent.itemsPerS.toLocaleString("en-US")} items/s (${IN_FLIGHT} batches in flight), ${sequential.itemsPerS.toLocaleString("en-US")} items/s one at a time`);
    } finally {
      await queue.close();
      connection.disconnect();
    }
    figures.setup.push(`BullMQ ${installedVersion("bullmq")}: Queue.addBulk of ${BATCH_SIZE} jobs ({ runId, envId }, jobId), from this process`);

    const dbName = `gantry_bench_batch_${tag}`;
    const redisPrefix = `gantry-bench-batch-${tag}`;
    log(`batch: Gantry, the api as a child process (database ${dbName})`);
    const { url, seed, dbUrl } = await startBenchApi({
      databaseUrl: opts.databaseUrl,
      redisUrl: opts.redisUrl,
      dbName,
      redisPrefix,
      tmp,
      stops,
      env: {
        GANTRY_MAX_BATCH_ITEMS: String(BATCH_SIZE),
        // the runs stay queued (no runner): the reconciler must not re-add them while they are measured
        GANTRY_RECONCILE_INTERVAL_MS: "600000",
      },
    });
    const key = seed.environments.prod.apiKey;
    await deployTasks(apiClient(url), key, [{ id: TASK_ID }]);

    // what the official client streams for tasks.batchTrigger("noop", items) (wire-format.md §3.2)
    const payload = JSON.stringify({ json: { n: 1 } });
    const ndjson = Array.from({ length: BATCH_SIZE }, (_, index) =>
      JSON.stringify({ index, task: TASK_ID, payload, options: { payloadType: "application/super+json", payloadSize: payload.length } }),
    ).join("\n") + "\n";
    const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    const gantryBatch: OneBatch = async () => {
      const created = await fetch(`${url}/api/v3/batches`, { method: "POST", headers, body: JSON.stringify({ runCount: BATCH_SIZE, taskIdentifiers: [TASK_ID] }) });
      if (!created.ok) throw new Error(`create batch: ${created.status} ${await created.text()}`);
      const { id } = (await created.json()) as { id: string };
      const items = await fetch(`${url}/api/v3/batches/${id}/items`, { method: "POST", headers: { ...headers, "content-type": "application/x-ndjson" }, body: ndjson });
      const answer = (await items.json()) as { sealed?: boolean; itemsAccepted?: number };
      if (!items.ok || !answer.sealed || answer.itemsAccepted !== BATCH_SIZE) throw new Error(`batch items: ${items.status} ${JSON.stringify(answer)}`);
    };

    const pool = new pg.Pool({ connectionString: dbUrl, max: 1 });
    pool.on("error", () => {});
    try {
      log(`  warm-up, then ${sequentialBatches} batches one at a time, then ${concurrentBatches} with ${IN_FLIGHT} in flight`);
      await phase(2, 1, gantryBatch, phaseDeadline());
      const sequential = await phase(sequentialBatches, 1, gantryBatch, phaseDeadline());
      const before = await tableStats(pool);
      const concurrent = await phase(concurrentBatches, IN_FLIGHT, gantryBatch, phaseDeadline());
      await new Promise((r) => setTimeout(r, 1_100)); // table statistics are flushed about once a second
      const after = await tableStats(pool);
      const tables = Object.fromEntries(
        Object.entries(after).map(([t, a]) => {
          const b = before[t] ?? { seqScan: 0, seqTupRead: 0, idxScan: 0 };
          return [t, { seqScan: a.seqScan - b.seqScan, seqTupRead: a.seqTupRead - b.seqTupRead, idxScan: a.idxScan - b.idxScan }];
        }),
      );
      figures.gantry = { sequential, concurrent, tables };
      log(`  ${concurrent.itemsPerS.toLocaleString("en-US")} items/s acknowledged (${IN_FLIGHT} in flight), ${sequential.itemsPerS.toLocaleString("en-US")} items/s one at a time`);
    } finally {
      await pool.end();
    }
    figures.setup.push(
      `Gantry: the api in its own process (fresh database, noop task deployed), no runner; each batch is POST /api/v3/batches then POST /api/v3/batches/{id}/items with ${BATCH_SIZE} NDJSON lines, as @trigger.dev/sdk sends them; an item counts once its batch answered sealed (runs committed; they enter the concurrency gate after the answer)`,
    );
    figures.setup.push(
      `1-minute load average ${loadStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end, on ${cpus().length} CPUs (the ratio, measured in the same run, is what to compare)`,
    );
    if (figures.gantry && figures.bullmq) figures.ratio = round(figures.gantry.concurrent.itemsPerS / figures.bullmq.concurrent.itemsPerS, 3);
  } catch (error) {
    figures.problems.push(`batch: ${(error as Error).message}`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch((e: Error) => figures.problems.push(`batch cleanup: ${e.message}`));
  }
  return figures;
}

async function tableStats(pool: pg.Pool): Promise<Record<string, { seqScan: number; seqTupRead: number; idxScan: number }>> {
  await pool.query("select pg_stat_clear_snapshot()");
  const { rows } = await pool.query<{ relname: string; seq_scan: string; seq_tup_read: string; idx_scan: string | null }>(
    `select relname, seq_scan, seq_tup_read, idx_scan from pg_stat_user_tables where relname in ('runs', 'batches', 'batch_items')`,
  );
  return Object.fromEntries(rows.map((r) => [r.relname, { seqScan: Number(r.seq_scan), seqTupRead: Number(r.seq_tup_read), idxScan: Number(r.idx_scan ?? 0) }]));
}
