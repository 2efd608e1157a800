// The gate's Lua semantics on a real Redis (and a real Postgres for the limits it copies): environment burst,
// queue and key limits, total cap, fairness across keys, rate limits, pause, timers, release by id, rebuild.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { loadConfig } from "../config.js";
import type { ApiDeps } from "../context.js";
import { seedDemo } from "../seed/seed-demo.js";
import { createTestDb, testRedisPrefix, type TestDb } from "../testing/test-db.js";
import { TEST_REDIS_URL } from "../testing/test-env.js";
import { deleteRedisPrefix, TEST_ENCRYPTION_KEY } from "../testing/harness.js";
import { callGate, type GateEntry } from "./gate.js";
import { writeGateConfig } from "./gate-config.js";
import { gateEpochKey } from "./gate-keys.js";

let db: TestDb;
let redis: Redis;
let deps: ApiDeps;
let now = 1_800_000_000_000;
let envId: string;
let seq = 0;

beforeAll(async () => {
  db = await createTestDb();
  redis = new Redis(TEST_REDIS_URL);
  deps = {
    config: loadConfig({
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      GANTRY_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      GANTRY_REDIS_PREFIX: testRedisPrefix(),
    }),
    sql: db.sql,
    redis,
    clock: () => new Date(now),
  };
  envId = (await seedDemo(deps)).environments.prod.id;
});

const prefixes: string[] = [];

afterAll(async () => {
  for (const prefix of prefixes) await deleteRedisPrefix(TEST_REDIS_URL, prefix);
  redis.disconnect();
  await db.drop();
});

beforeEach(async () => {
  // each test: a fresh gate (new prefix) and fresh limits
  deps.config = { ...deps.config, GANTRY_REDIS_PREFIX: testRedisPrefix() };
  prefixes.push(deps.config.GANTRY_REDIS_PREFIX);
  await redis.set(gateEpochKey(deps), "1");
  await db.sql`delete from queues where environment_id = ${envId}`;
  await setEnv(10, 2);
});

async function setEnv(limit: number, burst: number): Promise<void> {
  await db.sql`update environments set concurrency_limit = ${limit}, concurrency_burst_factor = ${burst} where id = ${envId}`;
  await writeGateConfig(deps, [envId]);
}

async function setQueue(name: string, q: { limit?: number; total?: number; rate?: [number, number]; keyRate?: [number, number]; paused?: boolean }) {
  const rateLimit = {
    ...(q.rate ? { queue: { limit: q.rate[0], periodMs: q.rate[1] } } : {}),
    ...(q.keyRate ? { key: { limit: q.keyRate[0], periodMs: q.keyRate[1] } } : {}),
  };
  await db.sql`
    insert into queues (id, environment_id, name, concurrency_limit, total_concurrency_limit, rate_limit, paused)
    values (${`queue_${name}_${seq++}`}, ${envId}, ${name}, ${q.limit ?? null}, ${q.total ?? null},
      ${q.rate || q.keyRate ? db.sql.json(rateLimit) : null}, ${q.paused ?? false})
    on conflict (environment_id, name) do update set concurrency_limit = excluded.concurrency_limit,
      total_concurrency_limit = excluded.total_concurrency_limit, rate_limit = excluded.rate_limit, paused = excluded.paused`;
  await writeGateConfig(deps, [envId]);
}

function runs(queue: string, key: string, count: number, opts: { availableAtMs?: number; orderMs?: (i: number) => number } = {}): GateEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    runId: `run_${queue.replace(/\W/g, "")}_${key}_${seq++}`,
    environmentId: envId,
    queue,
    concurrencyKey: key,
    orderMs: opts.orderMs ? opts.orderMs(i) : now + i,
    availableAtMs: opts.availableAtMs ?? now,
    attempt: 1,
  }));
}

const ids = (r: { admitted: { runId: string }[] }) => r.admitted.map((a) => a.runId);

describe("concurrency limits", () => {
  it("caps the environment at base × burst and one queue at the base", async () => {
    await setEnv(4, 1.5);
    const one = await callGate(deps, { enqueue: runs("task/a", "", 10) });
    expect(one.admitted).toHaveLength(4); // one queue: the base, not the burst
    const two = await callGate(deps, { enqueue: [...runs("task/b", "", 10), ...runs("task/c", "", 10)] });
    expect(two.admitted).toHaveLength(2); // the environment: floor(4 × 1.5) = 6 in all
    const more = await callGate(deps, { admit: [envId] });
    expect(more.admitted).toHaveLength(0);
  });

  it("gives each concurrency key the queue's limit, within the queue's total cap", async () => {
    await setQueue("per-tenant", { limit: 2 });
    const r = await callGate(deps, { enqueue: [...runs("per-tenant", "a", 5), ...runs("per-tenant", "b", 5), ...runs("per-tenant", "c", 5)] });
    const byKey = countBy(ids(r), (id) => id.split("_")[2]!);
    expect(byKey).toEqual({ a: 2, b: 2, c: 2 });

    await setQueue("capped", { limit: 2, total: 3 });
    const c = await callGate(deps, { enqueue: [...runs("capped", "a", 5), ...runs("capped", "b", 5), ...runs("capped", "c", 5)] });
    expect(countBy(ids(c), (id) => id.split("_")[2]!)).toEqual({ a: 1, b: 1, c: 1 });
  });

  it("a queue with limit 0 or paused admits nothing until changed", async () => {
    await setQueue("zero", { limit: 0 });
    await setQueue("held", { paused: true });
    const r = await callGate(deps, { enqueue: [...runs("zero", "", 3), ...runs("held", "", 3)] });
    expect(r.admitted).toHaveLength(0);
    await setQueue("held", { paused: false });
    const resumed = await callGate(deps, { admit: [envId] });
    expect(resumed.admitted).toHaveLength(3);
    expect(resumed.admitted.every((a) => a.runId.startsWith("run_held"))).toBe(true);
  });

  it("a released slot admits the next run; releasing twice frees it once", async () => {
    await setQueue("one", { limit: 1 });
    const r = await callGate(deps, { enqueue: runs("one", "", 3) });
    expect(r.admitted).toHaveLength(1);
    const first = r.admitted[0]!.runId;
    const next = await callGate(deps, { release: [first, first, "run_unknown"] });
    expect(next.admitted).toHaveLength(1);
    expect(next.admitted[0]!.runId).not.toBe(first);
    // still one slot, held by the second run: a third admission would exceed the limit
    expect((await callGate(deps, { release: [first], admit: [envId] })).admitted).toHaveLength(0);
  });

  it("a key held at its limit uses a raised limit after the sweep, without waiting for a release", async () => {
    await setQueue("raised", { limit: 1 });
    const r = await callGate(deps, { enqueue: runs("raised", "a", 4) });
    expect(r.admitted).toHaveLength(1);
    await setQueue("raised", { limit: 3 });
    expect((await callGate(deps, { admit: [envId] })).admitted).toHaveLength(0); // still set aside
    expect((await callGate(deps, { sweep: true })).admitted).toHaveLength(2);
  });

  it("a run back for its next attempt (retry) gives its old slot back and waits in line again", async () => {
    await setQueue("retry", { limit: 1 });
    const [a, b] = runs("retry", "", 2);
    const r = await callGate(deps, { enqueue: [a!, b!] });
    expect(ids(r)).toEqual([a!.runId]);
    const again = await callGate(deps, { enqueue: [{ ...a!, attempt: 2, availableAtMs: now + 1000 }] });
    expect(ids(again)).toEqual([b!.runId]);
    now += 1000;
    await callGate(deps, { release: [b!.runId] });
    // b's release admitted a's second attempt once its backoff was over
    const state = await redis.hget(`{${deps.config.GANTRY_REDIS_PREFIX}}:gate:runs`, a!.runId);
    expect(state?.split("\x1f")[0]).toBe("s");
    expect(state?.split("\x1f")[4]).toBe("2");
  });

  it("enqueueing a run that already holds a slot for that attempt asks for its job again, without a second slot", async () => {
    await setQueue("dup", { limit: 2 });
    const [a] = runs("dup", "", 1);
    expect((await callGate(deps, { enqueue: [a!] })).admitted).toHaveLength(1);
    const again = await callGate(deps, { enqueue: [a!] });
    expect(again.admitted).toHaveLength(0);
    expect(again.needJob.map((j) => j.runId)).toEqual([a!.runId]);
    expect((await callGate(deps, { enqueue: runs("dup", "", 5) })).admitted).toHaveLength(1);
  });
});

describe("one call's budget", () => {
  it("admits at most 500 runs per call and asks to be called again at once for the rest", async () => {
    await setEnv(1000, 1);
    const r = await callGate(deps, { enqueue: runs("task/big", "", 700) });
    expect(r.admitted).toHaveLength(500);
    expect(r.nextWakeMs).toBe(now);
    expect((await callGate(deps, {})).admitted).toHaveLength(200);
  });
});

describe("fairness", () => {
  it("one flooding key does not keep the others waiting", async () => {
    await setQueue("tenants", { limit: 100, total: 10 });
    const flood = runs("tenants", "flood", 500);
    await callGate(deps, { enqueue: flood.slice(0, 5) }); // the flood arrives first and takes 5
    const others = Array.from({ length: 9 }, (_, k) => runs("tenants", `t${k}`, 2)).flat();
    const r = await callGate(deps, { enqueue: [...flood.slice(5), ...others] });
    // 5 slots left: each goes to a different small tenant, none to the flood
    expect(r.admitted).toHaveLength(5);
    expect(r.admitted.some((a) => a.runId.includes("flood"))).toBe(false);
    // as slots free up one at a time, tenants take turns: the flood gets one turn in ten at most
    const order: string[] = [];
    let holding = [...r.admitted.map((a) => a.runId)];
    for (let i = 0; i < 10; i++) {
      const next = await callGate(deps, { release: [holding.shift()!] });
      order.push(...ids(next));
      holding.push(...ids(next));
    }
    const floodTurns = order.filter((id) => id.includes("flood")).length;
    expect(floodTurns).toBeLessThanOrEqual(2);
  });

  it("runs of one key start in priority order (queued time minus priority)", async () => {
    await setQueue("prio", { limit: 1 });
    const [low, high] = runs("prio", "", 2, { orderMs: (i) => (i === 0 ? now : now + 5000 - 10_000) });
    const r = await callGate(deps, { enqueue: [low!, high!] });
    expect(ids(r)).toEqual([high!.runId]);
  });
});

describe("rate limits and timers", () => {
  it("a queue's rate limit spaces starts even with free slots, and says when to come back", async () => {
    await setQueue("rated", { rate: [2, 1000] });
    const r = await callGate(deps, { enqueue: runs("rated", "", 10) });
    expect(r.admitted).toHaveLength(2);
    expect(r.nextWakeMs).toBe(now + 500);
    now += 499;
    expect((await callGate(deps, { admit: [envId] })).admitted).toHaveLength(0);
    now += 1;
    expect((await callGate(deps, { admit: [] })).admitted).toHaveLength(1); // the wake-up alone admits
  });

  it("a per-key rate limit holds each key to its own pace", async () => {
    await setQueue("keyed", { keyRate: [1, 1000] });
    const r = await callGate(deps, { enqueue: [...runs("keyed", "a", 3), ...runs("keyed", "b", 3)] });
    expect(countBy(ids(r), (id) => id.split("_")[2]!)).toEqual({ a: 1, b: 1 });
    now += 1000;
    const later = await callGate(deps, { admit: [] });
    expect(countBy(ids(later), (id) => id.split("_")[2]!)).toEqual({ a: 1, b: 1 });
  });

  it("a delayed run waits for its time", async () => {
    const [d] = runs("task/delayed", "", 1, { availableAtMs: now + 60_000 });
    const r = await callGate(deps, { enqueue: [d!] });
    expect(r.admitted).toHaveLength(0);
    expect(r.nextWakeMs).toBe(now + 60_000);
    now += 60_000;
    expect(ids(await callGate(deps, {}))).toEqual([d!.runId]);
  });
});

describe("after Redis lost the gate", () => {
  it("admits nothing until the slots of running runs are restored, and counts them", async () => {
    await setQueue("lost", { limit: 2 });
    await redis.del(gateEpochKey(deps));
    const waiting = runs("lost", "", 3);
    const r = await callGate(deps, { enqueue: waiting });
    expect(r.epochPresent).toBe(false);
    expect(r.admitted).toHaveLength(0);
    await callGate(deps, { restore: [{ runId: "run_running", environmentId: envId, queue: "lost", concurrencyKey: "", attempt: 1 }] });
    await redis.set(gateEpochKey(deps), "1");
    expect((await callGate(deps, { admit: [envId] })).admitted).toHaveLength(1); // 2 − 1 restored
  });

  it("loads an environment's limits from Postgres when its copy in Redis expired", async () => {
    await setEnv(3, 1);
    await redis.del(`{${deps.config.GANTRY_REDIS_PREFIX}}:gate:cfg:${envId}`);
    const r = await callGate(deps, { enqueue: runs("task/cfg", "", 5) });
    expect(r.admitted).toHaveLength(3);
  });
});

function countBy(values: string[], key: (v: string) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[key(v)] = (out[key(v)] ?? 0) + 1;
  return out;
}
