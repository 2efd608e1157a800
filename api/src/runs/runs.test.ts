import { afterAll, beforeAll, describe, expect, it } from "vitest";
import superjson from "superjson";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { client, deployTasks, failure, fakeRunner, success, type Client } from "../runner-api/test-helpers.js";

let api: TestApi;
let http: Client;
let prodKey: string;
let stagingKey: string;
let v1: string;

beforeAll(async () => {
  // the reconciler is driven by hand in these tests: its timer stays out of the way
  api = await startTestApi({ env: { GANTRY_RECONCILE_INTERVAL_MS: "600000" } });
  http = client(api.url);
  prodKey = api.seed.environments.prod.apiKey;
  stagingKey = api.seed.environments.staging.apiKey;
  v1 = (await deployTasks(http, prodKey, [{ id: "hello" }, { id: "flaky", retry: { maxAttempts: 2 } }])).version;
});

afterAll(async () => {
  await api?.close();
});

const trigger = (taskId: string, body: unknown, opts: { key?: string; headers?: Record<string, string> } = {}) =>
  http.call("POST", `/api/v1/tasks/${taskId}/trigger`, { key: opts.key ?? prodKey, body, headers: opts.headers });

const retrieve = async (id: string, key = prodKey) => (await http.call("GET", `/api/v3/runs/${id}`, { key })).body;

describe("trigger → start → complete → retrieve", () => {
  it("runs a task and returns its decoded output", async () => {
    const payload = superjson.stringify({ name: "Ada", at: new Date(0) });
    const res = await trigger("hello", { payload, options: { payloadType: "application/super+json", tags: ["t1"] } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.headers.get("x-trigger-jwt-claims")!)).toEqual({ sub: api.seed.environments.prod.id, pub: true });
    const id = res.body.id as string;
    expect(id).toMatch(/^run_/);
    expect((await retrieve(id)).status).toBe("QUEUED");

    const runner = fakeRunner(http, api.seed.runnerToken);
    const started = await runner.start([id]);
    expect(started.status).toBe(200);
    const result = started.body.results[0];
    expect(result.ok).toBe(true);
    expect(result.execution.task.id).toBe("hello");
    expect(result.execution.attempt.number).toBe(1);
    expect(result.execution.run.payload).toBe(payload);
    expect(result.execution.deployment.entryPoint).toBe("index.mjs");
    expect(result.execution.runToken).toBeTruthy();
    expect((await retrieve(id)).status).toBe("EXECUTING");

    // a second start of the same run is refused: one live attempt per run
    expect((await runner.start([id])).body.results[0]).toMatchObject({ ok: false, reason: "not_startable" });

    const done = await runner.complete(id, 1, success({ greeting: "hi Ada" }));
    expect(done.body.results[0]).toMatchObject({ action: "done", status: "COMPLETED" });
    const run = await retrieve(id);
    expect(run).toMatchObject({ status: "COMPLETED", isSuccess: true, isCompleted: true, tags: ["t1"], output: { greeting: "hi Ada" } });
    expect(new Date(run.payload.at).getTime()).toBe(0);
    expect(run.attempts).toHaveLength(1);
    expect(run.version).toMatch(/^\d{8}\.\d+$/);
  });

  it("accepts a plain JSON payload from curl", async () => {
    const res = await trigger("hello", { payload: { a: 1 } });
    expect(res.status).toBe(200);
    expect((await retrieve(res.body.id)).payload).toEqual({ a: 1 });
  });
});

describe("child runs", () => {
  it("records parent, root and depth for a run triggered with a run token", async () => {
    const parentId = (await trigger("hello", { payload: {} })).body.id as string;
    const started = (await fakeRunner(http, api.seed.runnerToken).start([parentId])).body.results[0];
    const runToken = started.execution.runToken as string;
    const child = await trigger("hello", { payload: { child: true } }, { key: runToken });
    expect(child.status).toBe(200);
    const run = await retrieve(child.body.id);
    expect(run.depth).toBe(1);
    expect(run.relatedRuns.parent.id).toBe(parentId);
    expect(run.relatedRuns.root.id).toBe(parentId);
    const parent = await retrieve(parentId);
    expect(parent.relatedRuns.children.map((c: { id: string }) => c.id)).toEqual([child.body.id]);
  });
});

describe("retries and fencing", () => {
  it("retries a failed attempt, then fails the run when attempts run out", async () => {
    const id = (await trigger("flaky", { payload: {} })).body.id as string;
    const runner = fakeRunner(http, api.seed.runnerToken);
    const first = (await runner.start([id])).body.results[0];
    expect(first.execution.retry.maxAttempts).toBe(2);
    const r1 = await runner.complete(id, 1, failure("boom 1", 0));
    expect(r1.body.results[0].action).toBe("retrying");
    expect((await retrieve(id)).status).toBe("QUEUED");

    const second = (await runner.start([id])).body.results[0];
    expect(second.execution.attempt.number).toBe(2);
    const r2 = await runner.complete(id, 2, failure("boom 2", 0));
    expect(r2.body.results[0]).toMatchObject({ action: "done", status: "FAILED" });
    const run = await retrieve(id);
    expect(run.status).toBe("FAILED");
    expect(run.error.message).toBe("boom 2");
    expect(run.attempts.map((a: { status: string }) => a.status)).toEqual(["FAILED", "FAILED"]);
  });

  it("rejects a stale completion from an attempt that no longer holds the run", async () => {
    const id = (await trigger("flaky", { payload: {} })).body.id as string;
    const runner = fakeRunner(http, api.seed.runnerToken);
    await runner.start([id]);
    await runner.complete(id, 1, failure("boom", 0));
    await runner.start([id]);
    const stale = await runner.complete(id, 1, success("late"));
    expect(stale.body.results[0].action).toBe("stale");
    expect((await retrieve(id)).status).toBe("EXECUTING");
    const hb = await runner.heartbeat([{ runId: id, attemptNumber: 1 }, { runId: id, attemptNumber: 2 }]);
    expect(hb.body.cancel).toEqual([id]);
  });

  it("fails a run whose output is over 10 MB, with a clear error", async () => {
    const id = (await trigger("hello", { payload: {} })).body.id as string;
    const runner = fakeRunner(http, api.seed.runnerToken);
    await runner.start([id]);
    const big = { ok: true, id: "a", output: JSON.stringify({ json: "x".repeat(10 * 1024 * 1024 + 10) }), outputType: "application/super+json" };
    const res = await runner.complete(id, 1, big as never);
    expect(res.body.results[0].status).toBe("FAILED");
    expect((await retrieve(id)).error.message).toMatch(/limit is 10485760 bytes/);
  });
});

describe("runner protocol", () => {
  it("stores an attempt's logs, and drops events of runs outside the caller's scope", async () => {
    const id = (await trigger("hello", { payload: {} })).body.id as string;
    const runner = fakeRunner(http, api.seed.runnerToken);
    await runner.start([id]);
    const devRunId = (await trigger("hello", { payload: {} }, { key: api.seed.environments.dev.apiKey })).body.id as string;
    const res = await runner.logs([
      { runId: id, attemptNumber: 1, level: "info", message: "hello from the task", time: Date.now(), attributes: { n: 1 } },
      { runId: id, attemptNumber: 1, kind: "span", level: "info", message: "fetch", time: Date.now(), spanId: "s1", durationMs: 12.5 },
      { runId: devRunId, attemptNumber: 1, level: "info", message: "not yours", time: Date.now() },
    ]);
    expect(res).toMatchObject({ status: 200, body: { accepted: 2 } });
    const rows = await api.deps.sql<{ run_id: string; kind: string; message: string }[]>`
      select run_id, kind, message from task_events where run_id in (${id}, ${devRunId}) order by id`;
    expect(rows.map((r) => [r.run_id, r.kind, r.message])).toEqual([
      [id, "log", "hello from the task"],
      [id, "span", "fetch"],
    ]);
  });

  it("re-takes a lost lease on heartbeat while the attempt still owns the run", async () => {
    const id = (await trigger("hello", { payload: {} })).body.id as string;
    const runner = fakeRunner(http, api.seed.runnerToken);
    await runner.start([id]);
    const key = `{${api.deps.config.GANTRY_REDIS_PREFIX}}:lease:${id}`;
    expect(await api.deps.redis.get(key)).toBe("1");
    await api.deps.redis.del(key);
    expect((await runner.heartbeat([{ runId: id, attemptNumber: 1 }])).body.cancel).toEqual([]);
    expect(await api.deps.redis.get(key)).toBe("1");
  });
});

describe("cancel and replay", () => {
  it("cancels an executing run; the runner is told and its completion is stale", async () => {
    const id = (await trigger("hello", { payload: {} })).body.id as string;
    const runner = fakeRunner(http, api.seed.runnerToken);
    await runner.start([id]);
    const sub = api.deps.redis.duplicate();
    const messages: string[] = [];
    await sub.subscribe(`${api.deps.config.GANTRY_REDIS_PREFIX}:gantry:cancel`);
    sub.on("message", (_ch, msg) => messages.push(msg));
    const res = await http.call("POST", `/api/v2/runs/${id}/cancel`, { key: prodKey });
    expect(res).toMatchObject({ status: 200, body: { id } });
    expect((await retrieve(id)).status).toBe("CANCELED");
    expect((await runner.heartbeat([{ runId: id, attemptNumber: 1 }])).body.cancel).toEqual([id]);
    expect((await runner.complete(id, 1, success("late"))).body.results[0].action).toBe("stale");
    for (let i = 0; i < 50 && messages.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(messages.map((m) => JSON.parse(m))).toEqual([{ runId: id }]);
    sub.disconnect();
    // canceling a finished run leaves it as it is
    expect((await http.call("POST", `/api/v2/runs/${id}/cancel`, { key: prodKey })).status).toBe(200);
  });

  it("cancels a queued run at once, so no runner can start it", async () => {
    const id = (await trigger("hello", { payload: {} })).body.id as string;
    await http.call("POST", `/api/v2/runs/${id}/cancel`, { key: prodKey });
    const started = await fakeRunner(http, api.seed.runnerToken).start([id]);
    expect(started.body.results[0]).toMatchObject({ ok: false, reason: "not_startable" });
  });

  it("replays a run as a new run with the same payload, or overrides", async () => {
    const id = (await trigger("hello", { payload: { n: 1 }, options: { tags: ["orig"] } })).body.id as string;
    const replay = await http.call("POST", `/api/v1/runs/${id}/replay`, { key: prodKey });
    expect(replay.status).toBe(200);
    expect(replay.body.id).not.toBe(id);
    const copy = await retrieve(replay.body.id);
    expect(copy).toMatchObject({ payload: { n: 1 }, tags: ["orig"], replayedFromId: id, status: "QUEUED" });
    const withTags = await http.call("POST", `/api/v1/runs/${id}/replay`, { key: prodKey, body: { tags: ["new"] } });
    expect((await retrieve(withTags.body.id)).tags).toEqual(["new"]);
  });
});

describe("reschedule", () => {
  it("moves a delayed run's start, and refuses runs that are not delayed", async () => {
    const id = (await trigger("hello", { payload: {}, options: { delay: "1h" } })).body.id as string;
    const before = await retrieve(id);
    expect(before.status).toBe("DELAYED");
    const res = await http.call("POST", `/api/v1/runs/${id}/reschedule`, { key: prodKey, body: { delay: "2h" } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("DELAYED");
    const moved = new Date(res.body.delayedUntil).getTime() - new Date(before.delayedUntil).getTime();
    expect(Math.round(moved / 60_000)).toBe(60);
    const queued = (await trigger("hello", { payload: {} })).body.id as string;
    const refused = await http.call("POST", `/api/v1/runs/${queued}/reschedule`, { key: prodKey, body: { delay: "1h" } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/only a DELAYED run/);
  });
});

describe("idempotency", () => {
  it("gives the same run for the same request idempotency header, never two", async () => {
    const headers = { "x-trigger-request-idempotency-key": crypto.randomUUID() };
    const [a, b] = await Promise.all([trigger("hello", { payload: {} }, { headers }), trigger("hello", { payload: {} }, { headers })]);
    const c = await trigger("hello", { payload: {} }, { headers });
    expect(a.body.id).toBe(b.body.id);
    expect(c.body.id).toBe(a.body.id);
    const rows = await api.deps.sql<{ count: number }[]>`select count(*)::int as count from runs where request_idempotency_key = ${headers["x-trigger-request-idempotency-key"]}`;
    expect(rows[0]?.count).toBe(1);
  });

  it("gives one run to many concurrent triggers with the same idempotencyKey", async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => trigger("hello", { payload: {}, options: { idempotencyKey: "burst" } })));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(results.filter((r) => r.body.isCached !== true)).toHaveLength(1);
  });

  it("answers isCached for a repeated idempotencyKey, and a new run once its TTL expired", async () => {
    const first = await trigger("hello", { payload: {}, options: { idempotencyKey: "order-1" } });
    const again = await trigger("hello", { payload: {}, options: { idempotencyKey: "order-1" } });
    expect(again.body).toEqual({ id: first.body.id, isCached: true });
    await api.deps.sql`update runs set idempotency_key_expires_at = now() - interval '1 second' where id = ${first.body.id}`;
    const fresh = await trigger("hello", { payload: {}, options: { idempotencyKey: "order-1" } });
    expect(fresh.body.id).not.toBe(first.body.id);
    expect(fresh.body.isCached).toBeUndefined();
  });
});

describe("bad input and tenancy", () => {
  it("answers 400 naming the field", async () => {
    const res = await trigger("hello", { payload: {}, options: { maxAttempts: "three" } });
    expect(res.status).toBe(400);
    expect(res.body.param).toBe("options.maxAttempts");
    const delay = await trigger("hello", { payload: {}, options: { delay: "soon-ish" } });
    expect(delay).toMatchObject({ status: 400, body: { param: "options.delay" } });
  });

  it("answers 413 for a payload over 3 MB", async () => {
    const res = await trigger("hello", { payload: "x".repeat(3 * 1024 * 1024 + 1), options: { payloadType: "text/plain" } });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: "payload_too_large", param: "payload" });
  });

  it("answers 401 for a wrong key", async () => {
    const res = await trigger("hello", { payload: {} }, { key: "tr_prod_notakey" });
    expect(res.status).toBe(401);
    expect((await fakeRunner(http, "gr_runner_notatoken").start(["run_x"])).status).toBe(401);
    // an environment key is no runner token (only a dev key, for its own dev runs)
    expect((await fakeRunner(http, prodKey).start(["run_x"])).status).toBe(403);
  });

  it("answers 404 for another environment's run", async () => {
    const id = (await trigger("hello", { payload: {} })).body.id as string;
    expect((await http.call("GET", `/api/v3/runs/${id}`, { key: stagingKey })).status).toBe(404);
    expect((await http.call("POST", `/api/v2/runs/${id}/cancel`, { key: stagingKey })).status).toBe(404);
    expect((await http.call("POST", `/api/v1/runs/${id}/replay`, { key: stagingKey })).status).toBe(404);
    expect((await retrieve(id)).status).toBe("QUEUED");
  });
});

describe("list", () => {
  it("pages newest first with cursors, and filters", async () => {
    const key = api.seed.environments.dev.apiKey;
    // dev has no version here: these runs wait in PENDING_VERSION, which is fine for listing
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const tags = ["lister", i % 2 ? "lister-odd" : "lister-even"];
      ids.push((await trigger("lister", { payload: { i }, options: { tags } }, { key })).body.id);
    }
    const q = "/api/v1/runs?filter[tag]=lister&page[size]=2";
    const page1 = await http.call("GET", q, { key });
    expect(page1.body.data.map((r: { id: string }) => r.id)).toEqual([ids[4], ids[3]]);
    expect(page1.body.data[0].env.name).toBe("dev");
    expect(page1.body.pagination.previous).toBeUndefined();
    const page2 = await http.call("GET", `${q}&page[after]=${page1.body.pagination.next}`, { key });
    expect(page2.body.data.map((r: { id: string }) => r.id)).toEqual([ids[2], ids[1]]);
    const back = await http.call("GET", `${q}&page[before]=${page2.body.pagination.previous}`, { key });
    expect(back.body.data.map((r: { id: string }) => r.id)).toEqual([ids[4], ids[3]]);
    const page3 = await http.call("GET", `${q}&page[after]=${page2.body.pagination.next}`, { key });
    expect(page3.body.data.map((r: { id: string }) => r.id)).toEqual([ids[0]]);
    expect(page3.body.pagination.next).toBeUndefined();
    const odd = await http.call("GET", "/api/v1/runs?filter[tag]=lister-odd&filter[status]=PENDING_VERSION", { key });
    expect(odd.body.data.map((r: { id: string }) => r.id)).toEqual([ids[3], ids[1]]);
    const none = await http.call("GET", "/api/v1/runs?filter[tag]=lister-odd&filter[status]=COMPLETED", { key });
    expect(none.body.data).toEqual([]);
    const bad = await http.call("GET", "/api/v1/runs?filter[status]=DONE", { key });
    expect(bad).toMatchObject({ status: 400, body: { param: "filter[status]" } });
  });
});

describe("project run listing", () => {
  it("lists a project's runs across environments for a member, and only its own for a secret key", async () => {
    const prodRun = (await trigger("hello", { payload: {}, options: { tags: ["proj-list"] } })).body.id as string;
    const stagingRun = (await trigger("hello", { payload: {}, options: { tags: ["proj-list"] } }, { key: stagingKey })).body.id as string;
    const path = `/api/v1/projects/${api.seed.projectRef}/runs?filter[tag]=proj-list`;
    const asMember = await http.call("GET", `${path}&filter[env]=prod,staging`, { key: api.seed.accessToken });
    expect(asMember.status).toBe(200);
    expect(asMember.body.data.map((r: { id: string }) => r.id)).toEqual([stagingRun, prodRun]);
    expect(asMember.body.data.map((r: { env: { name: string } }) => r.env.name)).toEqual(["staging", "prod"]);
    const asStagingKey = await http.call("GET", `${path}&filter[env]=prod,staging`, { key: stagingKey });
    expect(asStagingKey.body.data.map((r: { id: string }) => r.id)).toEqual([stagingRun]);
    expect((await http.call("GET", `/api/v1/projects/proj_someoneelse/runs`, { key: stagingKey })).status).toBe(404);
  });
});

describe("versions (runs last: deploys a new current version)", () => {
  it("keeps a started run on its version across retries while a new version deploys; lockToVersion pins new runs", async () => {
    const runner = fakeRunner(http, api.seed.runnerToken);
    const id = (await trigger("flaky", { payload: {} })).body.id as string;
    const first = (await runner.start([id])).body.results[0];
    expect(first.execution.deployment.version).toBe(v1);
    await runner.complete(id, 1, failure("boom", 0));
    const v2 = (await deployTasks(http, prodKey, [{ id: "hello" }, { id: "flaky", retry: { maxAttempts: 2 } }])).version;
    expect(v2).not.toBe(v1);
    const second = (await runner.start([id])).body.results[0];
    expect(second.execution.deployment.version).toBe(v1);
    // a child the parent waits for (triggerAndWait) runs on the parent's version
    const child = (await trigger("hello", { payload: {}, options: { resumeParentOnCompletion: true } }, { key: second.execution.runToken })).body.id as string;
    expect((await runner.start([child])).body.results[0].execution.deployment.version).toBe(v1);

    const fresh = (await trigger("hello", { payload: {} })).body.id as string;
    expect((await runner.start([fresh])).body.results[0].execution.deployment.version).toBe(v2);
    const pinned = (await trigger("hello", { payload: {}, options: { lockToVersion: v1 } })).body.id as string;
    expect((await runner.start([pinned])).body.results[0].execution.deployment.version).toBe(v1);
  });
});
