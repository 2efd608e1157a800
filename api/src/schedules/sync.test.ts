import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "../testing/fixtures.js";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { createScheduler } from "./scheduler.js";
import { deployTasks, scheduledTask, standardTask } from "./test-helpers.js";

describe("declarative schedules (schedules.task({ cron }))", () => {
  let api: TestApi;
  beforeAll(async () => {
    // the tests drive the scheduler with their own clock; a background one (real time) would fire too
    api = await startTestApi({ env: { GANTRY_SCHEDULER_ENABLED: "false" } });
  });
  afterAll(async () => {
    await api?.close();
  });

  const list = async (key: string) => {
    const res = await call(api.url, "GET", "/api/v1/schedules?perPage=100", { token: key });
    expect(res.status).toBe(200);
    return (res.body.data as any[]).filter((s) => s.type === "DECLARATIVE").sort((a, b) => a.task.localeCompare(b.task));
  };

  it("a deploy creates them, a later deploy updates them and deactivates removed ones", async () => {
    const key = api.seed.environments.prod.apiKey;
    const v1 = await deployTasks(api, key, [
      scheduledTask("hourly", { cron: "0 * * * *" }),
      scheduledTask("tokyo", { cron: "0 5 * * *", timezone: "Asia/Tokyo", environments: ["PRODUCTION", "STAGING"] }),
      scheduledTask("imperative-only"),
      standardTask("plain"),
    ]);
    expect(v1.status).toBe(200);
    const first = await list(key);
    expect(first).toMatchObject([
      { task: "hourly", active: true, generator: { expression: "0 * * * *" }, timezone: "UTC", environments: [{ type: "PRODUCTION" }] },
      { task: "tokyo", active: true, generator: { expression: "0 5 * * *" }, timezone: "Asia/Tokyo" },
    ]);

    const v2 = await deployTasks(api, key, [scheduledTask("hourly", { cron: "*/30 * * * *" }), scheduledTask("tokyo")]);
    expect(v2.status).toBe(200);
    const second = await list(key);
    expect(second).toMatchObject([
      { id: first[0].id, task: "hourly", active: true, generator: { expression: "*/30 * * * *" } },
      { id: first[1].id, task: "tokyo", active: false },
    ]);

    // the cron comes back with a later deploy: the same schedule, active again
    await deployTasks(api, key, [scheduledTask("hourly", { cron: "*/30 * * * *" }), scheduledTask("tokyo", { cron: "0 6 * * *" })]);
    expect((await list(key)).map((s) => [s.id, s.active])).toEqual([[first[0].id, true], [first[1].id, true]]);
  });

  it("declarative schedules cannot be changed through the API", async () => {
    const key = api.seed.environments.prod.apiKey;
    const [s] = await list(key);
    for (const [method, path] of [["DELETE", `/api/v1/schedules/${s.id}`], ["POST", `/api/v1/schedules/${s.id}/deactivate`]] as const) {
      const res = await call(api.url, method, path, { token: key });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/DECLARATIVE.*only IMPERATIVE/);
    }
  });

  it("environments restricts where a cron runs: a preview branch never gets a production-only cron", async () => {
    const tasks = [
      scheduledTask("prod-only", { cron: "0 3 * * *", environments: ["PRODUCTION"] }),
      scheduledTask("everywhere", { cron: "0 4 * * *" }),
    ];
    const preview = api.seed.environments.preview.apiKey;
    const fin = await deployTasks(api, preview, tasks, { branch: "feature-x" });
    expect(fin.status).toBe(200);
    const branchEnv = fin.body.environment.id as string;
    const rows = await api.deps.sql<{ task_identifier: string }[]>`
      select task_identifier from schedules where environment_id = ${branchEnv} order by task_identifier`;
    expect(rows.map((r) => r.task_identifier)).toEqual(["everywhere"]);

    const staging = await deployTasks(api, api.seed.environments.staging.apiKey, tasks);
    expect(staging.status).toBe(200);
    expect((await list(api.seed.environments.staging.apiKey)).map((s) => s.task)).toEqual(["everywhere"]);
  });

  it("a bad cron fails the deploy with a 400 naming the task, and nothing is promoted", async () => {
    const key = api.seed.environments.staging.apiKey;
    const before = await list(key);
    const current = async () =>
      (await api.deps.sql<{ id: string }[]>`select current_deployment_id as id from environments where id = ${api.seed.environments.staging.id}`)[0]!.id;
    const currentBefore = await current();
    const fin = await deployTasks(api, key, [scheduledTask("broken", { cron: "0 25 * * *" })]);
    expect(fin.status).toBe(400);
    expect(fin.body.param).toBe("manifest.tasks");
    expect(fin.body.error).toMatch(/Task "broken".*out of range in the hour field/);
    expect(await list(key)).toEqual(before);
    expect(await current()).toBe(currentBefore);
    const bad = await deployTasks(api, key, [scheduledTask("broken", { cron: "0 1 * * *", timezone: "Nowhere/Land" })]);
    expect(bad.body.error).toMatch(/Task "broken".*Invalid timezone "Nowhere\/Land"/);
  });

  it("a deploy with skipPromotion syncs nothing; promoting it later syncs on the scheduler's next pass", async () => {
    const key = api.seed.environments.staging.apiKey;
    const fin = await deployTasks(api, key, [scheduledTask("later", { cron: "15 * * * *" })], { skipPromotion: true });
    expect(fin.status).toBe(200);
    expect((await list(key)).find((s) => s.task === "later")).toBeUndefined();

    const promoted = await call(api.url, "POST", `/api/v1/deployments/${fin.body.version}/promote`, { token: key });
    expect(promoted.status).toBe(200);
    expect(await createScheduler(api.deps).resync()).toBeGreaterThanOrEqual(1);
    expect((await list(key)).map((s) => [s.task, s.active])).toEqual([["everywhere", false], ["later", true]]);
  });
});
