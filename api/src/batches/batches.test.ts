import { afterAll, beforeAll, describe, expect, it } from "vitest";
import postgres from "postgres";
import superjson from "superjson";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { client, deployTasks, fakeRunner, success, type Client } from "../runner-api/test-helpers.js";
import type { AuthEnvironment } from "../context.js";
import { onBatchCompleted, repairBatches, type CompletedBatch } from "./completion.js";
import { createBatch as createBatchService } from "./create.js";
import { addBatchItems } from "./items.js";

let api: TestApi;
let http: Client;
let prodKey: string;
let stagingKey: string;
const completedBatches: CompletedBatch[] = [];

beforeAll(async () => {
  api = await startTestApi({ env: { GANTRY_RECONCILE_INTERVAL_MS: "600000", GANTRY_MAX_BATCH_ITEMS: "1000" } });
  http = client(api.url);
  prodKey = api.seed.environments.prod.apiKey;
  stagingKey = api.seed.environments.staging.apiKey;
  await deployTasks(http, prodKey, [{ id: "hello" }, { id: "other" }, { id: "parent" }]);
  onBatchCompleted("batches-test", async (_deps, batches) => {
    completedBatches.push(...batches);
  });
});

afterAll(async () => {
  await api?.close();
});

const payload = (value: unknown) => superjson.stringify(value);
const item = (index: number, task = "hello", options: Record<string, unknown> = {}, value: unknown = { i: index }) => ({
  index,
  task,
  payload: payload(value),
  options: { payloadType: "application/super+json", ...options },
});
const ndjson = (items: unknown[]) => items.map((i) => JSON.stringify(i)).join("\n") + "\n";

const createBatch = (body: Record<string, unknown>, opts: { key?: string; headers?: Record<string, string> } = {}) =>
  http.call("POST", "/api/v3/batches", { key: opts.key ?? prodKey, body, headers: opts.headers });
const streamItems = (batchId: string, items: unknown[], key = prodKey) =>
  http.call("POST", `/api/v3/batches/${batchId}/items`, { key, raw: ndjson(items), headers: { "content-type": "application/x-ndjson" } });
const retrieveBatch = async (batchId: string, key = prodKey) => http.call("GET", `/api/v2/batches/${batchId}`, { key });
const listBatchRuns = async (batchId: string) =>
  (await http.call("GET", `/api/v1/runs?filter[batch]=${batchId}&page[size]=100`, { key: prodKey })).body.data as Array<{ id: string; status: string }>;
const retrieveRun = async (id: string) => (await http.call("GET", `/api/v3/runs/${id}`, { key: prodKey })).body;

async function eventually<T>(fn: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await fn();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function runToCompletion(runIds: string[]) {
  const runner = fakeRunner(http, api.seed.runnerToken);
  const started = await runner.start(runIds);
  expect(started.body.results.every((r: { ok: boolean }) => r.ok)).toBe(true);
  for (const id of runIds) await runner.complete(id, 1, success({ id }));
}

describe("two-phase batch (POST /api/v3/batches + NDJSON items)", () => {
  it("creates one run per item, lists them by batch, and completes the batch when every run is final", async () => {
    const created = await createBatch({ runCount: 3, taskIdentifiers: ["hello", "other"] });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ runCount: 3, isCached: false });
    expect(created.body.id).toMatch(/^batch_/);
    expect(JSON.parse(created.headers.get("x-trigger-jwt-claims")!)).toEqual({ sub: api.seed.environments.prod.id, pub: true });
    const batchId = created.body.id as string;

    const streamed = await streamItems(batchId, [item(0), item(1, "other", { tags: ["b1"] }), item(2)]);
    expect(streamed.status).toBe(200);
    expect(streamed.body).toEqual({ id: batchId, itemsAccepted: 3, itemsDeduplicated: 0, sealed: true });

    const batch = (await retrieveBatch(batchId)).body;
    expect(batch).toMatchObject({ id: batchId, status: "PENDING", runCount: 3, processing: { errors: [] } });
    expect(batch.runs).toHaveLength(3);
    expect(batch.processing.completedAt).toEqual(expect.any(String));

    const listed = await listBatchRuns(batchId);
    expect(listed.map((r) => r.id).sort()).toEqual([...batch.runs].sort());
    // runs in item order: each payload is its index, options reached their own item only
    const runs = await Promise.all(batch.runs.map((id: string) => retrieveRun(id)));
    expect(runs.map((r) => r.payload)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    expect(runs.map((r) => r.taskIdentifier)).toEqual(["hello", "other", "hello"]);
    expect(runs.map((r) => r.tags)).toEqual([[], ["b1"], []]);
    expect(runs.every((r) => r.batchId === batchId && r.triggerFunction === "batchTrigger" && r.status === "QUEUED")).toBe(true);

    await runToCompletion(batch.runs.slice(0, 2));
    // two of three final: still pending
    await eventually(async () => ((await retrieveBatch(batchId)).body.runs.length === 3 ? true : undefined), "batch");
    expect((await retrieveBatch(batchId)).body.status).toBe("PENDING");
    await runToCompletion(batch.runs.slice(2));
    const done = await eventually(async () => {
      const b = (await retrieveBatch(batchId)).body;
      return b.status === "COMPLETED" ? b : undefined;
    }, "batch to complete");
    expect(done.runs).toEqual(batch.runs);
    const announced = await eventually(async () => {
      const found = completedBatches.filter((b) => b.batchId === batchId);
      return found.length > 0 ? found : undefined;
    }, "onBatchCompleted");
    expect(announced).toEqual([
      { batchId, environmentId: api.seed.environments.prod.id, runCount: 3, parentRunId: null, resumeParentOnCompletion: false },
    ]);
  });

  it("an incomplete stream is not sealed; resending every item fills the gaps once (dedupe by index)", async () => {
    const batchId = (await createBatch({ runCount: 3 })).body.id as string;
    const partial = await streamItems(batchId, [item(0), item(2)]);
    expect(partial.body).toEqual({ id: batchId, itemsAccepted: 2, itemsDeduplicated: 0, sealed: false, enqueuedCount: 2, expectedCount: 3 });
    const firstRuns = (await retrieveBatch(batchId)).body.runs as string[];
    expect(firstRuns).toHaveLength(2);

    const resent = await streamItems(batchId, [item(0), item(1), item(2), item(1)]);
    expect(resent.body).toEqual({ id: batchId, itemsAccepted: 1, itemsDeduplicated: 3, sealed: true });
    const again = await streamItems(batchId, [item(0), item(1), item(2)]);
    expect(again.body).toEqual({ id: batchId, itemsAccepted: 0, itemsDeduplicated: 3, sealed: true });

    const runs = (await retrieveBatch(batchId)).body.runs as string[];
    expect(runs).toHaveLength(3);
    expect([runs[0], runs[2]]).toEqual(firstRuns);
    expect(await listBatchRuns(batchId)).toHaveLength(3);
  });

  it("two streams of the same items at once make each run once", async () => {
    const batchId = (await createBatch({ runCount: 50 })).body.id as string;
    const items = Array.from({ length: 50 }, (_, i) => item(i));
    const [a, b] = await Promise.all([streamItems(batchId, items), streamItems(batchId, items)]);
    expect(a.body.itemsAccepted + b.body.itemsAccepted).toBe(50);
    expect(a.body.itemsDeduplicated + b.body.itemsDeduplicated).toBe(50);
    expect(a.body.sealed && b.body.sealed).toBe(true);
    expect(await listBatchRuns(batchId)).toHaveLength(50);
  });

  it("an invalid item option is a 400 naming the item and field, and nothing is created", async () => {
    const batchId = (await createBatch({ runCount: 3 })).body.id as string;
    const bad = await streamItems(batchId, [item(0), item(1), item(2, "hello", { delay: "whenever" })]);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: "invalid_body", param: "items[2].options.delay" });
    const badTags = await streamItems(batchId, [item(0), item(1, "hello", { tags: Array.from({ length: 11 }, (_, i) => `t${i}`) })]);
    expect(badTags.body).toMatchObject({ param: "items[1].options.tags" });
    const badType = await streamItems(batchId, [item(0), item(1, "hello", { maxAttempts: "three" })]);
    expect(badType.status).toBe(400);
    expect(badType.body.param).toBe("items[1].options.maxAttempts");
    expect(await listBatchRuns(batchId)).toHaveLength(0);
    expect((await retrieveBatch(batchId)).body.runs).toEqual([]);
  });

  it("a malformed NDJSON line or an index past runCount is a 400 naming it, and nothing is created", async () => {
    const batchId = (await createBatch({ runCount: 2 })).body.id as string;
    const raw = `${JSON.stringify(item(0))}\n{"index": 1, "task": "hello", oops}\n`;
    const malformed = await http.call("POST", `/api/v3/batches/${batchId}/items`, { key: prodKey, raw, headers: { "content-type": "application/x-ndjson" } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.param).toBe("line 2");
    expect(malformed.body.error).toContain("line 2");
    const noTask = await streamItems(batchId, [item(0), { index: 1, payload: "x" }]);
    expect(noTask.status).toBe(400);
    expect(noTask.body.param).toBe("items[1].task");
    const past = await streamItems(batchId, [item(0), item(2)]);
    expect(past.status).toBe(400);
    expect(past.body.param).toBe("items[2].index");
    expect(await listBatchRuns(batchId)).toHaveLength(0);
  });

  it("refuses a runCount over the limit (GANTRY_MAX_BATCH_ITEMS) and a batch of another environment", async () => {
    const tooBig = await createBatch({ runCount: 1001 });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.param).toBe("runCount");
    expect((await createBatch({ runCount: 0 })).status).toBe(400);

    const batchId = (await createBatch({ runCount: 1 })).body.id as string;
    expect((await retrieveBatch(batchId, stagingKey)).status).toBe(404);
    expect((await streamItems(batchId, [item(0)], stagingKey)).status).toBe(404);
    expect((await retrieveBatch(batchId)).body.runs).toEqual([]);
  });

  it("the same batch idempotencyKey gives back the batch: uncached while it misses items, cached once sealed", async () => {
    const key = "a".repeat(64);
    const first = await createBatch({ runCount: 1, idempotencyKey: key, idempotencyKeyOptions: { key: "k", scope: "global" } });
    expect(first.body).toMatchObject({ isCached: false, idempotencyKey: key });
    const beforeItems = await createBatch({ runCount: 1, idempotencyKey: key });
    expect(beforeItems.body).toMatchObject({ id: first.body.id, isCached: false });
    await streamItems(first.body.id, [item(0)]);
    const after = await createBatch({ runCount: 1, idempotencyKey: key });
    expect(after.body).toMatchObject({ id: first.body.id, isCached: true, runCount: 1 });
    expect((await retrieveBatch(first.body.id)).body.idempotencyKey).toBe(key);
  });

  it("a create retried with the same request key gives back the same batch, uncached", async () => {
    const headers = { "x-trigger-request-idempotency-key": crypto.randomUUID() };
    const first = await createBatch({ runCount: 2 }, { headers });
    const retried = await createBatch({ runCount: 2 }, { headers });
    expect(retried.body).toEqual({ id: first.body.id, runCount: 2, isCached: false });
  });

  it("items with an idempotency key return the run that already holds it, and that run counts for the batch", async () => {
    const itemKey = "b".repeat(64);
    const one = (await createBatch({ runCount: 2 })).body.id as string;
    await streamItems(one, [item(0, "hello", { idempotencyKey: itemKey }), item(1)]);
    const oneRuns = (await retrieveBatch(one)).body.runs as string[];
    const two = (await createBatch({ runCount: 1 })).body.id as string;
    const streamed = await streamItems(two, [item(0, "hello", { idempotencyKey: itemKey })]);
    expect(streamed.body).toMatchObject({ itemsAccepted: 1, sealed: true });
    expect((await retrieveBatch(two)).body.runs).toEqual([oneRuns[0]]);

    // the shared run finishing completes both batches (the second one only had that run)
    await runToCompletion([oneRuns[0]!]);
    await eventually(async () => ((await retrieveBatch(two)).body.status === "COMPLETED" ? true : undefined), "second batch to complete");
    expect((await retrieveBatch(one)).body.status).toBe("PENDING");
  });

  it("a batch whose item runs are already final completes when it is sealed", async () => {
    const itemKey = "c".repeat(64);
    const seedBatch = (await createBatch({ runCount: 1 })).body.id as string;
    await streamItems(seedBatch, [item(0, "hello", { idempotencyKey: itemKey })]);
    const [runId] = (await retrieveBatch(seedBatch)).body.runs as string[];
    await runToCompletion([runId!]);
    await eventually(async () => ((await retrieveBatch(seedBatch)).body.status === "COMPLETED" ? true : undefined), "seed batch");

    const batchId = (await createBatch({ runCount: 1 })).body.id as string;
    await streamItems(batchId, [item(0, "hello", { idempotencyKey: itemKey })]);
    expect((await retrieveBatch(batchId)).body).toMatchObject({ status: "COMPLETED", runs: [runId] });
  });

  it("canceled and delayed items: a delayed item waits DELAYED, cancelling every run completes the batch", async () => {
    const batchId = (await createBatch({ runCount: 2 })).body.id as string;
    await streamItems(batchId, [item(0, "hello", { delay: "1h" }), item(1)]);
    const runs = (await retrieveBatch(batchId)).body.runs as string[];
    expect((await retrieveRun(runs[0]!)).status).toBe("DELAYED");
    for (const id of runs) expect((await http.call("POST", `/api/v2/runs/${id}/cancel`, { key: prodKey })).status).toBe(200);
    await eventually(async () => ((await retrieveBatch(batchId)).body.status === "COMPLETED" ? true : undefined), "canceled batch");
  });

  it("an offloaded item payload (application/store) must have been uploaded, as for a trigger", async () => {
    const path = `trigger/packet_${crypto.randomUUID().slice(0, 8)}/payload.json`;
    const storeItem = (index: number) => ({ index, task: "hello", payload: path, options: { payloadType: "application/store", payloadSize: 200_000 } });
    const batchId = (await createBatch({ runCount: 2 })).body.id as string;
    const missing = await streamItems(batchId, [item(0), storeItem(1)]);
    expect(missing.status).toBe(400);
    expect(missing.body.param).toBe("items[1].payload");
    expect(await listBatchRuns(batchId)).toHaveLength(0);

    const big = { text: "x".repeat(150 * 1024) };
    const presign = await http.call("PUT", `/api/v2/packets/${encodeURIComponent(path)}`, { key: prodKey });
    const upload = await fetch(presign.body.presignedUrl, { method: "PUT", headers: { "content-type": "application/super+json" }, body: payload(big) });
    expect(upload.status).toBeLessThan(300);
    expect((await streamItems(batchId, [item(0), storeItem(1)])).body).toMatchObject({ itemsAccepted: 2, sealed: true });
    const runs = (await retrieveBatch(batchId)).body.runs as string[];
    const run = await retrieveRun(runs[1]!);
    // a large payload is answered by URL, as the reference does
    const stored = run.payload ?? superjson.parse(await (await fetch(run.payloadPresignedUrl)).text());
    expect(stored).toEqual(big);
  });

  it("a 1,000-item batch (raised limit) gets its 1,000 runs in one stream", async () => {
    const batchId = (await createBatch({ runCount: 1000 })).body.id as string;
    const items = Array.from({ length: 1000 }, (_, i) => item(i));
    const streamed = await streamItems(batchId, items);
    expect(streamed.body).toMatchObject({ itemsAccepted: 1000, sealed: true });
    const runs = (await retrieveBatch(batchId)).body.runs as string[];
    expect(new Set(runs).size).toBe(1000);
    expect((await retrieveRun(runs[999]!)).payload).toEqual({ i: 999 });
  });
});

describe("repair", () => {
  it("repairBatches completes a batch whose runs finished without the listener hearing of it", async () => {
    const batchId = (await createBatch({ runCount: 2 })).body.id as string;
    await streamItems(batchId, [item(0), item(1)]);
    const runs = (await retrieveBatch(batchId)).body.runs as string[];
    // as if the process died between the runs' final commit and its listener
    await api.deps.sql`update runs set status = 'COMPLETED', completed_at = now() where id = any(${runs})`;
    expect((await retrieveBatch(batchId)).body.status).toBe("PENDING");
    expect(await repairBatches(api.deps, 1000)).toBeGreaterThanOrEqual(1);
    expect((await retrieveBatch(batchId)).body.status).toBe("COMPLETED");
    expect(completedBatches.filter((b) => b.batchId === batchId)).toHaveLength(1);
    // a second pass finds nothing more to do for it
    await repairBatches(api.deps, 1000);
    expect(completedBatches.filter((b) => b.batchId === batchId)).toHaveLength(1);
  });
});

describe("statements per batch", () => {
  it("storing a batch's items takes the same few statements for 10 items as for 1,000", async () => {
    let statements = 0;
    const counting = postgres(api.deps.config.DATABASE_URL, { max: 2, onnotice: () => {}, debug: () => statements++ });
    try {
      const deps = { ...api.deps, sql: counting };
      // the dev environment: its runs are not dispatched through Postgres, so every statement counted is the batch's own
      const [row] = await counting<{ project_id: string; user_id: string | null }[]>`select project_id, user_id from environments where id = ${api.seed.environments.dev.id}`;
      const env: AuthEnvironment = {
        id: api.seed.environments.dev.id,
        slug: "dev",
        type: "DEVELOPMENT",
        projectId: row!.project_id,
        projectRef: api.seed.projectRef,
        organizationId: "",
        branchName: null,
        userId: row!.user_id,
        archivedAt: null,
      };
      const countFor = async (n: number) => {
        const { batch } = await createBatchService(deps, env, { runCount: n });
        statements = 0;
        const answer = await addBatchItems(deps, env, batch.id, ndjson(Array.from({ length: n }, (_, i) => item(i))));
        expect(answer).toMatchObject({ itemsAccepted: n, sealed: true });
        return statements;
      };
      const small = await countFor(10);
      const large = await countFor(1000);
      expect(large).toBe(small);
      expect(large).toBeLessThanOrEqual(10);
    } finally {
      await counting.end({ timeout: 1 });
    }
  });
});

describe("batches created inside a run (batchTrigger / batchTriggerAndWait)", () => {
  it("links item runs to the parent and announces the parent when the batch completes", async () => {
    const parentId = (await http.call("POST", "/api/v1/tasks/parent/trigger", { key: prodKey, body: {} })).body.id as string;
    const runner = fakeRunner(http, api.seed.runnerToken);
    const started = await runner.start([parentId]);
    const runToken = started.body.results[0].execution.runToken as string;

    const created = await createBatch({ runCount: 2, resumeParentOnCompletion: true }, { key: runToken });
    expect(created.status).toBe(200);
    const batchId = created.body.id as string;
    await streamItems(batchId, [item(0), item(1, "other")], runToken);
    const runs = (await retrieveBatch(batchId)).body.runs as string[];
    for (const id of runs) {
      const run = await retrieveRun(id);
      expect(run).toMatchObject({ depth: 1, triggerFunction: "batchTriggerAndWait", batchId });
      expect(run.relatedRuns.parent.id).toBe(parentId);
      expect(run.relatedRuns.root.id).toBe(parentId);
    }
    await runToCompletion(runs);
    const announced = await eventually(async () => completedBatches.find((b) => b.batchId === batchId), "onBatchCompleted");
    expect(announced).toMatchObject({ parentRunId: parentId, resumeParentOnCompletion: true, runCount: 2 });
  });

  it("refuses a parent from another environment and a wait without a parent", async () => {
    const stagingRun = await http.call("POST", "/api/v1/tasks/hello/trigger", { key: stagingKey, body: {} });
    const foreign = await createBatch({ runCount: 1, parentRunId: stagingRun.body.id });
    expect(foreign.status).toBe(404);
    expect(foreign.body.param).toBe("parentRunId");
    const orphanWait = await createBatch({ runCount: 1, resumeParentOnCompletion: true });
    expect(orphanWait.status).toBe(400);
    expect(orphanWait.body.param).toBe("resumeParentOnCompletion");
  });
});

describe("one-request batch (POST /api/v1/tasks/batch)", () => {
  const oneRequest = (body: unknown, headers?: Record<string, string>, path = "/api/v1/tasks/batch") =>
    http.call("POST", path, { key: prodKey, body, headers });

  it("answers the batch and its runs in item order, and a retried request gives back the same", async () => {
    const headers = { "x-trigger-request-idempotency-key": crypto.randomUUID() };
    const body = {
      items: [
        { task: "hello", payload: payload({ n: 0 }), options: { payloadType: "application/super+json" } },
        { task: "other", payload: { n: 1 } },
        { task: "hello", payload: "text", options: { payloadType: "text/plain", ttl: "10m" } },
      ],
    };
    const res = await oneRequest(body, headers);
    expect(res.status).toBe(200);
    expect(res.body.batchId).toMatch(/^batch_/);
    expect(res.body.runs).toHaveLength(3);
    expect(JSON.parse(res.headers.get("x-trigger-jwt-claims")!)).toMatchObject({ pub: true });
    const runs = await Promise.all(res.body.runs.map((id: string) => retrieveRun(id)));
    expect(runs.map((r) => r.payload)).toEqual([{ n: 0 }, { n: 1 }, "text"]);
    expect(runs.map((r) => r.taskIdentifier)).toEqual(["hello", "other", "hello"]);
    expect((await retrieveBatch(res.body.batchId)).body).toMatchObject({ runCount: 3, runs: res.body.runs });

    const retried = await oneRequest(body, headers);
    expect(retried.body).toEqual(res.body);
    expect(await listBatchRuns(res.body.batchId)).toHaveLength(3);
  });

  it("an invalid item is a 400 naming it and creates neither batch nor runs", async () => {
    const headers = { "x-trigger-request-idempotency-key": crypto.randomUUID() };
    const res = await oneRequest({ items: [{ task: "hello", payload: {} }, { task: "hello", payload: {}, options: { ttl: "soonish" } }] }, headers);
    expect(res.status).toBe(400);
    expect(res.body.param).toBe("items[1].options.ttl");
    const noTask = await oneRequest({ items: [{ payload: {} }] });
    expect(noTask.body.param).toBe("items[0].task");
    // the same request key is free: nothing was recorded under it
    const ok = await oneRequest({ items: [{ task: "hello", payload: {} }] }, headers);
    expect(ok.status).toBe(200);
    expect(ok.body.runs).toHaveLength(1);
  });

  it("refuses an empty batch and one over the limit; /api/v2/tasks/batch answers { id, runCount }", async () => {
    expect((await oneRequest({ items: [] })).body.param).toBe("items");
    const tooMany = await oneRequest({ items: Array.from({ length: 1001 }, () => ({ task: "hello" })) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.param).toBe("items");
    const v2 = await oneRequest({ items: [{ task: "hello" }, { task: "other" }] }, undefined, "/api/v2/tasks/batch");
    expect(v2.body).toEqual({ id: expect.stringMatching(/^batch_/), runCount: 2 });
    expect(await listBatchRuns(v2.body.id)).toHaveLength(2);
  });
});
