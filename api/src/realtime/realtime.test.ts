import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, type ApiConfig } from "../config.js";
import { startApi, type StartedApi } from "../index.js";
import { client, deployTasks } from "../runner-api/test-helpers.js";
import { seedDemo, type DemoSeed } from "../seed/seed-demo.js";
import { deleteRedisPrefix, TEST_ENCRYPTION_KEY } from "../testing/harness.js";
import { createTestDb, testRedisPrefix, type TestDb } from "../testing/test-db.js";
import { TEST_REDIS_URL } from "../testing/test-env.js";
import { realtimeHub } from "./hub.js";
import { publishRunChanges } from "./publish.js";
import { openSse, type TestSse } from "./sse-test-client.js";

// An api we can stop and start again on the same database and Redis prefix, to test resuming across a restart.
let db: TestDb;
let config: ApiConfig;
let api: StartedApi;
let seed: DemoSeed;
let key: string;
const open: TestSse[] = [];

beforeAll(async () => {
  db = await createTestDb();
  config = loadConfig({
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    GANTRY_REDIS_PREFIX: testRedisPrefix(),
    GANTRY_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    PORT: "0",
    GANTRY_LOG_LEVEL: "warn",
    GANTRY_RECONCILE_INTERVAL_MS: "600000",
  });
  api = await startApi(config, { port: 0 });
  seed = await seedDemo(api.deps);
  key = seed.environments.prod.apiKey;
  await deployTasks(client(api.url), key, [{ id: "hello" }]);
});

afterAll(async () => {
  for (const s of open) s.close();
  await api?.close();
  await deleteRedisPrefix(TEST_REDIS_URL, config.GANTRY_REDIS_PREFIX);
  await db?.drop();
});

async function trigger(tags: string[] = []): Promise<string> {
  const res = await client(api.url).call("POST", "/api/v1/tasks/hello/trigger", {
    key,
    body: { payload: JSON.stringify({ json: { n: 1 } }), options: { payloadType: "application/super+json", tags } },
  });
  expect(res.status).toBe(200);
  return res.body.id as string;
}

/** A change as any engine write makes it: an UPDATE of the run's row, then the announcement. */
async function change(runId: string, set: { status?: string; metadata?: unknown }): Promise<void> {
  if (set.status) await db.sql`update runs set status = ${set.status}, updated_at = now() where id = ${runId}`;
  if (set.metadata) await db.sql`update runs set metadata = ${db.sql.json(set.metadata as never)} where id = ${runId}`;
  publishRunChanges(api.deps, [{ runId, environmentId: seed.environments.prod.id }]);
}

async function sse(path: string, lastEventId?: string, token = key): Promise<TestSse> {
  const s = await openSse(`${api.url}${path}`, token, lastEventId);
  open.push(s);
  return s;
}

describe("realtime runs over SSE", () => {
  it("delivers a run's status and metadata changes in order, and resumes after an api restart with Last-Event-ID", async () => {
    const runId = await trigger();
    const stream = await sse(`/realtime/v1/runs/${runId}`);
    expect(stream.status).toBe(200);
    const first = await stream.next();
    expect(first).toMatchObject({ event: "run", data: { id: runId, status: "QUEUED", taskIdentifier: "hello", payload: '{"json":{"n":1}}' } });

    await change(runId, { status: "EXECUTING" });
    const executing = await stream.next();
    expect(executing.data.status).toBe("EXECUTING");
    await change(runId, { metadata: { progress: 0.5 } });
    const progress = await stream.next();
    expect(progress.data).toMatchObject({ status: "EXECUTING", metadata: { progress: 0.5 } });
    expect(BigInt(progress.id!)).toBeGreaterThan(BigInt(executing.id!));
    expect(BigInt(executing.id!)).toBeGreaterThan(BigInt(first.id!));

    // the api goes away; the run completes meanwhile; a new api serves the reconnect
    await api.close();
    await expect(stream.next(2000)).rejects.toThrow();
    await db.sql`update runs set status = 'COMPLETED', output = '{"json":"done"}', output_type = 'application/super+json', completed_at = now() where id = ${runId}`;
    api = await startApi(config, { port: 0 });

    const resumed = await sse(`/realtime/v1/runs/${runId}`, progress.id);
    const done = await resumed.next();
    expect(done.data).toMatchObject({ id: runId, status: "COMPLETED", output: '{"json":"done"}', metadata: { progress: 0.5 } });
    expect(BigInt(done.id!)).toBeGreaterThan(BigInt(progress.id!));
    resumed.close();

    // resuming one run at its latest id sends nothing stale: the first event is the next change
    const again = await sse(`/realtime/v1/runs/${runId}`, done.id);
    await change(runId, { metadata: { progress: 1 } });
    expect((await again.next()).data).toMatchObject({ status: "COMPLETED", metadata: { progress: 1 } });
  });

  it("resumes a tag subscription after an api restart with what changed while away, a late commit included", async () => {
    const a = await trigger(["late:1"]);
    const b = await trigger(["late:1"]);
    const stream = await sse(`/realtime/v1/runs?tags=late:1`);
    expect(new Set([(await stream.next()).data.id, (await stream.next()).data.id])).toEqual(new Set([a, b]));

    // a takes its change stamp in a transaction that stays open; b changes after it (a higher stamp) and commits
    const slow = await db.sql.reserve();
    try {
      await slow`begin`;
      await slow`update runs set metadata = ${db.sql.json({ late: true })} where id = ${a}`;
      await change(b, { status: "EXECUTING" });
      const bExecuting = await stream.next();
      expect(bExecuting.data).toMatchObject({ id: b, status: "EXECUTING" });
      // (the open transaction sees its own, not yet committed, stamp of a: below b's)
      expect(BigInt(bExecuting.data.seq)).toBeGreaterThan(BigInt((await slow`select change_seq from runs where id = ${a}`)[0]!.change_seq));

      // the client goes away with b's event id; meanwhile a's change commits (stamped below b's) and b completes
      await api.close();
      await expect(stream.next(2000)).rejects.toThrow();
      await slow`commit`;
      await db.sql`update runs set status = 'COMPLETED', completed_at = now() where id = ${b}`;
      api = await startApi(config, { port: 0 });

      const resumed = await sse(`/realtime/v1/runs?tags=late:1`, bExecuting.id);
      const latest = new Map<string, any>();
      while (!(latest.get(a)?.metadata?.late === true && latest.get(b)?.status === "COMPLETED")) {
        const event = await resumed.next();
        latest.set(event.data.id, event.data);
      }
      expect(latest.get(a)).toMatchObject({ status: "QUEUED", metadata: { late: true } });
    } finally {
      slow.release();
    }
  });

  it("a resumed tag subscription does not send again the runs that did not change after its id", async () => {
    const quiet = await trigger(["quiet:1"]);
    const busy = await trigger(["quiet:1"]);
    const stream = await sse(`/realtime/v1/runs?tags=quiet:1`);
    await stream.next();
    await stream.next();
    // once both stamps are final (the instance's change horizon passed them), an id can be past them
    const highest = (await db.sql`select max(change_seq)::text as s from runs where id in ${db.sql([quiet, busy])}`)[0]!.s as string;
    for (let i = 0; i < 100 && realtimeHub(api.deps).horizon.floor < BigInt(highest); i++) await new Promise((r) => setTimeout(r, 50));
    expect(realtimeHub(api.deps).horizon.floor).toBeGreaterThanOrEqual(BigInt(highest));
    await change(busy, { status: "EXECUTING" });
    const executing = await stream.next();
    expect(executing.data).toMatchObject({ id: busy, status: "EXECUTING" });
    stream.close();

    const resumed = await sse(`/realtime/v1/runs?tags=quiet:1`, executing.id);
    await change(busy, { status: "COMPLETED" });
    let next = await resumed.next();
    while (next.data.id === busy && next.data.status === "EXECUTING") next = await resumed.next();
    expect(next.data).toMatchObject({ id: busy, status: "COMPLETED" });
  });

  it("a connected tag subscriber gets a change whose transaction stayed open for seconds after later ones were sent", async () => {
    const a = await trigger(["slow:1"]);
    const b = await trigger(["slow:1"]);
    const stream = await sse(`/realtime/v1/runs?tags=slow:1`);
    await stream.next();
    await stream.next();
    const slow = await db.sql.reserve();
    try {
      await slow`begin`;
      await slow`update runs set metadata = ${db.sql.json({ slow: true })} where id = ${a}`;
      // later changes are stamped, committed and sent; time passes and the subscriber reads again and again
      for (const status of ["EXECUTING", "WAITING", "EXECUTING"]) {
        await change(b, { status });
        expect((await stream.next()).data).toMatchObject({ id: b, status });
        await new Promise((r) => setTimeout(r, 700));
      }
      await slow`commit`;
    } finally {
      slow.release();
    }
    publishRunChanges(api.deps, [{ runId: a, environmentId: seed.environments.prod.id }]);
    expect((await stream.next()).data).toMatchObject({ id: a, metadata: { slow: true } });
  });

  it("delivers a cancel made through another api instance on the same Postgres and Redis", async () => {
    const other = await startApi(config, { port: 0 });
    try {
      const runId = await trigger();
      const stream = await sse(`/realtime/v1/runs/${runId}`);
      expect((await stream.next()).data).toMatchObject({ id: runId, status: "QUEUED" });
      const res = await client(other.url).call("POST", `/api/v2/runs/${runId}/cancel`, { key });
      expect(res.status).toBe(200);
      let event = await stream.next();
      while (event.data.status !== "CANCELED") event = await stream.next();
      expect(event.data).toMatchObject({ id: runId, status: "CANCELED" });
    } finally {
      await other.close();
    }
  });

  it("follows runs with a tag (not others), and a resumed tag subscription gets only what changed after its cursor", async () => {
    const a = await trigger(["order:1"]);
    const other = await trigger(["order:2"]);
    const stream = await sse(`/realtime/v1/runs?tags=order:1`);
    const snapshot = await stream.next();
    expect(snapshot.data).toMatchObject({ id: a, status: "QUEUED", tags: ["order:1"] });

    const b = await trigger(["order:1", "x"]);
    publishRunChanges(api.deps, [{ runId: b, environmentId: seed.environments.prod.id }]);
    expect((await stream.next()).data).toMatchObject({ id: b, status: "QUEUED" });
    await change(other, { status: "EXECUTING" });
    await change(a, { status: "EXECUTING" });
    const aExecuting = await stream.next();
    expect(aExecuting.data).toMatchObject({ id: a, status: "EXECUTING" });
    stream.close();

    await change(b, { status: "CANCELED" });
    await change(other, { status: "COMPLETED" });
    // the resume re-reads from a floor below its cursor: a state it already had may come again, never another tag's
    const resumed = await sse(`/realtime/v1/runs?tags=order:1`, aExecuting.id);
    let next = await resumed.next();
    while (next.data.id !== b) {
      expect(next.data).toMatchObject({ id: a, status: "EXECUTING" });
      next = await resumed.next();
    }
    expect(next.data).toMatchObject({ id: b, status: "CANCELED" });
    await change(a, { status: "COMPLETED" });
    next = await resumed.next();
    while (next.data.id === a && next.data.status === "EXECUTING") next = await resumed.next();
    expect(next.data).toMatchObject({ id: a, status: "COMPLETED" });
  });

  it("follows a batch's runs", async () => {
    const r1 = await trigger();
    const r2 = await trigger();
    await db.sql`update runs set batch_id = 'batch_rt1' where id in ${db.sql([r1, r2])}`;
    const stream = await sse(`/realtime/v1/batches/batch_rt1`);
    const ids = new Set([(await stream.next()).data.id, (await stream.next()).data.id]);
    expect(ids).toEqual(new Set([r1, r2]));
    await change(r2, { status: "COMPLETED" });
    expect((await stream.next()).data).toMatchObject({ id: r2, status: "COMPLETED", batchId: "batch_rt1" });
  });

  it("404s a run of another environment and 400s a subscription without tags", async () => {
    const runId = await trigger();
    const staging = await sse(`/realtime/v1/runs/${runId}`, undefined, seed.environments.staging.apiKey);
    expect(staging.status).toBe(404);
    const noTags = await sse(`/realtime/v1/runs`);
    expect(noTags.status).toBe(400);
  });
});
