import { Redis } from "ioredis";

/** Deletes every key containing `prefix` (BullMQ's hash-tagged `{prefix}:…` included). Returns the count. */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<number> {
  if (prefix.length < 8) throw new Error(`refusing to delete keys for the short prefix "${prefix}"`);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `*${prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
  return deleted;
}
