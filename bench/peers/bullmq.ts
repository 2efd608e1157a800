import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { deleteRedisKeys } from "../lib/redis-cleanup.js";
import { registerCleanup } from "../lib/cleanup.js";
import { installedVersion } from "../lib/versions.js";
import { completionWatch, type PeerResult } from "./peer-result.js";

const CONCURRENCY = 100;
const CHUNK = 1_000;

/**
 * Raw BullMQ, producer and worker in this process. Three rounds on one queue: an untimed warm-up; `jobs`
 * added in bulk while one worker (concurrency 100) processes them, timed from the first add to the last
 * `completed` event (the main figure, the shape of Gantry's trigger → complete); then `jobs` added first
 * and drained by the worker (processing alone).
 */
export async function benchBullmq(opts: { redisUrl: string; prefix: string; jobs: number }): Promise<PeerResult> {
  const prefix = `{${opts.prefix}}`;
  const drop = registerCleanup(`Redis prefix ${opts.prefix}`, () => deleteRedisKeys(opts.redisUrl, opts.prefix));
  const connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue("noop", { connection, prefix });
  const add = async (total: number) => {
    for (let added = 0; added < total; added += CHUNK) {
      const n = Math.min(CHUNK, total - added);
      await queue.addBulk(Array.from({ length: n }, () => ({ name: "noop", data: {}, opts: { removeOnComplete: true, removeOnFail: true } })));
    }
  };
  const round = async (total: number, addFirst: boolean): Promise<number> => {
    if (addFirst) await add(total);
    const watch = completionWatch(total, 120_000, "bullmq");
    const worker = new Worker("noop", async () => undefined, {
      connection: new Redis(opts.redisUrl, { maxRetriesPerRequest: null }),
      prefix,
      concurrency: CONCURRENCY,
      autorun: false,
    });
    worker.on("completed", () => watch.tick());
    try {
      await worker.waitUntilReady();
      const started = performance.now();
      void worker.run();
      if (!addFirst) await add(total);
      return ((await watch.done) - started) / 1000;
    } finally {
      await worker.close(true);
      await worker.disconnect();
    }
  };
  try {
    await queue.waitUntilReady();
    await round(Math.min(1_000, Math.ceil(opts.jobs / 4)), false);
    const seconds = await round(opts.jobs, false);
    const drainSeconds = await round(opts.jobs, true);
    return {
      name: "bullmq",
      jobs: opts.jobs,
      seconds,
      jobsPerS: opts.jobs / seconds,
      drainJobsPerS: opts.jobs / drainSeconds,
      setup: `bullmq ${installedVersion("bullmq")}: addBulk of ${CHUNK}, one Worker with concurrency ${CONCURRENCY}, removeOnComplete, producer and worker in one process`,
    };
  } finally {
    await queue.close();
    connection.disconnect();
    await drop();
  }
}
