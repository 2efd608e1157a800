import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";
import { startApi, type StartedApi } from "../index.js";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { client, deployTasks, type Client } from "../runner-api/test-helpers.js";
import { leaseBulkAction, selectBulkAction } from "./queries/bulk-actions.js";
import { processChunk, replayRequestKey } from "./worker.js";
import { loadAuthEnvironment } from "../auth/environment-cache.js";
import { replayRun } from "../runs/replay.js";

// This api's own worker is off: the tests drive chunks by hand (abort between two chunks, a lease held by a
// "crashed" instance), or start a second api instance on the same database whose worker does the work.
let api: TestApi;
let http: Client;
let prodKey: string;

beforeAll(async () => {
  api = await startTestApi({
    env: { GANTRY_BULK_ACTIONS_WORKER: "false", GANTRY_BULK_ACTION_CHUNK_SIZE: "2", GANTRY_RECONCILE_INTERVAL_MS: "600000" },
  });
  http = client(api.url);
  prodKey = api.seed.environments.prod.apiKey;
  await deployTasks(http, prodKey, [{ id: "hello" }, { id: "other" }]);
});

afterAll(async () => {
  await api?.close();
});

const trigger = async (taskId: string, tags: string[] = [], key = prodKey) =>
  (await http.call("POST", `/api/v1/tasks/${taskId}/trigger`, { key, body: { payload: { n: 1 }, options: { tags, delay: "1h" } } })).body
    .id as string;
const create = (body: unknown, key = prodKey) => http.call("POST", "/api/v1/bulk-actions", { key, body });
const retrieve = async (id: string) => (await http.call("GET", `/api/v1/bulk-actions/${id}`, { key: prodKey })).body;
const status = async (runId: string) => (await http.call("GET", `/api/v3/runs/${runId}`, { key: prodKey })).body.status as string;
const bulkCount = async () => Number((await api.deps.sql<{ n: string }[]>`select count(*)::text as n from bulk_actions`)[0]!.n);

/** Processes an action to its end with this test's worker id (what the background worker does). */
async function runToEnd(id: string, workerId = "test-worker") {
  const action = await leaseBulkAction(api.deps.sql, workerId, 30_000, id);
  if (!action) throw new Error(`could not lease ${id}`);
  let outcome = "more";
  let chunks = 0;
  while (outcome === "more") {
    outcome = await processChunk(api.deps, action, workerId);
    chunks++;
  }
  return { outcome, chunks };
}

describe("bulk cancel", () => {
  it("by run ids, in chunks, with counts and the runs recorded for filter[bulkAction]", async () => {
    const ids = [await trigger("hello"), await trigger("hello"), await trigger("hello")];
    const done = await trigger("hello");
    await http.call("POST", `/api/v2/runs/${done}/cancel`, { key: prodKey });
    const res = await create({ action: "cancel", runIds: [...ids, done, "run_notinthisenv"], name: "tidy up" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ type: "CANCEL", status: "PENDING", state: "PENDING", name: "tidy up", counts: { total: 5, success: 0, failure: 0 } });
    expect(res.body.id).toMatch(/^bulk_/);

    // 5 ids in chunks of 2: three chunks
    expect(await runToEnd(res.body.id)).toEqual({ outcome: "done", chunks: 3 });
    const action = await retrieve(res.body.id);
    expect(action).toMatchObject({ status: "COMPLETED", state: "COMPLETED", counts: { total: 5, success: 3, failure: 2 }, processed: 5 });
    expect(action.completedAt).toBeTruthy();
    for (const id of ids) expect(await status(id)).toBe("CANCELED");

    const listed = await http.call("GET", `/api/v1/runs?filter[bulkAction]=${res.body.id}`, { key: prodKey });
    expect(listed.body.data.map((r: { id: string }) => r.id).sort()).toEqual([...ids, done].sort());
  });

  it("by filter: only matching runs created before the action", async () => {
    const tagged = [await trigger("other", ["bulk-f"]), await trigger("other", ["bulk-f"])];
    const untagged = await trigger("other");
    const res = await create({ action: "cancel", filter: { tag: "bulk-f", taskIdentifier: ["other"] } });
    const later = await trigger("other", ["bulk-f"]);
    expect(res.body.counts.total).toBe(2);
    await runToEnd(res.body.id);
    expect(await retrieve(res.body.id)).toMatchObject({ status: "COMPLETED", counts: { total: 2, success: 2, failure: 0 } });
    for (const id of tagged) expect(await status(id)).toBe("CANCELED");
    expect(await status(untagged)).toBe("DELAYED");
    expect(await status(later)).toBe("DELAYED");
  });

  it("abort stops it before its next chunk; what was done stays done", async () => {
    const ids = [await trigger("hello"), await trigger("hello"), await trigger("hello"), await trigger("hello")];
    const res = await create({ action: "cancel", runIds: ids });
    const action = (await leaseBulkAction(api.deps.sql, "w1", 30_000, res.body.id))!;
    expect(await processChunk(api.deps, action, "w1")).toBe("more");
    expect(await retrieve(res.body.id)).toMatchObject({ status: "PENDING", state: "RUNNING", processed: 2 });

    const aborted = await http.call("POST", `/api/v1/bulk-actions/${res.body.id}/abort`, { key: prodKey });
    expect(aborted.status).toBe(200);
    expect(aborted.body).toMatchObject({ id: res.body.id, status: "ABORTED" });
    expect(await processChunk(api.deps, action, "w1")).toBe("stopped");

    expect(await retrieve(res.body.id)).toMatchObject({ status: "ABORTED", counts: { total: 4, success: 2, failure: 0 } });
    expect([await status(ids[0]!), await status(ids[1]!)]).toEqual(["CANCELED", "CANCELED"]);
    expect([await status(ids[2]!), await status(ids[3]!)]).toEqual(["DELAYED", "DELAYED"]);
    // aborting again (or a finished action) changes nothing
    expect((await http.call("POST", `/api/v1/bulk-actions/${res.body.id}/abort`, { key: prodKey })).body.status).toBe("ABORTED");
  });
});

describe("bulk replay", () => {
  it("replays each run once, even when a chunk is redone after a crash", async () => {
    const ids = [await trigger("hello", ["rp"]), await trigger("hello", ["rp"])];
    const res = await create({ action: "replay", runIds: ids });
    // an instance replayed the first run, then crashed before recording its chunk
    const environment = await loadAuthEnvironment(api.deps, api.seed.environments.prod.id);
    await replayRun(api.deps, environment, ids[0]!, {}, replayRequestKey(res.body.id, ids[0]!));
    await runToEnd(res.body.id, "w-next");

    expect(await retrieve(res.body.id)).toMatchObject({ status: "COMPLETED", counts: { total: 2, success: 2, failure: 0 } });
    const replays = await api.deps.sql<{ replayed_from_id: string }[]>`
      select replayed_from_id from runs where replayed_from_id = any(${ids})`;
    expect(replays.map((r) => r.replayed_from_id).sort()).toEqual([...ids].sort());
  });
});

describe("leases and instances", () => {
  it("an action leased by a live instance is not taken; once its lease expires, another instance finishes it", async () => {
    const ids = [await trigger("hello"), await trigger("hello"), await trigger("hello")];
    const res = await create({ action: "cancel", runIds: ids });
    await api.deps.sql`update bulk_actions set status = 'RUNNING', locked_by = 'crashed', locked_until = now() + interval '1 hour' where id = ${res.body.id}`;
    expect(await leaseBulkAction(api.deps.sql, "w2", 30_000, res.body.id)).toBeUndefined();
    await api.deps.sql`update bulk_actions set locked_until = now() - interval '1 second' where id = ${res.body.id}`;

    // a second api instance on the same database, with its worker on
    let second: StartedApi | undefined;
    try {
      second = await startApi(loadConfig({ ...configEnv(api), GANTRY_BULK_ACTIONS_WORKER: "true", GANTRY_RECONCILE_INTERVAL_MS: "200" }), { port: 0 });
      for (let i = 0; i < 100; i++) {
        if ((await selectBulkAction(api.deps.sql, api.seed.environments.prod.id, res.body.id))?.status === "COMPLETED") break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await second?.close();
    }
    expect(await retrieve(res.body.id)).toMatchObject({ status: "COMPLETED", counts: { success: 3 } });
    for (const id of ids) expect(await status(id)).toBe("CANCELED");
  });
});

describe("routes", () => {
  it("bad input: 400 naming the field, nothing created", async () => {
    const before = await bulkCount();
    const cases: Array<[unknown, string]> = [
      [{ action: "cancel" }, "filter"],
      [{ action: "cancel", runIds: ["run_a"], filter: { tag: "x" } }, "filter"],
      [{ action: "explode", runIds: ["run_a"] }, "action"],
      [{ action: "cancel", filter: {} }, "filter"],
      [{ action: "cancel", filter: { status: "SLEEPING" } }, "filter.status"],
      [{ action: "cancel", filter: { colour: "red" } }, "filter"],
      [{ action: "cancel", filter: { period: "soon" } }, "filter.period"],
      [{ action: "replay", runIds: [] }, "runIds"],
      [{ action: "replay", runIds: ["run_a"], name: "n".repeat(256) }, "name"],
    ];
    for (const [body, param] of cases) {
      const res = await create(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.param, JSON.stringify(body)).toBe(param);
    }
    expect(await bulkCount()).toBe(before);
  });

  it("list pages newest first; another environment sees none of them", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await create({ action: "cancel", runIds: [`run_x${i}`] })).body.id);
    const first = await http.call("GET", "/api/v1/bulk-actions?page[size]=2", { key: prodKey });
    expect(first.body.data.map((a: { id: string }) => a.id)).toEqual([ids[2], ids[1]]);
    const second = await http.call("GET", `/api/v1/bulk-actions?page[size]=2&page[after]=${first.body.pagination.next}`, { key: prodKey });
    expect(second.body.data[0].id).toBe(ids[0]);
    const back = await http.call("GET", `/api/v1/bulk-actions?page[size]=2&page[before]=${second.body.pagination.previous}`, { key: prodKey });
    expect(back.body.data.map((a: { id: string }) => a.id)).toEqual([ids[2], ids[1]]);

    const staging = api.seed.environments.staging.apiKey;
    expect((await http.call("GET", "/api/v1/bulk-actions", { key: staging })).body.data).toEqual([]);
    expect((await http.call("GET", `/api/v1/bulk-actions/${ids[0]}`, { key: staging })).status).toBe(404);
    expect((await http.call("POST", `/api/v1/bulk-actions/${ids[0]}/abort`, { key: staging })).status).toBe(404);
  });
});

function configEnv(t: TestApi): Record<string, string> {
  const c = t.deps.config;
  return {
    DATABASE_URL: c.DATABASE_URL,
    REDIS_URL: c.REDIS_URL,
    GANTRY_REDIS_PREFIX: c.GANTRY_REDIS_PREFIX,
    GANTRY_ENCRYPTION_KEY: c.encryptionKey.toString("hex"),
    PORT: "0",
    GANTRY_LOG_LEVEL: "warn",
    GANTRY_SCHEDULER_ENABLED: "false",
    GANTRY_API_RATE_LIMIT_PER_MINUTE: "0",
  };
}
