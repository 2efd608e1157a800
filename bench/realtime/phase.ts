// Realtime phase (issue 5): status change → subscriber latency with N open SSE subscriptions, and the api's
// memory per open subscription. A change is a real engine write, `POST /api/v2/runs/:id/cancel` (the api
// announces it through Redis and the subscribed instance reads the run from Postgres); latency = cancel sent →
// the CANCELED event read by its subscriber, one change at a time while all N stay open.
import { randomBytes } from "node:crypto";
import { startChild } from "../gantry/child.js";
import { registerCleanup } from "../lib/cleanup.js";
import { createFreshDatabase, dropDatabase } from "../lib/pg-admin.js";
import { deleteRedisKeys } from "../lib/redis-cleanup.js";
import { readRss } from "../lib/rss.js";
import { round, sleep, summarise, type Summary } from "../lib/stats.js";

export interface RealtimeFigures {
  openSubscriptions: number;
  changes: number;
  /** status change → subscriber, ms */
  latencyMs: Omit<Summary, "n">;
  /** changes whose event did not arrive within 30 s */
  missed: number;
  apiRssMb: { before: number; after: number };
  kbPerSubscription: number;
  setup: string[];
  problems: string[];
}

export interface RealtimeOptions {
  databaseUrl: string;
  redisUrl: string;
  subscriptions: number;
  changes: number;
}

export async function benchRealtime(opts: RealtimeOptions, log: (line: string) => void = () => {}): Promise<RealtimeFigures> {
  const subs = opts.subscriptions;
  const changes = Math.min(opts.changes, subs);
  const name = `gantry_rtbench_${randomBytes(4).toString("hex")}`;
  const prefix = `rtbench_${randomBytes(4).toString("hex")}`;
  const dbUrl = await createFreshDatabase(opts.databaseUrl, name);
  const dropDb = registerCleanup(`database ${name}`, () => dropDatabase(opts.databaseUrl, name));
  const dropKeys = registerCleanup(`redis prefix ${prefix}`, () => deleteRedisKeys(opts.redisUrl, prefix));
  const controllers: AbortController[] = [];
  let stopApi: () => Promise<void> = async () => {};
  try {
    const api = await startChild("api", "./api-child.ts", {
      DATABASE_URL: dbUrl,
      REDIS_URL: opts.redisUrl,
      GANTRY_REDIS_PREFIX: prefix,
      GANTRY_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
      PORT: "0",
      GANTRY_LOG_LEVEL: "warn",
      // the load generator is one client far above the reference's 1,500 requests/min: the limiter still runs, never refuses
      GANTRY_API_RATE_LIMIT_PER_MINUTE: "1000000000",
    });
    stopApi = registerCleanup("realtime api", () => api.stop());
    const url = api.ready.url!;
    const key = api.ready.seed!.environments.prod.apiKey;
    const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };

    // runs to follow (no deployment: they wait in PENDING_VERSION, which is all a subscription needs)
    const runIds: string[] = [];
    for (let i = 0; i < subs; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, subs - i) }, async () => {
          const res = await fetch(`${url}/api/v1/tasks/bench-task/trigger`, { method: "POST", headers, body: JSON.stringify({ payload: "{}", options: { payloadType: "application/json" } }) });
          if (!res.ok) throw new Error(`trigger failed: ${res.status} ${await res.text()}`);
          return ((await res.json()) as { id: string }).id;
        }),
      );
      runIds.push(...batch);
    }
    log(`  ${runIds.length.toLocaleString("en-US")} runs; opening one SSE subscription per run`);

    const before = (await readRss(api.pid))?.currentMb ?? Number.NaN;
    // each subscription resolves its waiter when its run's CANCELED state arrives
    const arrived = new Map<string, () => void>();
    let opened = 0;
    for (let i = 0; i < runIds.length; i += 100) {
      await Promise.all(
        runIds.slice(i, i + 100).map(async (runId) => {
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
    }
    await sleep(1000); // let every subscription send its first state
    const after = (await readRss(api.pid))?.currentMb ?? Number.NaN;
    log(`  ${opened.toLocaleString("en-US")} open; ${changes} status changes, one at a time`);

    const latencies: number[] = [];
    let missed = 0;
    for (const runId of runIds.slice(0, changes)) {
      const got = new Promise<boolean>((resolve) => arrived.set(runId, () => resolve(true)));
      const t0 = performance.now();
      const res = await fetch(`${url}/api/v2/runs/${runId}/cancel`, { method: "POST", headers });
      if (!res.ok) throw new Error(`cancel failed: ${res.status} ${await res.text()}`);
      if (await Promise.race([got, sleep(30_000).then(() => false)])) latencies.push(performance.now() - t0);
      else missed++;
    }
    const s = summarise(latencies);
    const problems = missed > 0 ? [`realtime: ${missed} of ${changes} status changes never reached their subscriber within 30 s`] : [];
    return {
      openSubscriptions: opened,
      changes: s.n,
      latencyMs: { p50: s.p50, p90: s.p90, p99: s.p99, max: s.max },
      missed,
      apiRssMb: { before: round(before), after: round(after) },
      kbPerSubscription: round(((after - before) * 1024) / Math.max(1, opened), 1),
      setup: [
        `${opened.toLocaleString("en-US")} SSE subscriptions (GET /realtime/v1/runs/:id) open on one api process at once, from one client process on the same machine`,
        `${changes} status changes (POST /api/v2/runs/:id/cancel), one at a time; latency = request sent → the subscriber read the CANCELED event`,
        "memory: the api's RSS with every subscription open minus before opening them, per subscription",
      ],
      problems,
    };
  } finally {
    for (const c of controllers) c.abort();
    await stopApi();
    await dropKeys().catch(() => undefined);
    await dropDb().catch(() => undefined);
  }
}
