import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, configure, schedules } from "@trigger.dev/sdk";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { deployTasks, scheduledTask } from "./test-helpers.js";

// The official @trigger.dev/sdk's schedules.* against Gantry: its response schemas parse ours.
describe("schedules through the official client", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
    expect((await deployTasks(api, api.seed.environments.prod.apiKey, [scheduledTask("digest")])).status).toBe(200);
    configure({ secretKey: api.seed.environments.prod.apiKey, baseURL: api.url });
  });
  afterAll(async () => {
    await api?.close();
  });

  it("create, list (every page), retrieve, update, deactivate, activate, del, timezones", async () => {
    const s = await schedules.create({ task: "digest", cron: "0 8 * * *", deduplicationKey: "a", timezone: "America/New_York", externalId: "e" });
    expect(s).toMatchObject({ type: "IMPERATIVE", task: "digest", active: true, externalId: "e", timezone: "America/New_York" });
    expect(s.nextRun).toBeInstanceOf(Date);
    for (let i = 0; i < 3; i++) await schedules.create({ task: "digest", cron: `${i} * * * *`, deduplicationKey: `k${i}` });
    const ids: string[] = [];
    for await (const x of schedules.list({ perPage: 2 })) ids.push(x.id);
    expect(new Set(ids).size).toBe(4);
    expect((await schedules.retrieve(s.id)).id).toBe(s.id);
    expect((await schedules.update(s.id, { task: "digest", cron: "0 9 * * *" })).generator.expression).toBe("0 9 * * *");
    expect((await schedules.deactivate(s.id)).active).toBe(false);
    expect((await schedules.activate(s.id)).active).toBe(true);
    expect(await schedules.del(s.id)).toEqual({ id: s.id });
    expect((await schedules.timezones()).timezones).toContain("Asia/Tokyo");
  });

  it("a bad cron is a 400 the official client does not retry", async () => {
    const error = await schedules.create({ task: "digest", cron: "bad", deduplicationKey: "z" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).message).toMatch(/Invalid cron/);
  });
});
