// Realtime bench on its own: `npx tsx bench/realtime/run.ts [--subscriptions 1000] [--changes 300]` prints the
// figures as JSON (`npm run bench -- --only realtime` measures the same and writes them into results.json).
// Needs Postgres (DATABASE_URL) and Redis (REDIS_URL); creates and drops its own database and key prefix.
import { parseArgs } from "node:util";
import { runPendingCleanups } from "../lib/cleanup.js";
import { benchRealtime } from "./phase.js";

const { values } = parseArgs({ options: { subscriptions: { type: "string", default: "1000" }, changes: { type: "string", default: "300" } } });
try {
  const figures = await benchRealtime({
    databaseUrl: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
    redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    subscriptions: Number(values.subscriptions),
    changes: Number(values.changes),
  });
  console.log(JSON.stringify(figures, null, 2));
} finally {
  await runPendingCleanups();
}
