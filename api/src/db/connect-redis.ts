import { Redis } from "ioredis";
import { ConfigError } from "../errors.js";

/**
 * The command connection (BullMQ producers share it: `maxRetriesPerRequest: null`, as BullMQ requires).
 * Fails fast, naming the fix, when Redis does not answer at start.
 */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true, connectTimeout: 5000 });
  redis.on("error", () => {}); // reconnects by itself; health checks and commands report failures
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new ConfigError(`REDIS_URL ${url} refused the connection: start Redis (see README) or set REDIS_URL`, { cause: error });
  }
  return redis;
}
