// Issue #3's flow-control test: 10,000 runs across 100 concurrency keys (and a second queue), random durations,
// through a real runner. The tasks record when they ran (their own clocks); from those intervals the test
// computes the concurrency actually observed per key, per queue and per environment, and checks every limit.
// A flooding key (100× the others' backlog) must not take more than its fair share while the others have work.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeGateConfig } from "../api/src/queue/gate-config.js";
import { eventually, startPlatform, type Platform } from "./helpers/platform.js";
import { http, type Http } from "./helpers/http.js";
import { maxOverlap } from "./helpers/overlap.js";

const TASKS = `
import { queue, task } from "@gantry/sdk";

/** Wall-clock time with sub-millisecond precision, comparable across processes of one host. */
const now = () => performance.timeOrigin + performance.now();

async function work(payload: { ms: number }) {
  const start = now();
  await new Promise((resolve) => setTimeout(resolve, payload.ms));
  return { start, end: now() };
}

export const tenants = task({
  id: "flow-tenant",
  queue: queue({ name: "flow-tenants", concurrencyLimit: 30, totalConcurrencyLimit: 70 }),
  run: work,
});

export const pairs = task({
  id: "flow-pair",
  queue: queue({ name: "flow-pairs", concurrencyLimit: 2 }),
  run: work,
});
`;

const CONFIG = `
import { defineConfig } from "@gantry/sdk";
export default defineConfig({
  project: "proj_gantrydemo",
  dirs: ["src/trigger"],
  retries: { default: { maxAttempts: 1 } },
  processKeepAlive: { enabled: true, maxExecutionsPerProcess: 1_000_000 },
});
`;

/** Environment base limit and burst: the environment runs at most 90 at once, one queue at most 60. */
const ENV_BASE = 60;
const BURST = 1.5;
const TENANT_KEY_LIMIT = 30;
const PAIR_KEY_LIMIT = 2;
const FLOOD_RUNS = 1_000;
const SMALL_KEYS = 99;
const SMALL_RUNS = 80;
const PAIR_KEYS = 30;
const TOTAL = 10_000;

let platform: Platform;
let prod: Http;

beforeAll(async () => {
  // the API's own rate limit would slow the 10,000 triggers down; it is not what this test is about
  platform = await startPlatform({ apiEnv: { GANTRY_API_RATE_LIMIT_PER_MINUTE: "0" } });
  prod = http(platform.api.url, platform.api.seed.environments.prod.apiKey);
  await platform.deployProject({
    edit: (dir) => {
      writeFileSync(join(dir, "gantry.config.ts"), CONFIG);
      writeFileSync(join(dir, "src/trigger/flow.ts"), TASKS);
    },
  });
  const envId = platform.api.seed.environments.prod.id;
  await platform.api.deps.sql`update environments set concurrency_limit = ${ENV_BASE}, concurrency_burst_factor = ${BURST} where id = ${envId}`;
  await writeGateConfig(platform.api.deps, [envId]);
}, 180_000);

afterAll(async () => {
  await platform?.close();
});

interface Span {
  queue: string;
  key: string;
  start: number;
  end: number;
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

async function triggerAll(items: Array<{ task: string; key: string }>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      const ms = Math.floor(Math.random() * 15);
      const res = await prod.post(`/api/v1/tasks/${item.task}/trigger`, { payload: { ms }, options: { concurrencyKey: item.key } });
      if (res.status !== 200) throw new Error(`trigger failed: ${res.status} ${JSON.stringify(res.body)}`);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

describe("flow control under load", () => {
  it("10,000 runs on 100 keys: no limit is ever exceeded, and a flooding key gets no more than its share", { timeout: 240_000 }, async () => {
    // a backlog first (queues paused), then everything competes at once
    for (const name of ["flow-tenants", "flow-pairs"]) {
      expect((await prod.post(`/api/v1/queues/${name}/pause`, { type: "custom", action: "pause" })).status).toBe(200);
    }
    const items: Array<{ task: string; key: string }> = [];
    for (let i = 0; i < FLOOD_RUNS; i++) items.push({ task: "flow-tenant", key: "flood" });
    for (let k = 0; k < SMALL_KEYS; k++) for (let i = 0; i < SMALL_RUNS; i++) items.push({ task: "flow-tenant", key: `tenant-${k}` });
    const pairRuns = TOTAL - items.length;
    for (let i = 0; i < pairRuns; i++) items.push({ task: "flow-pair", key: `pair-${i % PAIR_KEYS}` });
    expect(items).toHaveLength(TOTAL);
    const t0 = performance.now();
    await triggerAll(items);
    const triggeredS = (performance.now() - t0) / 1000;

    await platform.startRunner({ GANTRY_RUNNER_CONCURRENCY: "200" });
    const resumedAt = performance.timeOrigin + performance.now();
    for (const name of ["flow-tenants", "flow-pairs"]) {
      expect((await prod.post(`/api/v1/queues/${name}/pause`, { type: "custom", action: "resume" })).status).toBe(200);
    }

    const sql = platform.api.deps.sql;
    const envId = platform.api.seed.environments.prod.id;
    await eventually(
      async () => {
        const [row] = await sql<{ done: number }[]>`
          select count(*)::int as done from runs where environment_id = ${envId} and status = 'COMPLETED'
            and task_identifier in ('flow-tenant', 'flow-pair')`;
        return row!.done === TOTAL ? true : undefined;
      },
      { timeoutMs: 200_000, intervalMs: 500, what: "all 10,000 runs to complete" },
    );

    const ranS = (performance.now() - t0) / 1000 - triggeredS;
    console.info(`[flow-control] ${TOTAL} runs triggered in ${triggeredS.toFixed(1)} s, all completed ${ranS.toFixed(1)} s after`);
    const rows = await sql<{ queue_name: string; concurrency_key: string; output: string }[]>`
      select queue_name, concurrency_key, output from runs
      where environment_id = ${envId} and task_identifier in ('flow-tenant', 'flow-pair')`;
    const spans: Span[] = rows.map((r) => {
      const parsed = JSON.parse(r.output) as { start: number; end: number } | { json: { start: number; end: number } };
      const out = "json" in parsed ? parsed.json : parsed;
      return { queue: r.queue_name, key: r.concurrency_key, start: out.start, end: out.end };
    });
    expect(spans).toHaveLength(TOTAL);
    // nothing started while the queues were paused
    expect(Math.min(...spans.map((s) => s.start))).toBeGreaterThan(resumedAt - 1);

    const byQueue = groupBy(spans, (s) => s.queue);
    const tenants = byQueue.get("flow-tenants")!;
    const pairs = byQueue.get("flow-pairs")!;
    const envMax = maxOverlap(spans);
    const tenantQueueMax = maxOverlap(tenants);
    const pairQueueMax = maxOverlap(pairs);
    const tenantKeyMax = Math.max(...[...groupBy(tenants, (s) => s.key).values()].map(maxOverlap));
    const pairKeyMax = Math.max(...[...groupBy(pairs, (s) => s.key).values()].map(maxOverlap));
    console.info(
      `[flow-control] observed concurrency: environment ${envMax} (limit ${ENV_BASE * BURST}), flow-tenants ${tenantQueueMax} ` +
        `(limit ${ENV_BASE}), flow-pairs ${pairQueueMax} (limit ${ENV_BASE}), one tenant key ${tenantKeyMax} (limit ` +
        `${TENANT_KEY_LIMIT}), one pair key ${pairKeyMax} (limit ${PAIR_KEY_LIMIT})`,
    );
    expect(envMax).toBeLessThanOrEqual(ENV_BASE * BURST);
    // the environment did burst past its base: the limit above was really in play
    expect(envMax).toBeGreaterThan(ENV_BASE);
    expect(tenantQueueMax).toBeLessThanOrEqual(ENV_BASE); // its total cap (70) is above the base: the base wins
    expect(pairQueueMax).toBeLessThanOrEqual(ENV_BASE);
    expect(tenantKeyMax).toBeLessThanOrEqual(TENANT_KEY_LIMIT);
    expect(pairKeyMax).toBeLessThanOrEqual(PAIR_KEY_LIMIT);

    // Fairness: until the last small tenant's run starts, the flood is one key among a hundred with work. Its
    // per-key limit (30 of the queue's 60) would let a first-come gate hand it half of everything; a fair one
    // gives it about one turn per round of keys.
    const lastSmallStart = Math.max(...tenants.filter((s) => s.key !== "flood").map((s) => s.start));
    const floodBefore = tenants.filter((s) => s.key === "flood" && s.start < lastSmallStart).length;
    const smallTotal = SMALL_KEYS * SMALL_RUNS;
    console.info(`[flow-control] flood runs started while small tenants had work: ${floodBefore} (small tenants' runs: ${smallTotal})`);
    expect(floodBefore).toBeLessThan(smallTotal * 0.1);
  });
});
