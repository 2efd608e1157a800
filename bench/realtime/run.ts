// Realtime bench (issue 5): status change → subscriber latency with N open SSE subscriptions, and the api's
// memory per open subscription. `npx tsx bench/realtime/run.ts [--subscriptions 1000] [--changes 300]`.
// Needs Postgres (DATABASE_URL) and Redis (REDIS_URL); creates and drops its own database and key prefix.
// A change is a real engine write: `POST /api/v2/runs/:id/cancel` (the api announces it through Redis and the
// subscribed instance reads the run from Postgres); latency = cancel sent → the CANCELED event read by the client.
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { startChild } from "../gantry/child.js";
import { createFreshDatabase, dropDatabase } from "../lib/pg-admin.js";
import { deleteRedisKeys } from "../lib/redis-cleanup.js";
import { readRss } from "../lib/rss.js";
import { round, sleep, summarise } from "../lib/stats.js";

const { values } = parseArgs({ options: { subscriptions: { type: "string", default: "1000" }, changes: { type: "string", default: "300" } } });
const SUBS = Number(values.subscriptions);
const CHANGES = Math.min(Number(values.changes), SUBS);
const PG = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const name = `gantry_rtbench_${randomBytes(4).toString("hex")}`;
const prefix = `rtbench_${randomBytes(4).toString("hex")}`;

const dbUrl = await createFreshDatabase(PG, name);
const api = await startChild("api", "./api-child.ts", {
  DATABASE_URL: dbUrl,
  REDIS_URL: REDIS,
  GANTRY_REDIS_PREFIX: prefix,
  GANTRY_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
  PORT: "0",
  GANTRY_LOG_LEVEL: "warn",
});
const controllers: AbortController[] = [];
try {
  const url = api.ready.url!;
  const key = api.ready.seed!.environments.prod.apiKey;
  const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };

  // runs to follow (no deployment: they wait in PENDING_VERSION, which is all a subscription needs)
  const runIds: string[] = [];
  for (let i = 0; i < SUBS; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, SUBS - i) }, async () => {
        const res = await fetch(`${url}/api/v1/tasks/bench-task/trigger`, { method: "POST", headers, body: JSON.stringify({ payload: "{}", options: { payloadType: "application/json" } }) });
        if (!res.ok) throw new Error(`trigger failed: ${res.status} ${await res.text()}`);
        return ((await res.json()) as { id: string }).id;
      }),
    );
    runIds.push(...batch);
  }

  const before = (await readRss(api.pid))!.currentMb;
  // one SSE subscription per run; each resolves its waiter when the run's CANCELED state arrives
  const arrived = new Map<string, () => void>();
  let opened = 0;
  await Promise.all(
    runIds.map(async (runId) => {
      const controller = new AbortController();
      controllers.push(controller);
      const res = await fetch(`${url}/realtime/v1/runs/${runId}`, { headers: { authorization: `Bearer ${key}` }, signal: controller.signal });
      if (!res.ok || !res.body) throw new Error(`subscribe failed: ${res.status}`);
      opened++;
      void (async () => {
        const decoder = new TextDecoder();
        let buffer = "";
        try {
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
            buffer += decoder.decode(chunk, { stream: true });
            if (buffer.includes('"status":"CANCELED"')) {
              arrived.get(runId)?.();
              buffer = "";
            } else if (buffer.length > 1 << 16) buffer = buffer.slice(-1024);
          }
        } catch {
          // aborted at the end
        }
      })();
    }),
  );
  await sleep(1000); // let every subscription send its first state
  const after = (await readRss(api.pid))!.currentMb;

  const latencies: number[] = [];
  for (const runId of runIds.slice(0, CHANGES)) {
    const got = new Promise<void>((resolve) => arrived.set(runId, resolve));
    const t0 = performance.now();
    const res = await fetch(`${url}/api/v2/runs/${runId}/cancel`, { method: "POST", headers });
    if (!res.ok) throw new Error(`cancel failed: ${res.status} ${await res.text()}`);
    await Promise.race([got, sleep(30_000)]);
    latencies.push(performance.now() - t0);
  }
  const s = summarise(latencies);
  console.log(
    JSON.stringify(
      {
        openSubscriptions: opened,
        changes: s.n,
        latencyMs: { p50: s.p50, p90: s.p90, p99: s.p99, max: s.max },
        apiRssMb: { before: round(before), after: round(after) },
        kbPerSubscription: round(((after - before) * 1024) / opened, 1),
      },
      null,
      2,
    ),
  );
} finally {
  for (const c of controllers) c.abort();
  await api.stop();
  await deleteRedisKeys(REDIS, prefix).catch(() => undefined);
  await dropDatabase(PG, name).catch(() => undefined);
}
