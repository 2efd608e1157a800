import { Logger, makeWorkerUtils, run } from "graphile-worker";
import { createFreshDatabase, dropDatabase } from "../lib/pg-admin.js";
import { registerCleanup } from "../lib/cleanup.js";
import { installedVersion } from "../lib/versions.js";
import { completionWatch, type PeerResult } from "./peer-result.js";

const CONCURRENCY = 24;
const LOCAL_QUEUE = 500;
const CHUNK = 1_000;

/**
 * graphile-worker in its own fresh database: addJobs() in bulk while a pool (concurrency 24, local queue
 * of 500, batched completions) processes them. Counted on `job:complete` (result written back).
 */
export async function benchGraphile(opts: { baseDatabaseUrl: string; dbName: string; jobs: number }): Promise<PeerResult> {
  const url = await createFreshDatabase(opts.baseDatabaseUrl, opts.dbName);
  const drop = registerCleanup(`database ${opts.dbName}`, () => dropDatabase(opts.baseDatabaseUrl, opts.dbName));
  const logger = new Logger(() => (level, message) => {
    if (level === "error") console.error(`  graphile-worker: ${message}`);
  });
  const preset = {
    worker: {
      connectionString: url,
      concurrentJobs: CONCURRENCY,
      maxPoolSize: 12,
      localQueue: { size: LOCAL_QUEUE },
      completeJobBatchDelay: 0,
      failJobBatchDelay: 0,
      pollInterval: 1_000,
    },
  };
  const utils = await makeWorkerUtils({ connectionString: url, logger });
  let runner: Awaited<ReturnType<typeof run>> | undefined;
  try {
    await utils.migrate();
    const watch = completionWatch(opts.jobs, 180_000, "graphile-worker");
    runner = await run({ preset, logger, noHandleSignals: true, taskList: { noop: async () => undefined } });
    runner.events.on("job:complete", () => watch.tick());
    const started = performance.now();
    for (let added = 0; added < opts.jobs; added += CHUNK) {
      const n = Math.min(CHUNK, opts.jobs - added);
      await utils.addJobs(Array.from({ length: n }, () => ({ identifier: "noop", payload: {} })));
    }
    const finished = await watch.done;
    const seconds = (finished - started) / 1000;
    return {
      name: "graphile-worker",
      jobs: opts.jobs,
      seconds,
      jobsPerS: opts.jobs / seconds,
      setup: `graphile-worker ${installedVersion("graphile-worker")}: addJobs() of ${CHUNK}, concurrentJobs ${CONCURRENCY}, localQueue ${LOCAL_QUEUE}, batched completion`,
    };
  } finally {
    await runner?.stop().catch(() => undefined);
    await utils.release();
    await drop();
  }
}
