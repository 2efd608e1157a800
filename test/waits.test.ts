// Durable waits end to end (issue #4): child runs, wait.for/until, tokens over plain HTTP, and a runner killed
// while a run waits. Real api, Postgres, Redis, runners and worker processes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { editFile, eventually, startPlatform, type Platform } from "./helpers/platform.js";
import { http, type Http } from "./helpers/http.js";
import { signRunToken } from "../api/src/auth/run-token.js";
import { configure, wait } from "@gantry/sdk";

let platform: Platform;
let prod: Http;
let staging: Http;
const logDir = mkdtempSync(join(tmpdir(), "gantry-waits-"));
let logs = 0;
const newLog = () => join(logDir, `log-${++logs}.txt`);
const lines = (path: string) => (existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : []);
const count = (path: string, line: string) => lines(path).filter((l) => l === line).length;

beforeAll(async () => {
  platform = await startPlatform({
    // 1,000-child fan-outs: a self-hoster raises the reference's 500-item batch limit
    apiEnv: { GANTRY_HEARTBEAT_TIMEOUT_MS: "2000", GANTRY_RECONCILE_INTERVAL_MS: "500", GANTRY_MAX_BATCH_ITEMS: "1000" },
  });
  prod = http(platform.api.url, platform.api.seed.environments.prod.apiKey);
  staging = http(platform.api.url, platform.api.seed.environments.staging.apiKey);
  await platform.deployProject({ fixture: "waits-project" });
  // staging runs the same tasks with processKeepAlive: suspended attempts share processes
  await platform.deployProject({
    fixture: "waits-project",
    env: "staging",
    edit: (dir) => editFile(join(dir, "gantry.config.ts"), "maxDuration: 60,", "maxDuration: 60, processKeepAlive: { enabled: true, maxExecutionsPerProcess: 5000 },"),
  });
}, 180_000);

afterAll(async () => {
  await platform?.close();
});

async function run(api: Http, id: string) {
  return (await api.get(`/api/v3/runs/${id}`)).body;
}

async function finished(api: Http, id: string, timeoutMs = 60_000) {
  return eventually(async () => {
    const r = await run(api, id);
    return r.isCompleted ? r : undefined;
  }, { timeoutMs, what: `run ${id} to finish` });
}

async function trigger(api: Http, task: string, payload: unknown) {
  const { status, body } = await api.post(`/api/v1/tasks/${task}/trigger`, { payload });
  expect(status).toBe(200);
  return body.id as string;
}

describe("waits in one runner", () => {
  let runner: { close(): Promise<void> };
  beforeAll(async () => {
    runner = await platform.startRunner();
  });
  afterAll(async () => {
    await runner?.close();
  });

  it("parent → child → grandchild: each waits for the next and gets its output; relatedRuns and depth link them", async () => {
    const log = newLog();
    const id = await trigger(prod, "chain", { depth: 2, log });
    const parent = await finished(prod, id);
    expect(parent.status).toBe("COMPLETED");
    expect(parent.output.depth).toBe(2);
    expect(parent.output.child.depth).toBe(1);
    expect(parent.output.child.child.depth).toBe(0);
    // code before each wait ran once: the parent and the child resumed in their own attempts
    expect(lines(log)).toEqual(["chain-2", "chain-1", "chain-0"]);
    expect(parent.attemptCount).toBe(1);
    const child = await run(prod, parent.output.child.runId);
    const grandchild = await run(prod, parent.output.child.child.runId);
    expect(child.depth).toBe(1);
    expect(grandchild.depth).toBe(2);
    expect(child.triggerFunction).toBe("triggerAndWait");
    expect(child.version).toBe(parent.version);
    expect(grandchild.relatedRuns.root.id).toBe(id);
    expect(grandchild.relatedRuns.parent.id).toBe(child.id);
    expect(parent.relatedRuns.children.map((c: { id: string }) => c.id)).toEqual([child.id]);
  });

  it("a failed child gives { ok: false, error }, and .unwrap() throws SubtaskUnwrapError", async () => {
    const out = (await finished(prod, await trigger(prod, "child-fails", {}))).output;
    expect(out.ok).toBe(false);
    expect(out.error).toContain("child says no");
    expect(out.unwrapError).toMatch(/^SubtaskUnwrapError: .*child says no/);
  });

  it("wait.for: the run is WAITING meanwhile, resumes where it waited, and onWait/onResume fire once", async () => {
    const log = newLog();
    const id = await trigger(prod, "sleeper", { seconds: 2, log });
    await eventually(async () => ((await run(prod, id)).status === "WAITING" ? true : undefined), { what: "WAITING" });
    const waiting = await run(prod, id);
    expect(waiting.isWaiting).toBe(true);
    const done = await finished(prod, id);
    expect(done.status).toBe("COMPLETED");
    expect(done.output.waitedMs).toBeGreaterThanOrEqual(2000);
    expect(done.output.pastError).toBe("Date is in the past");
    expect(lines(log)).toEqual(["before", "onWait", "onResume", "after"]);
    expect(done.attemptCount).toBe(1);
  });

  it("a token created over HTTP and completed with curl's body ({ output }) resumes the run with that output", async () => {
    const created = await prod.post("/api/v1/waitpoints/tokens", { timeout: "10m", tags: ["curl"] });
    expect(created.status).toBe(200);
    expect(created.body.id).toMatch(/^waitpoint_/);
    expect(created.body.isCached).toBe(false);
    const id = await trigger(prod, "waits-for-token", { tokenId: created.body.id });
    await eventually(async () => ((await run(prod, id)).status === "WAITING" ? true : undefined), { what: "WAITING" });
    expect((await prod.get(`/api/v1/waitpoints/tokens/${created.body.id}`)).body.status).toBe("WAITING");

    // exactly what the reference's curl example sends
    const response = await fetch(`${platform.api.url}/api/v1/waitpoints/tokens/${created.body.id}/complete`, {
      method: "POST",
      headers: { authorization: `Bearer ${platform.api.seed.environments.prod.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ output: { approved: true } }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true });
    const done = await finished(prod, id);
    expect(done.output).toEqual({ ok: true, output: { approved: true } });
    const token = (await prod.get(`/api/v1/waitpoints/tokens/${created.body.id}`)).body;
    expect(token.status).toBe("COMPLETED");
    expect(JSON.parse(token.output)).toEqual({ approved: true });
    expect(token.tags).toEqual(["curl"]);
  });

  it("POSTing any JSON to a token's callback URL completes it with that body, without credentials", async () => {
    const created = (await prod.post("/api/v1/waitpoints/tokens", {})).body;
    const id = await trigger(prod, "waits-for-token", { tokenId: created.id });
    await eventually(async () => ((await run(prod, id)).status === "WAITING" ? true : undefined), { what: "WAITING" });
    const forged = await fetch(created.url.replace(/[0-9a-f]{40}$/, "0".repeat(40)), { method: "POST", body: "{}" });
    expect(forged.status).toBe(404);
    const response = await fetch(created.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ approved: "webhook" }) });
    expect(response.status).toBe(200);
    expect((await finished(prod, id)).output).toEqual({ ok: true, output: { approved: "webhook" } });
  });

  it("a token that times out resumes its run with { ok: false } (WaitpointTimeoutError) and reads TIMED_OUT", async () => {
    const created = (await prod.post("/api/v1/waitpoints/tokens", { timeout: "1s" })).body;
    const id = await trigger(prod, "waits-for-token", { tokenId: created.id });
    const done = await finished(prod, id);
    expect(done.output.ok).toBe(false);
    expect(done.output.error).toMatch(/^WaitpointTimeoutError/);
    expect((await prod.get(`/api/v1/waitpoints/tokens/${created.id}`)).body.status).toBe("TIMED_OUT");
    // completing it afterwards changes nothing
    await prod.post(`/api/v1/waitpoints/tokens/${created.id}/complete`, { data: { late: true } });
    expect((await prod.get(`/api/v1/waitpoints/tokens/${created.id}`)).body.status).toBe("TIMED_OUT");
  });

  it("token idempotency keys return the same token; the list filters by status and tags; bad input is a 400", async () => {
    const a = (await prod.post("/api/v1/waitpoints/tokens", { idempotencyKey: "order-7", tags: ["list-me"] })).body;
    const b = (await prod.post("/api/v1/waitpoints/tokens", { idempotencyKey: "order-7", tags: ["list-me"] })).body;
    expect(b.id).toBe(a.id);
    expect(b.isCached).toBe(true);
    const listed = (await prod.get("/api/v1/waitpoints/tokens?filter[tags]=list-me&filter[status]=WAITING")).body;
    expect(listed.data.map((t: { id: string }) => t.id)).toEqual([a.id]);
    expect((await prod.get("/api/v1/waitpoints/tokens?filter[tags]=list-me&filter[status]=COMPLETED")).body.data).toEqual([]);
    const bad = await prod.post("/api/v1/waitpoints/tokens", { timeout: "soon" });
    expect(bad.status).toBe(400);
    expect(bad.body.param).toBe("timeout");
    expect((await prod.post("/api/v1/waitpoints/tokens/waitpoint_nope/complete", { data: 1 })).status).toBe(404);
    // another environment cannot see or complete it
    expect((await staging.get(`/api/v1/waitpoints/tokens/${a.id}`)).status).toBe(404);
    expect((await staging.post(`/api/v1/waitpoints/tokens/${a.id}/complete`, { data: 1 })).status).toBe(404);
  });

  it("tasks.triggerAndWait, tasks.batchTriggerAndWait, batch.triggerAndWait and batch.triggerByTaskAndWait return each child's result", async () => {
    const id = await trigger(prod, "wait-wrappers", {});
    const done = await finished(prod, id);
    expect(done.status, JSON.stringify(done.error)).toBe("COMPLETED");
    const out = done.output;
    expect(out.one).toMatchObject({ ok: true, task: "square", output: 4 });
    expect(out.unwrapped).toBe(49);
    expect(out.many.runs.map((r: { task: string; output: number }) => [r.task, r.output])).toEqual([["square", 9], ["square", 16]]);
    // results in item order, across tasks; a failed child is { ok: false } without failing the others
    expect(out.byId.runs.map((r: { ok: boolean; task: string }) => [r.ok, r.task])).toEqual([[true, "square"], [false, "failing-child"]]);
    expect(out.byId.runs[0].output).toBe(25);
    expect(out.byId.runs[1].error).toContain("child says no");
    expect(out.byTask.runs.map((r: { task: string }) => r.task)).toEqual(["chain", "square"]);
    expect(out.byTask.runs[0].output).toMatchObject({ depth: 0, runId: out.byTask.runs[0].id });
    expect(out.byTask.runs[1].output).toBe(36);

    // every child is this run's child, waited for on its version; each batch is a batch of the batches API
    const childIds = [out.one.id, ...[out.many, out.byId, out.byTask].flatMap((b: { runs: Array<{ id: string }> }) => b.runs.map((r) => r.id))];
    expect(new Set(childIds).size).toBe(7);
    const children = await Promise.all(childIds.map((childId: string) => run(prod, childId)));
    for (const child of children) {
      expect(child.relatedRuns.parent.id).toBe(id);
      expect(child.version).toBe(done.version);
    }
    expect(children[0].triggerFunction).toBe("triggerAndWait");
    expect(children.slice(1).map((c) => c.triggerFunction)).toEqual(Array(6).fill("batchTriggerAndWait"));
    for (const b of [out.many, out.byId, out.byTask]) {
      expect(b.id).toMatch(/^batch_/);
      expect((await prod.get(`/api/v1/batches/${b.id}`)).body).toMatchObject({ id: b.id, runCount: 2 });
    }
  });

  it("a wait's idempotency key: a second run reusing it skips a wait that is already over", async () => {
    const key = `idem-${Date.now()}`;
    expect((await finished(prod, await trigger(prod, "idem-wait", { key, seconds: 1 }))).status).toBe("COMPLETED");
    // an hour, were the key not honoured
    const second = await finished(prod, await trigger(prod, "idem-wait", { key, seconds: 3600 }), 20_000);
    expect(second.output).toEqual({ waited: 3600 });
  });

  it("a completion whose resume was lost (a crash between two commits) is found and resumed by the sweep", async () => {
    const created = (await prod.post("/api/v1/waitpoints/tokens", {})).body;
    const id = await trigger(prod, "waits-for-token", { tokenId: created.id });
    await eventually(async () => ((await run(prod, id)).status === "WAITING" ? true : undefined), { what: "WAITING" });
    // what a crash right after completing the token leaves: the token complete, the run still WAITING
    await platform.api.deps.sql`update waitpoints set status = 'COMPLETED', output = '{"repaired":true}', completed_at = now() where id = ${created.id}`;
    expect((await finished(prod, id)).output).toEqual({ ok: true, output: { repaired: true } });
  });

  it("Gantry's SDK outside a task: createToken, completeToken, retrieveToken and listTokens", async () => {
    configure({ secretKey: platform.api.seed.environments.prod.apiKey, baseURL: platform.api.url });
    const tag = `sdk-${Date.now()}`;
    const token = await wait.createToken({ timeout: "1h", tags: [tag], idempotencyKey: tag });
    expect(token.id).toMatch(/^waitpoint_/);
    expect(token.publicAccessToken.split(".")).toHaveLength(3);
    expect((await wait.createToken({ timeout: "1h", tags: [tag], idempotencyKey: tag })).id).toBe(token.id);
    expect((await wait.retrieveToken(token)).status).toBe("WAITING");
    expect(await wait.completeToken(token, { n: 1 })).toEqual({ success: true });
    const done = await wait.retrieveToken<{ n: number }>(token.id);
    expect(done.status).toBe("COMPLETED");
    expect(done).toMatchObject({ output: { n: 1 } });
    const listed: string[] = [];
    for await (const t of wait.listTokens({ tags: tag, status: "COMPLETED" })) listed.push(t.id);
    expect(listed).toEqual([token.id]);
  });

  it("canceling a waiting run ends it; completing its token afterwards does not bring it back", async () => {
    const created = (await prod.post("/api/v1/waitpoints/tokens", {})).body;
    const id = await trigger(prod, "waits-for-token", { tokenId: created.id });
    await eventually(async () => ((await run(prod, id)).status === "WAITING" ? true : undefined), { what: "WAITING" });
    expect((await prod.post(`/api/v2/runs/${id}/cancel`)).status).toBe(200);
    expect((await run(prod, id)).status).toBe("CANCELED");
    await prod.post(`/api/v1/waitpoints/tokens/${created.id}/complete`, { data: { late: true } });
    // a later run waiting on the same (now complete) token goes straight through, so the resume path has run
    const after = await finished(prod, await trigger(prod, "waits-for-token", { tokenId: created.id }));
    expect(after.output).toEqual({ ok: true, output: { late: true } });
    expect((await run(prod, id)).status).toBe("CANCELED");
  });

  it("the in-run wait endpoint takes only the run's own token, and refuses bad steps without changing the run", async () => {
    const res = await prod.post("/api/v1/runs/run_x/waits", { step: 0, wait: { type: "duration", date: new Date().toISOString() } });
    expect(res.status).toBe(401);

    const created = (await prod.post("/api/v1/waitpoints/tokens", {})).body;
    const id = await trigger(prod, "waits-for-token", { tokenId: created.id });
    await eventually(async () => ((await run(prod, id)).status === "WAITING" ? true : undefined), { what: "WAITING" });
    const r = await run(prod, id);
    const token = signRunToken(platform.api.deps.config, { environmentId: platform.api.seed.environments.prod.id, runId: id, attemptNumber: r.attemptCount });
    const asRun = http(platform.api.url, token);
    const badStep = await asRun.post(`/api/v1/runs/${id}/waits`, { step: -1, wait: { type: "token", tokenId: created.id } });
    expect(badStep.status).toBe(400);
    expect(badStep.body).toMatchObject({ code: expect.any(String), param: "step" });
    const badDate = await asRun.post(`/api/v1/runs/${id}/waits`, { step: 5, wait: { type: "duration", date: "someday" } });
    expect(badDate.status).toBe(400);
    // another run's endpoint with this run's token
    expect((await asRun.post(`/api/v1/runs/run_other/waits`, { step: 0, wait: { type: "token", tokenId: created.id } })).status).toBe(403);
    // step 0 was a token wait: asking for something else there is refused, and not retried by the SDK
    const changed = await asRun.post(`/api/v1/runs/${id}/waits`, { step: 0, wait: { type: "duration", date: new Date().toISOString() } });
    expect(changed.status).toBe(409);
    expect(changed.headers.get("x-should-retry")).toBe("false");
    // the same request again (an answer lost in transit) finds the attempt already suspended at that wait
    expect((await asRun.post(`/api/v1/runs/${id}/waits`, { step: 0, wait: { type: "token", tokenId: created.id } })).body).toMatchObject({ status: "WAITING" });
    expect((await run(prod, id)).status).toBe("WAITING");
    await prod.post(`/api/v1/waitpoints/tokens/${created.id}/complete`, { data: { fine: true } });
    expect((await finished(prod, id)).output).toEqual({ ok: true, output: { fine: true } });
  });
});

describe("keep-alive processes hold suspended runs", () => {
  let runner: { close(): Promise<void> };
  beforeAll(async () => {
    runner = await platform.startRunner();
  });
  afterAll(async () => {
    await runner?.close();
  });

  it("batchTriggerAndWait fans out to 1,000 children and gets every output back in order", { timeout: 240_000 }, async () => {
    const id = await trigger(staging, "fan-out", { count: 1000 });
    const done = await finished(staging, id, 220_000);
    expect(done.status).toBe("COMPLETED");
    expect(done.output.count).toBe(1000);
    expect(done.output.ids).toBe(1000);
    expect(done.output.first).toEqual([0, 1, 4]);
    expect(done.output.sum).toBe(Array.from({ length: 1000 }, (_, i) => i * i).reduce((a, b) => a + b, 0));
    // the fan-out is a batch of the batches API: retrievable, and listed by its runs
    const batchId = (await run(staging, done.relatedRuns.children[0].id)).batchId;
    const batch = (await staging.get(`/api/v1/batches/${batchId}`)).body;
    expect(batch).toMatchObject({ id: batchId, runCount: 1000 });
    const children = (await staging.get(`/api/v1/runs?filter[batch]=${encodeURIComponent(batchId)}&page[size]=100`)).body;
    expect(children.data.length).toBe(100);
  });
});

describe("two runners", () => {
  it("a resume whose job reaches the other runner is handed back to the runner holding the attempt: no replay", { timeout: 120_000 }, async () => {
    const a = await platform.startRunner();
    const b = await platform.startRunner();
    try {
      const token = (await prod.post("/api/v1/waitpoints/tokens", {})).body;
      const ids = await Promise.all(Array.from({ length: 12 }, () => trigger(prod, "waits-for-token", { tokenId: token.id })));
      await eventually(async () => {
        const statuses = await Promise.all(ids.map(async (id) => (await run(prod, id)).status));
        return statuses.every((s) => s === "WAITING") ? true : undefined;
      }, { what: "all 12 runs WAITING" });
      await prod.post(`/api/v1/waitpoints/tokens/${token.id}/complete`, { data: { both: true } });
      const done = await Promise.all(ids.map((id) => finished(prod, id)));
      expect(done.map((r) => r.status)).toEqual(ids.map(() => "COMPLETED"));
      expect(done.map((r) => r.output)).toEqual(ids.map(() => ({ ok: true, output: { both: true } })));
      // every run continued in the attempt (and process) it waited in
      expect(done.map((r) => r.attemptCount)).toEqual(ids.map(() => 1));
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe("durable execution across a lost runner", () => {
  it("a replay after wait.until's date passes the recorded wait (throwIfInThePast is checked for a new step only)", { timeout: 120_000 }, async () => {
    const log = newLog();
    const first = platform.spawnRunner();
    // 3 s after the run's start: room for a cold worker process to reach the wait before the date
    const id = await trigger(prod, "until-then-token", { afterMs: 3_000, log });
    const tokenId = await eventually(async () => {
      const r = await run(prod, id);
      return r.status === "WAITING" && r.metadata?.tokenId ? (r.metadata.tokenId as string) : undefined;
    }, { what: "the run waiting on its token" });
    expect(lines(log)).toEqual(["start", "until-passed"]);

    // a new step whose date has passed is refused (400 naming wait.date), and the run is left as it is
    const r = await run(prod, id);
    const asRun = http(platform.api.url, signRunToken(platform.api.deps.config, { environmentId: platform.api.seed.environments.prod.id, runId: id, attemptNumber: r.attemptCount }));
    const past = await asRun.post(`/api/v1/runs/${id}/waits`, { step: 9, wait: { type: "duration", date: new Date(Date.now() - 1_000).toISOString(), throwIfInThePast: true } });
    expect(past.status).toBe(400);
    expect(past.body.param).toBe("wait.date");
    expect((await run(prod, id)).status).toBe("WAITING");

    // the attempt is lost: the next one replays from the start, past the date now
    first.kill("SIGKILL");
    await new Promise((resolve) => first.once("exit", resolve));
    const second = await platform.startRunner();
    try {
      expect((await prod.post(`/api/v1/waitpoints/tokens/${tokenId}/complete`, { data: { n: 7 } })).status).toBe(200);
      const done = await finished(prod, id);
      expect(done.status).toBe("COMPLETED");
      expect(done.output).toEqual({ answer: { n: 7 } });
      expect(count(log, "start")).toBe(2);
      expect(count(log, "until-passed")).toBe(2);
      expect(done.attempts.map((a: { status: string }) => a.status)).toEqual(["SYSTEM_FAILURE", "COMPLETED"]);
    } finally {
      await second.close();
    }
  });

  it("SIGKILL of the runner while a parent waits: the parent still completes, replaying from the record; no child runs twice", { timeout: 120_000 }, async () => {
    const log = newLog();
    const first = platform.spawnRunner();
    const id = await trigger(prod, "durable", { log });
    // the parent has passed its child and waits on its token
    const tokenId = await eventually(async () => {
      const r = await run(prod, id);
      return r.status === "WAITING" && r.metadata?.tokenId ? (r.metadata.tokenId as string) : undefined;
    }, { what: "the parent waiting on its token" });
    expect(lines(log)).toEqual(["start", expect.stringMatching(/^fired run_/), "chain-0", "between"]);
    const fired = lines(log)[1]!;
    first.kill("SIGKILL");
    await new Promise((resolve) => first.once("exit", resolve));

    const second = await platform.startRunner();
    expect((await prod.post(`/api/v1/waitpoints/tokens/${tokenId}/complete`, { data: { n: 42 } })).status).toBe(200);
    const done = await finished(prod, id);
    expect(done.status).toBe("COMPLETED");
    expect(done.output.answer).toEqual({ n: 42 });
    expect(done.output.token).toBe(tokenId); // the replay got the same token from the record
    // code between the waits ran again (as on a retry); the child did not
    expect(count(log, "start")).toBe(2);
    expect(count(log, fired)).toBe(2); // the plain trigger answered with the same run on the replay
    expect(count(log, "chain-0")).toBe(1);
    expect(count(log, "between")).toBe(2);
    expect(count(log, "after")).toBe(1);
    expect(done.relatedRuns.children).toHaveLength(2);
    expect(done.relatedRuns.children.map((c: { id: string }) => c.id)).toContain(done.output.child);
    const attempts = done.attempts.map((a: { status: string; error?: { code?: string } }) => [a.status, a.error?.code]);
    expect(attempts).toEqual([["SYSTEM_FAILURE", "SUSPENDED_ATTEMPT_LOST"], ["COMPLETED", undefined]]);
    await second.close();
  });
});
