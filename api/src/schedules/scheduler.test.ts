import superjson from "superjson";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { ScheduledRunPayload } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { loadAuthEnvironment } from "../auth/environment-cache.js";
import { createSql } from "../db/sql.js";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { createScheduler, startScheduler } from "./scheduler.js";
import { createSchedule } from "./service.js";
import { deployTasks, scheduledTask, standardTask } from "./test-helpers.js";

const HOUR = 3600_000;

describe("the scheduler", () => {
  let api: TestApi;
  let other: ApiDeps; // a second api instance: its own Postgres pool
  beforeAll(async () => {
    // the tests drive the scheduler with their own clock; a background one (real time) would fire too
    api = await startTestApi({ env: { GANTRY_SCHEDULER_ENABLED: "false" } });
    other = { ...api.deps, sql: createSql(api.deps.config.DATABASE_URL) };
    for (const env of ["prod", "staging"] as const) {
      const fin = await deployTasks(api, api.seed.environments[env].apiKey, [scheduledTask("report"), scheduledTask("nightly")]);
      expect(fin.status).toBe(200);
    }
  });
  afterAll(async () => {
    await other?.sql.end({ timeout: 1 });
    await api?.close();
  });

  // each test moves the clock: earlier tests' schedules would fire too, so each test starts with none active
  beforeEach(async () => {
    await api.deps.sql`update schedules set active = false`;
  });

  /** A schedule created as if at `at` (its first tick is the first after `at`). */
  async function scheduleAt(
    at: string,
    body: { task: string; cron: string; timezone?: string; externalId?: string },
    env: "prod" | "staging" | "dev" = "prod",
  ) {
    const deps = { ...api.deps, clock: () => new Date(at) };
    return createSchedule(deps, await loadAuthEnvironment(api.deps, api.seed.environments[env].id), body);
  }

  const runsOf = (scheduleId: string) =>
    api.deps.sql<{ id: string; payload: string; payload_type: string; status: string; task_identifier: string }[]>`
      select id, payload, payload_type, status, task_identifier from runs where schedule_id = ${scheduleId} order by created_at, id`;
  const payloadOf = (run: { payload: string }) => superjson.parse<ScheduledRunPayload>(run.payload);

  it("two schedulers polling at once create exactly one run per tick, with the reference's payload", async () => {
    const s = await scheduleAt("2026-01-01T00:00:30Z", { task: "report", cron: "0 * * * *", externalId: "acct_9" });
    let fired = 0;
    for (let h = 1; h <= 5; h++) {
      const now = new Date(Date.parse("2026-01-01T00:00:05Z") + h * HOUR);
      const [a, b] = await Promise.all([
        createScheduler(api.deps, { clock: () => now }).runOnce(),
        createScheduler(other, { clock: () => now }).runOnce(),
      ]);
      fired += a.fired + b.fired;
    }
    expect(fired).toBe(5);
    const runs = await runsOf(s.id);
    expect(runs).toHaveLength(5);
    expect(runs.every((r) => r.task_identifier === "report" && r.payload_type === "application/super+json")).toBe(true);
    const payloads = runs.map(payloadOf);
    expect(payloads.map((p) => p.timestamp.toISOString())).toEqual([1, 2, 3, 4, 5].map((h) => `2026-01-01T0${h}:00:00.000Z`));
    expect(payloads[0]!.lastTimestamp).toBeUndefined();
    expect(payloads[1]!.lastTimestamp?.toISOString()).toBe("2026-01-01T01:00:00.000Z");
    expect(payloads[4]).toMatchObject({ scheduleId: s.id, externalId: "acct_9", timezone: "UTC", type: "IMPERATIVE" });
    expect(payloads[4]!.upcoming.map((d) => d.toISOString())).toEqual([6, 7, 8, 9, 10].map((h) => `2026-01-01T${String(h).padStart(2, "0")}:00:00.000Z`));

    // the API shows which schedule fired a run, and lists a schedule's runs (as the official client asks)
    const key = api.seed.environments.prod.apiKey;
    const get = async (path: string) => (await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${key}` } })).json();
    const retrieved = await get(`/api/v3/runs/${runs[0]!.id}`);
    expect(retrieved.schedule).toEqual({ id: s.id, externalId: "acct_9", generator: { type: "CRON", expression: "0 * * * *", description: expect.any(String) } });
    const listed = await get(`/api/v1/runs?filter[schedule]=${s.id}&page[size]=50`);
    expect(listed.data.map((r: { id: string }) => r.id).sort()).toEqual(runs.map((r) => r.id).sort());
    const none = await get(`/api/v1/runs?filter[schedule]=sched_nope&page[size]=50`);
    expect(none.data).toEqual([]);
  });

  it("a tick fired again after a crash (schedule not advanced) answers with the same run", async () => {
    const s = await scheduleAt("2026-02-01T00:00:30Z", { task: "report", cron: "0 * * * *" });
    const now = new Date("2026-02-01T01:00:10Z");
    await createScheduler(api.deps, { clock: () => now }).runOnce();
    // the instance that fired died before committing: the schedule still says the tick is due
    await api.deps.sql`update schedules set next_tick_at = '2026-02-01T01:00:00Z', last_tick_at = null where id = ${s.id}`;
    await createScheduler(other, { clock: () => now }).runOnce();
    expect(await runsOf(s.id)).toHaveLength(1);
  });

  it("after downtime, fires only the latest missed tick, once, and moves on to the next future tick", async () => {
    const s = await scheduleAt("2026-03-01T00:00:30Z", { task: "report", cron: "*/15 * * * *" });
    const now = new Date("2026-03-01T05:20:00Z"); // 21 ticks missed
    const report = await createScheduler(api.deps, { clock: () => now }).runOnce();
    expect(report.fired).toBe(1);
    const runs = await runsOf(s.id);
    expect(runs.map((r) => payloadOf(r).timestamp.toISOString())).toEqual(["2026-03-01T05:15:00.000Z"]);
    const [row] = await api.deps.sql<{ next_tick_at: Date }[]>`select next_tick_at from schedules where id = ${s.id}`;
    expect(row!.next_tick_at.toISOString()).toBe("2026-03-01T05:30:00.000Z");
    expect((await createScheduler(api.deps, { clock: () => now }).runOnce()).fired).toBe(0);
  });

  it("fires at the right instants across both DST changes in America/New_York", async () => {
    const spring = await scheduleAt("2026-03-07T12:00:00Z", { task: "nightly", cron: "30 2 * * *", timezone: "America/New_York" });
    const fall = await scheduleAt("2026-10-31T12:00:00Z", { task: "nightly", cron: "30 1 * * *", timezone: "America/New_York" });
    const hourly = await scheduleAt("2026-11-01T03:00:00Z", { task: "report", cron: "0 * * * *", timezone: "America/New_York" });
    // poll every 30 minutes through each change
    const walk = async (from: string, to: string) => {
      for (let t = Date.parse(from); t <= Date.parse(to); t += 30 * 60_000) {
        await createScheduler(api.deps, { clock: () => new Date(t) }).runOnce();
      }
    };
    const stamps = async (id: string) => (await runsOf(id)).map((r) => payloadOf(r).timestamp.toISOString());
    await walk("2026-03-08T05:00:00Z", "2026-03-09T07:00:00Z");
    // 02:30 does not exist on 8 March: 03:30 EDT; then 02:30 EDT
    expect(await stamps(spring.id)).toEqual(["2026-03-08T07:30:00.000Z", "2026-03-09T06:30:00.000Z"]);
    await api.deps.sql`update schedules set active = false where id = ${spring.id}`;
    await walk("2026-11-01T03:00:00Z", "2026-11-01T09:00:00Z");
    // 01:30 happens twice on 1 November: the first only
    expect(await stamps(fall.id)).toEqual(["2026-11-01T05:30:00.000Z"]);
    // hourly: both 01:00s, one run per real hour
    expect(await stamps(hourly.id)).toEqual([4, 5, 6, 7, 8, 9].map((h) => `2026-11-01T0${h}:00:00.000Z`));
  });

  it("a task missing from the environment's current deployment does not fire; its ticks are skipped", async () => {
    const s = await scheduleAt("2026-04-01T00:00:30Z", { task: "report", cron: "0 * * * *" }, "staging");
    const fin = await deployTasks(api, api.seed.environments.staging.apiKey, [standardTask("other")]);
    expect(fin.status).toBe(200);
    const report = await createScheduler(api.deps, { clock: () => new Date("2026-04-01T02:00:10Z") }).runOnce();
    expect(report).toMatchObject({ fired: 0, skipped: 1 });
    expect(await runsOf(s.id)).toHaveLength(0);
    const [row] = await api.deps.sql<{ next_tick_at: Date }[]>`select next_tick_at from schedules where id = ${s.id}`;
    expect(row!.next_tick_at.toISOString()).toBe("2026-04-01T03:00:00.000Z");
  });

  it("started, it polls on its own until stopped", async () => {
    const s = await scheduleAt("2026-06-01T00:00:30Z", { task: "report", cron: "0 * * * *" });
    const deps = { ...api.deps, clock: () => new Date("2026-06-01T01:00:05Z"), config: { ...api.deps.config, GANTRY_SCHEDULER_INTERVAL_MS: 100, GANTRY_SCHEDULER_ENABLED: "true" as const } };
    const stop = startScheduler(deps);
    try {
      await vi.waitFor(async () => expect(await runsOf(s.id)).toHaveLength(1), { timeout: 10_000, interval: 50 });
    } finally {
      await stop();
    }
  });

  it("in dev, a tick is skipped while the previous scheduled run still waits for gantry dev to claim it", async () => {
    expect((await deployTasks(api, api.seed.environments.dev.apiKey, [scheduledTask("report")])).status).toBe(200);
    const s = await scheduleAt("2026-07-01T00:00:30Z", { task: "report", cron: "0 * * * *" }, "dev");
    const at = (iso: string) => createScheduler(api.deps, { clock: () => new Date(iso) }).runOnce();
    expect(await at("2026-07-01T01:00:05Z")).toMatchObject({ fired: 1 });
    expect(await at("2026-07-01T02:00:05Z")).toMatchObject({ fired: 0, skipped: 1 });
    expect(await runsOf(s.id)).toHaveLength(1);
    // a dev session claimed and finished it: the next tick fires
    await api.deps.sql`update runs set status = 'COMPLETED' where schedule_id = ${s.id}`;
    expect(await at("2026-07-01T03:00:05Z")).toMatchObject({ fired: 1 });
  });

  it("a deactivated schedule does not fire, and ticks missed while inactive never fire", async () => {
    const s = await scheduleAt("2026-05-01T00:00:30Z", { task: "report", cron: "0 * * * *" });
    await api.deps.sql`update schedules set active = false where id = ${s.id}`;
    expect((await createScheduler(api.deps, { clock: () => new Date("2026-05-01T03:00:10Z") }).runOnce()).fired).toBe(0);
    expect(await runsOf(s.id)).toHaveLength(0);
  });
});
