import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployTasks, scheduledTask } from "../schedules/test-helpers.js";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { ensureAdminAccount } from "./admin-account.js";

let api: TestApi;
let cookie: string;
let csrf: string;

beforeAll(async () => {
  api = await startTestApi();
  const creds = await ensureAdminAccount(api.deps, { organizationId: api.seed.organizationId });
  const res = await fetch(`${api.url}/api/v1/dashboard/sign-in`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(creds) });
  cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
  csrf = ((await res.json()) as { csrfToken: string }).csrfToken;
});
afterAll(async () => {
  await api?.close();
});

const call = async (method: string, path: string, body?: unknown, env = api.seed.environments.prod.id) => {
  const r = await fetch(`${api.url}${path}`, {
    method,
    headers: { cookie, "x-gantry-csrf": csrf, "x-gantry-environment": env, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
};

describe("a schedule's upcoming runs (Schedules page)", () => {
  it("lists the next ticks in the schedule's timezone, the first being nextRun; none once deactivated", async () => {
    expect((await deployTasks(api, api.seed.environments.prod.apiKey, [scheduledTask("nightly")])).status).toBe(200);
    const created = await call("POST", "/api/v1/schedules", { task: "nightly", cron: "30 6 * * 1", timezone: "Europe/Paris" });
    expect(created.status).toBe(200);
    const id = created.body.id as string;

    const upcoming = await call("GET", `/api/v1/dashboard/schedules/${id}/upcoming?count=3`);
    expect(upcoming.status).toBe(200);
    expect(upcoming.body.upcoming).toHaveLength(3);
    expect(upcoming.body.upcoming[0]).toBe(new Date(created.body.nextRun).toISOString());
    const ticks = (upcoming.body.upcoming as string[]).map((t) => new Date(t));
    for (const [i, tick] of ticks.entries()) {
      // Mondays 06:30 in Paris, a week apart
      const wall = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Paris", weekday: "short", hour: "2-digit", minute: "2-digit" }).format(tick);
      expect(wall).toBe("Mon 06:30");
      if (i > 0) expect((tick.getTime() - ticks[i - 1]!.getTime()) / 3600_000).toBeGreaterThanOrEqual(167);
    }
    expect((await call("GET", `/api/v1/dashboard/schedules/${id}/upcoming`)).body.upcoming).toHaveLength(5);

    expect((await call("POST", `/api/v1/schedules/${id}/deactivate`)).status).toBe(200);
    expect((await call("GET", `/api/v1/dashboard/schedules/${id}/upcoming`)).body).toEqual({ id, upcoming: [] });
  });

  it("refuses a bad count, and a schedule of another environment", async () => {
    const list = await call("GET", "/api/v1/schedules");
    const id = list.body.data[0].id as string;
    expect(await call("GET", `/api/v1/dashboard/schedules/${id}/upcoming?count=0`)).toMatchObject({ status: 400, body: { param: "count" } });
    expect(await call("GET", `/api/v1/dashboard/schedules/${id}/upcoming?count=abc`)).toMatchObject({ status: 400, body: { param: "count" } });
    expect((await call("GET", `/api/v1/dashboard/schedules/${id}/upcoming`, undefined, api.seed.environments.staging.id)).status).toBe(404);
  });
});
