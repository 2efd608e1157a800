import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { cachedTaskStats, TASK_STATS_FRESH_MS, TASK_STATS_STALE_MS } from "./task-stats-cache.js";

const WEEK_MS = 7 * 24 * 3600_000;
let api: TestApi;
let n = 0;

beforeAll(async () => {
  api = await startTestApi({ env: { GANTRY_RECONCILE_INTERVAL_MS: "600000", GANTRY_SCHEDULER_ENABLED: "false" } });
});

afterAll(async () => {
  await api?.close();
});

async function insertRun(environmentId: string, task: string, status: string, opts: { durationMs?: number; ageMs?: number } = {}) {
  const finished = opts.durationMs !== undefined;
  await api.deps.sql`
    insert into runs (id, environment_id, project_id, task_identifier, status, queue_name, usage_duration_ms,
      created_at, completed_at, available_at)
    values (${`run_tsc_${++n}`}, ${environmentId}, ${api.seed.projectId}, ${task}, ${status}, ${`task/${task}`},
      ${opts.durationMs ?? 0}, now() - ${opts.ageMs ?? 0} * interval '1 millisecond', ${finished ? api.deps.sql`now()` : null},
      now() + interval '1 day')`;
}

/** A clock the test moves by hand, over the test's real pool. */
function handClock() {
  let now = Date.now();
  return { deps: { sql: api.deps.sql, clock: () => new Date(now) }, advance: (ms: number) => (now += ms) };
}

describe("cachedTaskStats", () => {
  it("counts per task and status, and averages and p95 of finished runs, inside the window only", async () => {
    const env = api.seed.environments.staging.id;
    for (const d of [100, 200, 300, 400, 500]) await insertRun(env, "alpha", "COMPLETED", { durationMs: d });
    await insertRun(env, "alpha", "FAILED", { durationMs: 1000 });
    await insertRun(env, "alpha", "EXECUTING");
    await insertRun(env, "beta", "QUEUED");
    await insertRun(env, "alpha", "COMPLETED", { durationMs: 9_999, ageMs: WEEK_MS + 3600_000 });
    const { rows } = await cachedTaskStats(handClock().deps, env, WEEK_MS);
    const byTask = Object.fromEntries(rows.map((r) => [r.task_identifier, r]));
    expect(byTask.alpha).toMatchObject({ count: 7, by_status: { COMPLETED: 5, FAILED: 1, EXECUTING: 1 }, avg_duration_ms: 2500 / 6 });
    // percentile_cont(0.95) of 100..500, 1000: between the 5th and 6th values, 75% of the way
    expect(byTask.alpha!.p95_duration_ms).toBeCloseTo(500 + 0.75 * 500, 6);
    expect(byTask.beta).toMatchObject({ count: 1, by_status: { QUEUED: 1 }, avg_duration_ms: null, p95_duration_ms: null });
  });

  it("serves an answer while fresh, then once stale while it refreshes, and waits when nobody looked for long", async () => {
    const env = api.seed.environments.prod.id;
    const clock = handClock();
    const count = (s: { rows: Array<{ task_identifier: string; count: number }> }) => s.rows.find((r) => r.task_identifier === "gamma")?.count ?? 0;
    await insertRun(env, "gamma", "QUEUED");
    const first = await cachedTaskStats(clock.deps, env, WEEK_MS);
    expect(count(first)).toBe(1);

    await insertRun(env, "gamma", "QUEUED");
    clock.advance(TASK_STATS_FRESH_MS - 1);
    expect(await cachedTaskStats(clock.deps, env, WEEK_MS)).toBe(first);

    clock.advance(2);
    // stale: the old answer at once, and a refresh behind it
    expect(await cachedTaskStats(clock.deps, env, WEEK_MS)).toBe(first);
    await vi.waitFor(async () => expect(count(await cachedTaskStats(clock.deps, env, WEEK_MS))).toBe(2));

    await insertRun(env, "gamma", "QUEUED");
    clock.advance(TASK_STATS_STALE_MS + 1);
    const late = await cachedTaskStats(clock.deps, env, WEEK_MS);
    expect(count(late)).toBe(3);
    expect(late.asOf.getTime()).toBe(clock.deps.clock().getTime());
  });

  it("callers arriving together share one computation", async () => {
    const env = api.seed.environments.dev.id;
    const clock = handClock();
    await insertRun(env, "delta", "QUEUED");
    const [a, b] = await Promise.all([cachedTaskStats(clock.deps, env, WEEK_MS), cachedTaskStats(clock.deps, env, WEEK_MS)]);
    expect(a).toBe(b);
    expect(a.rows.map((r) => [r.task_identifier, r.count])).toEqual([["delta", 1]]);
  });
});
