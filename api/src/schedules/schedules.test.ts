import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListSchedulesResult, ScheduleObject, TimezonesResult } from "@gantry/sdk/contracts";
import { call } from "../testing/fixtures.js";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { deployTasks, scheduledTask, standardTask } from "./test-helpers.js";

describe("imperative schedules (/api/v1/schedules)", () => {
  let api: TestApi;
  let key: string;
  const req = (method: string, path: string, body?: unknown, token = key) => call(api.url, method, path, { token, body });

  beforeAll(async () => {
    api = await startTestApi();
    key = api.seed.environments.prod.apiKey;
    const fin = await deployTasks(api, key, [scheduledTask("reminder"), standardTask("plain")]);
    expect(fin.status).toBe(200);
  });
  afterAll(async () => {
    await api?.close();
  });

  it("creates an IMPERATIVE schedule in the reference's shape", async () => {
    const res = await req("POST", "/api/v1/schedules", {
      task: "reminder",
      cron: "0 8 * * *",
      timezone: "America/New_York",
      externalId: "user_1",
      deduplicationKey: "user_1-reminder",
    });
    expect(res.status).toBe(200);
    const s = ScheduleObject.parse(res.body);
    expect(s.id).toMatch(/^sched_/);
    expect(res.body).toMatchObject({
      type: "IMPERATIVE",
      task: "reminder",
      active: true,
      externalId: "user_1",
      deduplicationKey: "user_1-reminder",
      generator: { type: "CRON", expression: "0 8 * * *", description: "At 08:00 AM" },
      timezone: "America/New_York",
      environments: [{ id: api.seed.environments.prod.id, type: "PRODUCTION" }],
    });
    // 08:00 New York is 12:00 or 13:00 UTC
    expect(new Date(res.body.nextRun).toLocaleTimeString("en-US", { timeZone: "America/New_York", hour12: false })).toBe("08:00:00");
  });

  it("a second create with the same deduplicationKey updates that schedule", async () => {
    const first = await req("POST", "/api/v1/schedules", { task: "reminder", cron: "0 * * * *", deduplicationKey: "dedupe-me" });
    const second = await req("POST", "/api/v1/schedules", {
      task: "reminder",
      cron: "30 6 * * 1",
      deduplicationKey: "dedupe-me",
      externalId: "ext-2",
      timezone: "Europe/Paris",
    });
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body).toMatchObject({ generator: { expression: "30 6 * * 1" }, externalId: "ext-2", timezone: "Europe/Paris" });
    const [{ count }] = (await api.deps.sql`select count(*)::int as count from schedules where deduplication_key = 'dedupe-me'`) as any;
    expect(count).toBe(1);
    // without a key, identical creates make separate schedules
    const a = await req("POST", "/api/v1/schedules", { task: "reminder", cron: "0 * * * *", externalId: "same" });
    const b = await req("POST", "/api/v1/schedules", { task: "reminder", cron: "0 * * * *", externalId: "same" });
    expect(a.body.id).not.toBe(b.body.id);
  });

  it.each([
    [{ task: "reminder", cron: "0 * * *" }, "cron", /5: minute hour/],
    [{ task: "reminder", cron: "61 * * * *" }, "cron", /out of range in the minute field/],
    [{ task: "reminder", cron: "0 0 31 2 *" }, "cron", /never matches/],
    [{ task: "reminder", cron: "0 * * * *", timezone: "America/Gotham" }, "timezone", /America\/Gotham.*IANA/],
    [{ task: "plain", cron: "0 * * * *" }, "task", /not a scheduled task/],
    [{ task: "missing", cron: "0 * * * *" }, "task", /has not been deployed/],
    [{ cron: "0 * * * *" }, "task", /./],
  ])("400 naming the field: %j", async (body, param, message) => {
    const res = await req("POST", "/api/v1/schedules", body);
    expect(res.status).toBe(400);
    expect(res.body.param).toBe(param);
    expect(res.body.error).toMatch(message);
  });

  it("retrieve, update, deactivate, activate and delete", async () => {
    const { body: s } = await req("POST", "/api/v1/schedules", { task: "reminder", cron: "0 0 * * *" });
    expect((await req("GET", `/api/v1/schedules/${s.id}`)).body).toEqual(s);

    const updated = await req("PUT", `/api/v1/schedules/${s.id}`, { task: "reminder", cron: "15 3 * * *", timezone: "Asia/Tokyo" });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: s.id, generator: { expression: "15 3 * * *" }, timezone: "Asia/Tokyo" });
    expect((await req("PUT", `/api/v1/schedules/${s.id}`, { task: "reminder", cron: "nope" })).body.param).toBe("cron");

    const off = await req("POST", `/api/v1/schedules/${s.id}/deactivate`);
    expect(off.body).toMatchObject({ active: false });
    expect(off.body.nextRun).toBeUndefined();
    const on = await req("POST", `/api/v1/schedules/${s.id}/activate`);
    expect(on.body).toMatchObject({ active: true });
    expect(on.body.nextRun).toBeDefined();

    expect(await req("DELETE", `/api/v1/schedules/${s.id}`)).toMatchObject({ status: 200, body: { id: s.id } });
    expect((await req("GET", `/api/v1/schedules/${s.id}`)).status).toBe(404);
  });

  it("lists with page/perPage pagination", async () => {
    const all = await req("GET", "/api/v1/schedules");
    const total = ListSchedulesResult.parse(all.body).pagination.count;
    expect(total).toBeGreaterThanOrEqual(4);
    const page2 = await req("GET", "/api/v1/schedules?page=2&perPage=2");
    expect(page2.body.pagination).toEqual({ currentPage: 2, totalPages: Math.ceil(total / 2), count: total });
    expect(page2.body.data).toHaveLength(2);
    expect(page2.body.data.map((s: any) => s.id)).toEqual(all.body.data.slice(2, 4).map((s: any) => s.id));
    expect((await req("GET", "/api/v1/schedules?page=0")).body.param).toBe("page");
  });

  it("a schedule is invisible to another environment's key", async () => {
    const { body: s } = await req("POST", "/api/v1/schedules", { task: "reminder", cron: "0 0 * * *" });
    const staging = api.seed.environments.staging.apiKey;
    expect((await req("GET", `/api/v1/schedules/${s.id}`, undefined, staging)).status).toBe(404);
    expect((await req("DELETE", `/api/v1/schedules/${s.id}`, undefined, staging)).status).toBe(404);
    expect((await req("GET", "/api/v1/schedules", undefined, staging)).body.data).toEqual([]);
  });

  it("serves the timezone list", async () => {
    const res = await call(api.url, "GET", "/api/v1/timezones");
    expect(TimezonesResult.parse(res.body).timezones).toContain("America/New_York");
    expect(res.body.timezones[0]).toBe("UTC");
    expect((await call(api.url, "GET", "/api/v1/timezones?excludeUtc=true")).body.timezones).not.toContain("UTC");
  });
});
