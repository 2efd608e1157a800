import { Hono } from "hono";
import type { AppEnv } from "../context.js";

const withTimeout = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms).unref())]);

/** `GET /healthz`: 200 when Postgres and Redis answer, 503 naming the one that does not. */
export function healthRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/healthz", async (c) => {
    const { sql, redis } = c.get("deps");
    const [db, kv] = await Promise.allSettled([
      withTimeout(sql`select 1`, 2000, "Postgres"),
      withTimeout(redis.ping(), 2000, "Redis"),
    ]);
    const checks = {
      postgres: db.status === "fulfilled" ? "ok" : String((db.reason as Error).message),
      redis: kv.status === "fulfilled" ? "ok" : String((kv.reason as Error).message),
    };
    const ok = checks.postgres === "ok" && checks.redis === "ok";
    return c.json({ ok, checks }, ok ? 200 : 503);
  });
  return app;
}
