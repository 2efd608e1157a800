// POST /api/v1/idempotencyKeys/{key}/reset (idempotencyKeys.reset of the official client 4.8.3).
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configure, idempotencyKeys, NotFoundError, tasks } from "@gantry/sdk";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { client, deployTasks, fakeRunner, type Client } from "../runner-api/test-helpers.js";

let api: TestApi;
let http: Client;
let prodKey: string;
let stagingKey: string;

beforeAll(async () => {
  api = await startTestApi({ env: { GANTRY_RECONCILE_INTERVAL_MS: "600000" } });
  http = client(api.url);
  prodKey = api.seed.environments.prod.apiKey;
  stagingKey = api.seed.environments.staging.apiKey;
  await deployTasks(http, prodKey, [{ id: "hello" }, { id: "other" }]);
});

afterAll(async () => {
  await api?.close();
});

// as the client sends a key (wire-format.md §3.3): the SHA-256 hex of the key parts
const hashed = (key: string) => createHash("sha256").update(key).digest("hex");

const trigger = (taskId: string, idempotencyKey: string, key = prodKey) =>
  http.call("POST", `/api/v1/tasks/${taskId}/trigger`, { key, body: { payload: {}, options: { idempotencyKey } } });

const reset = (idempotencyKey: string, body: unknown, key = prodKey) =>
  http.call("POST", `/api/v1/idempotencyKeys/${encodeURIComponent(idempotencyKey)}/reset`, { key, body });

describe("idempotency key reset", () => {
  it("frees the key for that task: the next trigger makes a new run, the old run keeps its data", async () => {
    const k = hashed(`order-${crypto.randomUUID()}`);
    const first = await trigger("hello", k);
    expect(first.status).toBe(200);
    expect((await trigger("hello", k)).body).toEqual({ id: first.body.id, isCached: true });

    const res = await reset(k, { taskIdentifier: "hello" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: k });

    const second = await trigger("hello", k);
    expect(second.body.isCached).toBeUndefined();
    expect(second.body.id).not.toBe(first.body.id);
    // the new run holds the key now; the old one is still there, without it
    expect((await trigger("hello", k)).body).toEqual({ id: second.body.id, isCached: true });
    const old = (await http.call("GET", `/api/v3/runs/${first.body.id}`, { key: prodKey })).body;
    expect(old.id).toBe(first.body.id);
    expect(old.idempotencyKey).toBeUndefined();
  });

  it("is scoped to the task and the environment: others' keys stay held, and a miss is a 404", async () => {
    const k = hashed(`scoped-${crypto.randomUUID()}`);
    const hello = (await trigger("hello", k)).body.id as string;
    const other = (await trigger("other", k)).body.id as string;

    // staging holds no run with this key; prod's stays held
    const elsewhere = await reset(k, { taskIdentifier: "hello" }, stagingKey);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body).toMatchObject({ code: "not_found", param: "idempotencyKey" });
    expect((await trigger("hello", k)).body).toEqual({ id: hello, isCached: true });

    expect((await reset(k, { taskIdentifier: "other" })).status).toBe(200);
    expect((await trigger("hello", k)).body).toEqual({ id: hello, isCached: true });
    expect((await trigger("other", k)).body.id).not.toBe(other);

    expect((await reset(hashed("never-used"), { taskIdentifier: "hello" })).status).toBe(404);
  });

  it("a run token may reset (the official client calls it from inside a task)", async () => {
    const k = hashed(`in-task-${crypto.randomUUID()}`);
    const first = (await trigger("hello", k)).body.id as string;
    const parent = (await http.call("POST", "/api/v1/tasks/hello/trigger", { key: prodKey, body: { payload: {} } })).body.id as string;
    const started = (await fakeRunner(http, api.seed.runnerToken).start([parent])).body.results[0];
    expect((await reset(k, { taskIdentifier: "hello" }, started.execution.runToken)).status).toBe(200);
    expect((await trigger("hello", k)).body.id).not.toBe(first);
  });

  it("refuses a body without taskIdentifier (400 naming it), changing nothing", async () => {
    const k = hashed(`bad-${crypto.randomUUID()}`);
    const first = (await trigger("hello", k)).body.id as string;
    for (const body of [{}, { taskIdentifier: "" }, { taskIdentifier: 5 }]) {
      const res = await reset(k, body);
      expect(res.status).toBe(400);
      expect(res.body.param).toBe("taskIdentifier");
    }
    expect((await trigger("hello", k)).body).toEqual({ id: first, isCached: true });
    expect((await reset(k, { taskIdentifier: "hello" }, "tr_prod_wrong")).status).toBe(401);
  });
});

describe("Gantry's SDK: idempotencyKeys.reset(taskIdentifier, key, options), as the official client has it", () => {
  beforeAll(() => {
    configure({ secretKey: prodKey, baseURL: api.url, requestOptions: { retry: { maxAttempts: 1 } } });
  });
  afterAll(() => {
    configure({});
  });

  it("a plain key a trigger outside a task hashed alone: reset with { scope: 'global' }", async () => {
    const k = `sdk-plain-${crypto.randomUUID()}`;
    const first = await tasks.trigger("hello", {}, { idempotencyKey: k });
    expect((await tasks.trigger("hello", {}, { idempotencyKey: k })).id).toBe(first.id);
    expect(await idempotencyKeys.reset("hello", k, { scope: "global" })).toEqual({ id: hashed(k) });
    expect((await tasks.trigger("hello", {}, { idempotencyKey: k })).id).not.toBe(first.id);
  });

  it("a key from idempotencyKeys.create is sent as it is; a run-scoped one is rebuilt from parentRunId", async () => {
    const created = await idempotencyKeys.create(`sdk-created-${crypto.randomUUID()}`, { scope: "global" });
    const first = await tasks.trigger("hello", {}, { idempotencyKey: created });
    await idempotencyKeys.reset("hello", created);
    expect((await tasks.trigger("hello", {}, { idempotencyKey: created })).id).not.toBe(first.id);

    // what a trigger inside run_parent sent for the key ["order", "7"] with scope "run"
    const inRun = hashed("order-7-run_parent");
    const child = (await trigger("hello", inRun)).body.id as string;
    await idempotencyKeys.reset("hello", ["order", "7"], { scope: "run", parentRunId: "run_parent" });
    expect((await trigger("hello", inRun)).body.id).not.toBe(child);
  });

  it("no run holding the key is a NotFoundError; a run-scoped plain key outside a task needs parentRunId", async () => {
    await expect(idempotencyKeys.reset("hello", "never-used", { scope: "global" })).rejects.toBeInstanceOf(NotFoundError);
    await expect(idempotencyKeys.reset("hello", "k")).rejects.toThrow(/parentRunId/);
  });
});
