import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { loadConfig } from "../config.js";
import type { ApiDeps } from "../context.js";
import { startApi } from "../index.js";
import { seedDemo, type DemoSeed } from "../seed/seed-demo.js";
import { createTestDb, testRedisPrefix } from "./test-db.js";
import { TEST_REDIS_URL } from "./test-env.js";

export interface TestApi {
  url: string;
  deps: ApiDeps;
  seed: DemoSeed;
  close(): Promise<void>;
}

/** A fixed key so tests can compute derived tokens; never used outside tests. */
export const TEST_ENCRYPTION_KEY = "0".repeat(63) + "1";

/**
 * A whole api for one test file: a fresh database (cloned from the migrated template), its own Redis key
 * prefix, the demo seeded, the engine started, HTTP on a free port. `close()` removes all of it.
 */
export async function startTestApi(opts: { env?: Record<string, string> } = {}): Promise<TestApi> {
  const db = await createTestDb();
  await db.sql.end({ timeout: 1 }); // the api opens its own pool
  const prefix = testRedisPrefix();
  const config = loadConfig({
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    GANTRY_REDIS_PREFIX: prefix,
    GANTRY_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    PORT: "0",
    HOST: "127.0.0.1",
    GANTRY_LOG_LEVEL: "warn",
    GANTRY_PACKAGES_DIR: `/tmp/gantry-test-packages-${randomBytes(4).toString("hex")}`,
    // tests trigger hundreds of runs in seconds: the reference's 1,500/min would make them wait (rate-limit tests lower it)
    GANTRY_API_RATE_LIMIT_PER_MINUTE: "1000000",
    ...opts.env,
  });
  let api;
  try {
    api = await startApi(config, { port: 0 });
  } catch (error) {
    await db.drop();
    throw error;
  }
  const seed = await seedDemo(api.deps);
  return {
    url: api.url,
    deps: api.deps,
    seed,
    async close() {
      await api.close();
      await deleteRedisPrefix(TEST_REDIS_URL, config.GANTRY_REDIS_PREFIX);
      await db.drop();
    },
  };
}

/** Deletes every key under a prefix (plain or hash-tagged `{prefix}`). */
export async function deleteRedisPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    for (const pattern of [`${prefix}*`, `{${prefix}}*`]) {
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
        cursor = next;
        if (keys.length) await redis.unlink(...keys);
      } while (cursor !== "0");
    }
  } finally {
    redis.disconnect();
  }
}
