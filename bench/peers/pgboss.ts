import PgBoss from "pg-boss";
import { createFreshDatabase, dropDatabase } from "../lib/pg-admin.js";
import { registerCleanup } from "../lib/cleanup.js";
import { installedVersion } from "../lib/versions.js";
import { completionWatch, type PeerResult } from "./peer-result.js";

const WORKERS = 4;
const BATCH = 500;
const CHUNK = 1_000;

/**
 * pg-boss in its own fresh database: bulk inserts while WORKERS `work()` loops fetch BATCH jobs at a time
 * (pg-boss 10 has no push: workers poll, 0.5 s at least between empty fetches). A batch handler's jobs
 * are completed by pg-boss when the handler resolves; they are counted then.
 */
export async function benchPgBoss(opts: { baseDatabaseUrl: string; dbName: string; jobs: number }): Promise<PeerResult> {
  const url = await createFreshDatabase(opts.baseDatabaseUrl, opts.dbName);
  const drop = registerCleanup(`database ${opts.dbName}`, () => dropDatabase(opts.baseDatabaseUrl, opts.dbName));
  const boss = new PgBoss({ connectionString: url, max: 10, supervise: false, schedule: false, migrate: true });
  boss.on("error", (error) => console.error(`  pg-boss: ${error.message}`));
  try {
    await boss.start();
    await boss.createQueue("noop");
    const watch = completionWatch(opts.jobs, 180_000, "pg-boss");
    const started = performance.now();
    for (let i = 0; i < WORKERS; i++) {
      await boss.work("noop", { batchSize: BATCH, pollingIntervalSeconds: 0.5 }, async (jobs) => {
        for (let j = 0; j < jobs.length; j++) watch.tick();
      });
    }
    for (let added = 0; added < opts.jobs; added += CHUNK) {
      const n = Math.min(CHUNK, opts.jobs - added);
      await boss.insert(Array.from({ length: n }, () => ({ name: "noop", data: {} })));
    }
    const finished = await watch.done;
    const seconds = (finished - started) / 1000;
    return {
      name: "pg-boss",
      jobs: opts.jobs,
      seconds,
      jobsPerS: opts.jobs / seconds,
      setup: `pg-boss ${installedVersion("pg-boss")}: insert() of ${CHUNK}, ${WORKERS} work() loops with batchSize ${BATCH}, polling 0.5 s, pool of 10`,
    };
  } finally {
    await boss.stop({ graceful: false, wait: true, timeout: 2_000 }).catch(() => undefined);
    await drop();
  }
}
