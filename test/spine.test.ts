// The platform spine end to end: deploy a task project with the CLI's deploy library, trigger over HTTP and with
// the SDK, and read results back — on a real api, runner, Postgres and Redis.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { configure, runs, tasks } from "@gantry/sdk";
import { editFile, eventually, startPlatform, type Platform } from "./helpers/platform.js";
import { http, type Http } from "./helpers/http.js";

let platform: Platform;
let prod: Http;
let v1: { version: string };

const FINAL = ["COMPLETED", "CANCELED", "FAILED", "CRASHED", "SYSTEM_FAILURE", "EXPIRED", "TIMED_OUT"];

async function waitForStatus(client: Http, runId: string, statuses: string[] = FINAL, timeoutMs = 30_000) {
  return eventually(
    async () => {
      const { body } = await client.get(`/api/v3/runs/${runId}`);
      return statuses.includes(body.status) ? body : undefined;
    },
    { timeoutMs, what: `run ${runId} to reach ${statuses.join("|")}` },
  );
}

async function trigger(client: Http, taskId: string, payload: unknown, options?: unknown, headers?: Record<string, string>) {
  const response = await client.post(`/api/v1/tasks/${taskId}/trigger`, { payload, options }, headers);
  expect(response.status, JSON.stringify(response.body)).toBeLessThan(300);
  return response.body.id as string;
}

beforeAll(async () => {
  platform = await startPlatform();
  prod = http(platform.api.url, platform.api.seed.environments.prod.apiKey);
  await platform.startRunner();
  v1 = await platform.deployProject();
}, 120_000);

afterAll(async () => {
  await platform?.close();
});

describe("deploy, trigger, run, read back", () => {
  it("deploys a version named YYYYMMDD.N and runs a task to completion with its output", async () => {
    expect(v1.version).toMatch(/^\d{8}\.\d+$/);
    const id = await trigger(prod, "echo", { hello: "world" });
    expect(id).toMatch(/^run_/);
    const run = await waitForStatus(prod, id);
    expect(run.status).toBe("COMPLETED");
    expect(run.isSuccess).toBe(true);
    expect(run.output).toEqual({ payload: { hello: "world" }, version: v1.version, env: null });
    expect(run.version).toBe(v1.version);
    expect(run.attemptCount).toBe(1);
  });

  it("works from the SDK: tasks.trigger, runs.retrieve and runs.list", async () => {
    configure({ secretKey: platform.api.seed.environments.prod.apiKey, baseURL: platform.api.url });
    const handle = await tasks.trigger("echo", { from: "sdk", at: new Date(0) });
    expect(handle.publicAccessToken).toBeTruthy();
    const done = await eventually(async () => {
      const run = await runs.retrieve(handle.id);
      return run.status === "COMPLETED" ? run : undefined;
    });
    // retrieve answers decoded JSON (as the official API does): a Date arrives as its ISO string
    expect((done.output as any).payload).toEqual({ from: "sdk", at: new Date(0).toISOString() });
    const page = await runs.list({ taskIdentifier: ["echo"], limit: 50 });
    expect(page.data.map((r: { id: string }) => r.id)).toContain(handle.id);
  });

  it("retries a failing task per its retry settings, then marks it FAILED", async () => {
    const run = await waitForStatus(prod, await trigger(prod, "always-fails", {}));
    expect(run.status).toBe("FAILED");
    expect(run.attemptCount).toBe(3);
    expect(run.error.message).toBe("boom on attempt 3");
  });

  it("succeeds on a retry", async () => {
    const run = await waitForStatus(prod, await trigger(prod, "flaky", {}));
    expect(run.status).toBe("COMPLETED");
    expect(run.output).toEqual({ attempt: 2 });
  });

  it("does not retry AbortTaskRunError", async () => {
    const run = await waitForStatus(prod, await trigger(prod, "aborts", {}));
    expect(run.status).toBe("FAILED");
    expect(run.attemptCount).toBe(1);
    expect(run.error.message).toBe("not worth retrying");
  });

  it("times out a run past its maxDuration", async () => {
    const run = await waitForStatus(prod, await trigger(prod, "slow", { ms: 20_000 }), FINAL, 40_000);
    expect(run.status).toBe("TIMED_OUT");
    expect(run.attemptCount).toBe(1);
  });

  it("cancels an executing run, and its late completion changes nothing", async () => {
    const id = await trigger(prod, "slow", { ms: 4_000 });
    await waitForStatus(prod, id, ["EXECUTING"]);
    const canceled = await prod.post(`/api/v2/runs/${id}/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.body).toEqual({ id });
    expect((await waitForStatus(prod, id)).status).toBe("CANCELED");
    await new Promise((r) => setTimeout(r, 4_500));
    expect((await prod.get(`/api/v3/runs/${id}`)).body.status).toBe("CANCELED");
  });

  it("replays a run as a new run with the same payload", async () => {
    const original = await waitForStatus(prod, await trigger(prod, "echo", { n: 1 }));
    const replay = await prod.post(`/api/v1/runs/${original.id}/replay`);
    expect(replay.status).toBe(200);
    expect(replay.body.id).not.toBe(original.id);
    const run = await waitForStatus(prod, replay.body.id);
    expect(run.status).toBe("COMPLETED");
    expect(run.output.payload).toEqual({ n: 1 });
  });

  it("gives the same run for the same request idempotency header, and for the same idempotencyKey", async () => {
    const headers = { "x-trigger-request-idempotency-key": crypto.randomUUID() };
    const a = await trigger(prod, "echo", { i: 1 }, undefined, headers);
    const b = await trigger(prod, "echo", { i: 1 }, undefined, headers);
    expect(b).toBe(a);
    const first = await prod.post(`/api/v1/tasks/echo/trigger`, { payload: { i: 2 }, options: { idempotencyKey: "order-42" } });
    const second = await prod.post(`/api/v1/tasks/echo/trigger`, { payload: { i: 2 }, options: { idempotencyKey: "order-42" } });
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.isCached).toBe(true);
  });
});

describe("bad input changes nothing and says why", () => {
  it("400 naming the field for a malformed body", async () => {
    const response = await prod.post(`/api/v1/tasks/echo/trigger`, { payload: {}, options: { maxAttempts: "three" } });
    expect(response.status).toBe(400);
    expect(response.body.error).toEqual(expect.any(String));
    expect(response.body.param).toMatch(/maxAttempts/);
  });

  it("400 for a body that is not JSON", async () => {
    const response = await prod.post(`/api/v1/tasks/echo/trigger`, "{not json");
    expect(response.status).toBe(400);
  });

  it("413 for a payload over 3 MB", async () => {
    const before = (await prod.get(`/api/v1/runs?page[size]=100`)).body.data.length;
    const response = await prod.post(`/api/v1/tasks/echo/trigger`, { payload: "x".repeat(3 * 1024 * 1024 + 10) });
    expect(response.status).toBe(413);
    expect(response.body.code).toBe("payload_too_large");
    expect((await prod.get(`/api/v1/runs?page[size]=100`)).body.data.length).toBe(before);
  });

  it("401 for a wrong key", async () => {
    const response = await http(platform.api.url, "tr_prod_wrongwrongwrongwrongwrong").post(`/api/v1/tasks/echo/trigger`, { payload: {} });
    expect(response.status).toBe(401);
    expect(response.body.code).toBe("unauthorized");
  });

  it("404 for another environment's run", async () => {
    const id = await trigger(prod, "echo", {});
    const staging = http(platform.api.url, platform.api.seed.environments.staging.apiKey);
    const response = await staging.get(`/api/v3/runs/${id}`);
    expect(response.status).toBe(404);
    expect((await staging.post(`/api/v2/runs/${id}/cancel`)).status).toBe(404);
  });
});

describe("versions", () => {
  it("a task no version has waits in PENDING_VERSION, then runs once deployed", async () => {
    const staging = http(platform.api.url, platform.api.seed.environments.staging.apiKey);
    const id = await trigger(staging, "echo", { early: true });
    expect((await staging.get(`/api/v3/runs/${id}`)).body.status).toBe("PENDING_VERSION");
    await platform.deployProject({ env: "staging" });
    const run = await waitForStatus(staging, id);
    expect(run.status).toBe("COMPLETED");
  });

  it("a run started on v1 keeps v1 for its retries while v2 deploys; new runs use v2", { timeout: 90_000 }, async () => {
    const id = await trigger(prod, "versioned", { failFirst: true });
    await eventually(async () => ((await prod.get(`/api/v3/runs/${id}`)).body.attemptCount >= 1 ? true : undefined));
    const v2 = await platform.deployProject({
      edit: (dir) => editFile(join(dir, "src/trigger/versioned.ts"), `"v1"`, `"v2"`),
    });
    // the retry (15 s backoff) must still be ahead of us, or this test proves nothing
    expect((await prod.get(`/api/v3/runs/${id}`)).body.isCompleted).toBe(false);
    const run = await waitForStatus(prod, id, FINAL, 45_000);
    expect(run.status).toBe("COMPLETED");
    expect(run.attemptCount).toBe(2);
    expect(run.output).toEqual({ code: "v1", version: expect.any(String) });
    expect(run.output.version).not.toBe(v2.version);
    const fresh = await waitForStatus(prod, await trigger(prod, "versioned", {}));
    expect(fresh.output).toEqual({ code: "v2", version: v2.version });
  });
});
