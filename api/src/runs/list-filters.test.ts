import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "../testing/fixtures.js";
import { startTestApi, type TestApi } from "../testing/harness.js";

// The version and queue filters of GET /api/v1/runs take their own index paths (versions resolved to deployment
// ids first, one value as `=`): these pin down that the answers, and paging through them, stay what the filter says.

let api: TestApi;
const ids = { v1: [] as string[], v2: [] as string[], unlocked: [] as string[], staging: [] as string[], queueB: [] as string[] };

beforeAll(async () => {
  api = await startTestApi({ env: { GANTRY_RECONCILE_INTERVAL_MS: "600000", GANTRY_SCHEDULER_ENABLED: "false" } });
  const sql = api.deps.sql;
  const { prod, staging } = api.seed.environments;
  const project = api.seed.projectId;
  await sql`
    insert into deployments (id, short_code, environment_id, project_id, version, status) values
      ('dep_lf_p1', 'lf_p1', ${prod.id}, ${project}, '20260101.1', 'DEPLOYED'),
      ('dep_lf_p2', 'lf_p2', ${prod.id}, ${project}, '20260101.2', 'DEPLOYED'),
      ('dep_lf_p3', 'lf_p3', ${prod.id}, ${project}, '20260101.3', 'DEPLOYED'),
      ('dep_lf_s1', 'lf_s1', ${staging.id}, ${project}, '20260101.1', 'DEPLOYED')`;
  // oldest first: 30 runs on version .1, then 5 on .2, then 3 not yet locked; staging has 4 runs on its own .1
  const rows: Array<{ id: string; env: string; dep: string | null; queue: string; status: string }> = [];
  for (let i = 0; i < 30; i++) rows.push({ id: `run_lf_v1_${String(i).padStart(2, "0")}`, env: prod.id, dep: "dep_lf_p1", queue: i % 3 === 0 ? "task/b" : "task/a", status: i % 2 ? "FAILED" : "COMPLETED" });
  for (let i = 0; i < 5; i++) rows.push({ id: `run_lf_v2_${i}`, env: prod.id, dep: "dep_lf_p2", queue: "task/a", status: "COMPLETED" });
  for (let i = 0; i < 3; i++) rows.push({ id: `run_lf_un_${i}`, env: prod.id, dep: null, queue: "task/b", status: "QUEUED" });
  for (let i = 0; i < 4; i++) rows.push({ id: `run_lf_st_${i}`, env: staging.id, dep: "dep_lf_s1", queue: "task/b", status: "COMPLETED" });
  for (const [n, r] of rows.entries()) {
    await sql`
      insert into runs (id, environment_id, project_id, task_identifier, status, queue_name, locked_deployment_id, created_at, available_at)
      values (${r.id}, ${r.env}, ${project}, ${r.queue.slice(5)}, ${r.status}, ${r.queue}, ${r.dep},
        timestamptz '2026-01-01' + ${n} * interval '1 minute', now() + interval '1 day')`;
    if (r.env === staging.id) ids.staging.push(r.id);
    else if (r.dep === "dep_lf_p1") ids.v1.push(r.id);
    else if (r.dep === "dep_lf_p2") ids.v2.push(r.id);
    else ids.unlocked.push(r.id);
    if (r.env === prod.id && r.queue === "task/b") ids.queueB.push(r.id);
  }
});

afterAll(async () => {
  await api?.close();
});

/** Every page of a listing (following `next`), and the ids in order. */
async function listAll(query: string, token = api.seed.environments.prod.apiKey, path = "/api/v1/runs"): Promise<string[]> {
  const seen: string[] = [];
  let after: string | undefined;
  for (let page = 0; page < 20; page++) {
    const res = await call(api.url, "GET", `${path}?page[size]=7&${query}${after ? `&page[after]=${after}` : ""}`, { token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    seen.push(...res.body.data.map((r: { id: string }) => r.id));
    after = res.body.pagination.next;
    if (!after) return seen;
  }
  throw new Error("more than 20 pages");
}

const newestFirst = (xs: string[]) => [...xs].reverse();

describe("filter[version]", () => {
  it("lists the environment's runs locked to the version, newest first, across pages", async () => {
    expect(await listAll("filter[version]=20260101.1")).toEqual(newestFirst(ids.v1));
    expect(await listAll("filter[version]=20260101.2")).toEqual(newestFirst(ids.v2));
  });

  it("several versions: the runs of any of them", async () => {
    expect(await listAll("filter[version]=20260101.1,20260101.2")).toEqual(newestFirst([...ids.v1, ...ids.v2]));
  });

  it("several versions, paging back: `previous` returns the page before", async () => {
    const token = api.seed.environments.prod.apiKey;
    const page = (q: string) => call(api.url, "GET", `/api/v1/runs?page[size]=7&filter[version]=20260101.2,20260101.1${q}`, { token });
    const first = await page("");
    const second = await page(`&page[after]=${first.body.pagination.next}`);
    const back = await page(`&page[before]=${second.body.pagination.previous}`);
    expect(back.body.data.map((r: { id: string }) => r.id)).toEqual(first.body.data.map((r: { id: string }) => r.id));
    expect(first.body.data.map((r: { id: string }) => r.id)).toEqual(newestFirst([...ids.v1, ...ids.v2]).slice(0, 7));
  });

  it("a version nobody deployed, or one no run was locked to, lists nothing", async () => {
    expect(await listAll("filter[version]=99990101.1")).toEqual([]);
    expect(await listAll("filter[version]=20260101.3")).toEqual([]);
  });

  it("combines with the other filters", async () => {
    const failedV1 = ids.v1.filter((_, i) => i % 2 === 1);
    expect(await listAll("filter[version]=20260101.1&filter[status]=FAILED")).toEqual(newestFirst(failedV1));
    expect(await listAll("filter[version]=20260101.1,20260101.2&filter[queue]=task/a&filter[status]=COMPLETED")).toEqual(
      newestFirst([...ids.v1.filter((_, i) => i % 3 !== 0 && i % 2 === 0), ...ids.v2]),
    );
  });

  it("another environment's deployment of the same version is its own", async () => {
    expect(await listAll("filter[version]=20260101.1", api.seed.environments.staging.apiKey)).toEqual(newestFirst(ids.staging));
    // a project listing over both environments sees both
    const both = await listAll("filter[version]=20260101.1&filter[env]=prod,staging", api.seed.accessToken, `/api/v1/projects/${api.seed.projectRef}/runs`);
    expect(new Set(both)).toEqual(new Set([...ids.v1, ...ids.staging]));
    expect(both).toHaveLength(ids.v1.length + ids.staging.length);
  });
});

describe("filter[queue]", () => {
  it("one queue, several queues, a queue with no runs", async () => {
    expect(await listAll("filter[queue]=task/b")).toEqual(newestFirst(ids.queueB));
    expect(await listAll("filter[queue]=task/a,task/b")).toHaveLength(ids.v1.length + ids.v2.length + ids.unlocked.length);
    expect(await listAll("filter[queue]=task/nobody")).toEqual([]);
  });

  it("one status, one task: the same answer as the list form", async () => {
    const one = await listAll("filter[status]=QUEUED&filter[taskIdentifier]=b");
    expect(one).toEqual(newestFirst(ids.unlocked));
    expect(await listAll("filter[status]=QUEUED,EXECUTING&filter[taskIdentifier]=b,nobody")).toEqual(one);
  });
});
