import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, testArtifact, testManifest } from "../../../api/src/testing/fixtures.js";
import { startTestApi, type TestApi } from "../../../api/src/testing/harness.js";
import { BadRequestError, configure, NotFoundError, schedules, SDK_VERSION } from "../index.js";

// The client side of schedules against a real api (the authoring side, schedules.task, is in tasks/).
describe("schedules client", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
    const key = api.seed.environments.prod.apiKey;
    const manifest = testManifest({ tasks: [{ id: "digest", filePath: "src/trigger/digest.ts", triggerSource: "SCHEDULED" }] });
    const created = await call(api.url, "POST", "/api/v1/deployments", { token: key, body: { sdkVersion: SDK_VERSION } });
    const artifact = testArtifact(manifest);
    await call(api.url, "PUT", `/api/v1/artifacts/${artifact.hash}`, { token: key, raw: artifact.body, headers: { "content-type": "application/json" } });
    const fin = await call(api.url, "POST", `/api/v1/deployments/${created.body.id}/finalize`, { token: key, body: { artifactHash: artifact.hash, manifest } });
    expect(fin.status).toBe(200);
    configure({ secretKey: key, baseURL: api.url, requestOptions: { retry: { maxAttempts: 1 } } });
  });
  afterAll(async () => {
    await api?.close();
  });

  it("create (deduplicated), retrieve, update, deactivate, activate, del", async () => {
    const created = await schedules.create({ task: "digest", cron: "0 7 * * *", timezone: "Europe/Berlin", externalId: "u1", deduplicationKey: "u1-digest" });
    expect(created).toMatchObject({ type: "IMPERATIVE", task: "digest", active: true, timezone: "Europe/Berlin", externalId: "u1" });
    expect(created.nextRun).toBeInstanceOf(Date);
    const again = await schedules.create({ task: "digest", cron: "0 8 * * *", deduplicationKey: "u1-digest" });
    expect(again.id).toBe(created.id);
    expect(again.generator.expression).toBe("0 8 * * *");

    expect((await schedules.retrieve(created.id)).id).toBe(created.id);
    expect((await schedules.update(created.id, { task: "digest", cron: "*/5 * * * *" })).generator.expression).toBe("*/5 * * * *");
    expect((await schedules.deactivate(created.id)).active).toBe(false);
    expect((await schedules.activate(created.id)).active).toBe(true);
    expect(await schedules.del(created.id)).toEqual({ id: created.id });
    await expect(schedules.retrieve(created.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("bad input is a BadRequestError naming the field", async () => {
    const error = await schedules.create({ task: "digest", cron: "0 0 * * *", timezone: "Moon/Base", deduplicationKey: "x" }).catch((e) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toMatch(/Moon\/Base/);
  });

  it("list pages by page/perPage and for await walks every schedule", async () => {
    for (let i = 0; i < 5; i++) await schedules.create({ task: "digest", cron: `${i} * * * *`, deduplicationKey: `k${i}` });
    const first = await schedules.list({ perPage: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.pagination).toEqual({ currentPage: 1, totalPages: 3, count: 5 });
    expect(first.hasNextPage()).toBe(true);
    expect((await first.getNextPage()).pagination.currentPage).toBe(2);
    const all: string[] = [];
    for await (const s of schedules.list({ perPage: 2 })) all.push(s.generator.expression);
    expect(all.sort()).toEqual(["0 * * * *", "1 * * * *", "2 * * * *", "3 * * * *", "4 * * * *"]);
  });

  it("timezones", async () => {
    expect((await schedules.timezones()).timezones).toContain("UTC");
    expect((await schedules.timezones({ excludeUtc: true })).timezones).not.toContain("UTC");
  });

  it("schedules.task still defines scheduled tasks", () => {
    const t = schedules.task({ id: "still-works", cron: "0 * * * *", run: async (p) => p.timestamp });
    expect(t.id).toBe("still-works");
  });
});
