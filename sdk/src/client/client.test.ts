import { createHash, createHmac } from "node:crypto";
import SuperJSON from "superjson";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  ApiConnectionError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  configure,
  idempotencyKeys,
  readSdkEnv,
  runs,
  schemaTask,
  tasks,
  type Task,
} from "../index.js";
import { startCaptureServer, type CaptureServer } from "../testing/capture-server.js";
import { backoff, DEFAULT_REQUEST_RETRY } from "./api-client.js";

const SECRET = "tr_dev_testsecret";
let server: CaptureServer;

beforeAll(async () => {
  server = await startCaptureServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  server.replies.length = 0;
  server.fallback = () => ({ status: 404, body: { error: "no reply queued" } });
  // Short backoff for tests; the defaults stay the official ones (asserted below).
  configure({ secretKey: SECRET, baseURL: `${server.url}/`, requestOptions: { retry: { minTimeoutInMs: 5, maxTimeoutInMs: 20 } } });
});

const runFields = {
  id: "run_1",
  status: "COMPLETED",
  taskIdentifier: "hello",
  isQueued: false,
  isExecuting: false,
  isWaiting: false,
  isCompleted: true,
  isSuccess: true,
  isFailed: false,
  isCancelled: false,
  isTest: false,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:01.000Z",
  tags: [],
  costInCents: 0,
  baseCostInCents: 0,
  durationMs: 5,
};

function verifyJwt(token: string, key: string): Record<string, unknown> {
  const [head, body, sig] = token.split(".");
  const expected = createHmac("sha256", key).update(`${head}.${body}`).digest("base64url");
  expect(sig).toBe(expected);
  return JSON.parse(Buffer.from(body!, "base64url").toString()) as Record<string, unknown>;
}

describe("tasks.trigger", () => {
  it("sends the official headers and a SuperJSON payload, and self-signs the handle's token from the claims header", async () => {
    server.replies.push({ status: 202, body: { id: "run_abc" }, headers: { "x-trigger-jwt-claims": JSON.stringify({ sub: "env_1", pub: true }) } });
    type Hello = Task<"hello world", { d: Date; big: bigint }, string>;
    const handle = await tasks.trigger<Hello>("hello world", { d: new Date(0), big: 10n });

    expect(handle.id).toBe("run_abc");
    const [req] = server.requests;
    expect(req!.method).toBe("POST");
    expect(req!.url).toBe("/api/v1/tasks/hello%20world/trigger");
    expect(req!.headers).toMatchObject({
      authorization: `Bearer ${SECRET}`,
      "content-type": "application/json",
      "trigger-version": "0.1.0",
      "x-trigger-api-version": "2025-07-16",
      "x-trigger-source": "sdk",
      "x-trigger-realtime-streams-version": "v2",
    });
    expect(req!.headers["x-trigger-request-idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(req!.headers["x-trigger-branch"]).toBeUndefined();
    expect(req!.headers["x-trigger-worker"]).toBeUndefined();
    // superjson 2.2.7 adds "v":1 to meta (the official 4.8.3 client's older superjson does not); both decode alike.
    const body = JSON.parse(req!.body) as { payload: string; options: unknown };
    expect(JSON.parse(body.payload)).toMatchObject({
      json: { d: "1970-01-01T00:00:00.000Z", big: "10" },
      meta: { values: { d: ["Date"], big: ["bigint"] } },
    });
    expect(SuperJSON.parse(body.payload)).toEqual({ d: new Date(0), big: 10n });
    expect(body.options).toEqual({ payloadType: "application/super+json", payloadSize: Buffer.byteLength(body.payload) });

    const claims = verifyJwt(handle.publicAccessToken, SECRET);
    expect(claims).toMatchObject({ sub: "env_1", pub: true, scopes: ["read:runs:run_abc"], iss: "https://id.trigger.dev", aud: "https://api.trigger.dev" });
    expect((claims.exp as number) - (claims.iat as number)).toBe(3600);
  });

  it("maps options like the official client: queue object, hashed idempotency key with its options, text payloads", async () => {
    server.replies.push({ body: { id: "run_x", isCached: true }, headers: { "x-trigger-jwt": "server.signed.jwt" } });
    const handle = await tasks.trigger<Task<"t", string, void>>("t", "plain text", {
      queue: "my-queue",
      concurrencyKey: "ck",
      idempotencyKey: "k",
      delay: "1h",
      ttl: "10m",
      tags: ["a"],
      maxAttempts: 3,
      metadata: { m: 1 },
      maxDuration: 60,
      machine: "small-1x",
      priority: 10,
    });
    expect(handle).toMatchObject({ id: "run_x", isCached: true, publicAccessToken: "server.signed.jwt" });
    const body = JSON.parse(server.requests[0]!.body) as { payload: string; options: Record<string, unknown> };
    expect(body.payload).toBe("plain text");
    expect(body.options).toEqual({
      queue: { name: "my-queue" },
      concurrencyKey: "ck",
      payloadType: "text/plain",
      payloadSize: 10,
      idempotencyKey: createHash("sha256").update("k").digest("hex"),
      idempotencyKeyOptions: { key: "k", scope: "run" },
      delay: "1h",
      ttl: "10m",
      tags: ["a"],
      maxAttempts: 3,
      metadata: { m: 1 },
      maxDuration: 60,
      machine: "small-1x",
      priority: 10,
    });
  });

  it("hashes keys made by idempotencyKeys.create (parts joined with '-') and sends them with their scope", async () => {
    const key = await idempotencyKeys.create(["order", "42"], { scope: "global" });
    expect(key).toBe(createHash("sha256").update("order-42").digest("hex"));
    server.replies.push({ body: { id: "run_k" } });
    await tasks.trigger("t", undefined, { idempotencyKey: key });
    const body = JSON.parse(server.requests[0]!.body) as { payload?: string; options: Record<string, unknown> };
    expect(body.payload).toBeUndefined();
    expect(body.options).toEqual({ payloadType: "application/json", payloadSize: 0, idempotencyKey: key, idempotencyKeyOptions: { key: "order-42", scope: "global" } });
  });

  it("validates a schemaTask payload before sending anything", async () => {
    const typed = schemaTask({ id: "client-typed", schema: z.object({ n: z.number() }), run: async ({ n }) => n });
    await expect(typed.trigger({ n: "x" as unknown as number })).rejects.toThrow(/expected number/i);
    expect(server.requests).toHaveLength(0);
    server.replies.push({ body: { id: "run_t" } });
    await typed.trigger({ n: 1 });
    expect(server.requests).toHaveLength(1);
  });

  it("sends x-trigger-branch for a preview branch", async () => {
    configure({ secretKey: SECRET, baseURL: server.url, previewBranch: "feature-x" });
    server.replies.push({ body: { id: "run_b" } });
    await tasks.trigger("t", { a: 1 });
    expect(server.requests[0]!.headers["x-trigger-branch"]).toBe("feature-x");
  });
});

describe("client retries and errors", () => {
  it("keeps the official defaults: 5 attempts, 1000 × 1.6^(n-1) ms capped at 30 s, no jitter", () => {
    expect(DEFAULT_REQUEST_RETRY).toEqual({ maxAttempts: 5, factor: 1.6, minTimeoutInMs: 1000, maxTimeoutInMs: 30_000, randomize: false });
    expect([1, 2, 3, 4, 10].map((n) => backoff(DEFAULT_REQUEST_RETRY, n))).toEqual([1000, 1600, 2560, 4096, 30_000]);
  });

  it("retries 5xx with the same request idempotency key, then succeeds", async () => {
    server.replies.push({ status: 503, body: { error: "busy" } }, { status: 503, body: { error: "busy" } }, { body: { id: "run_r" } });
    const handle = await tasks.trigger("t", { a: 1 });
    expect(handle.id).toBe("run_r");
    expect(server.requests).toHaveLength(3);
    const keys = new Set(server.requests.map((r) => r.headers["x-trigger-request-idempotency-key"]));
    expect(keys.size).toBe(1);
  });

  it("gives up after 5 attempts with InternalServerError", async () => {
    server.fallback = () => ({ status: 500, body: { error: "down" } });
    await expect(tasks.trigger("t", {})).rejects.toBeInstanceOf(InternalServerError);
    expect(server.requests).toHaveLength(5);
  });

  it("does not retry when x-should-retry is false, nor a 400, and maps the error body", async () => {
    server.replies.push({ status: 500, body: { error: "no" }, headers: { "x-should-retry": "false" } });
    await expect(tasks.trigger("t", {})).rejects.toBeInstanceOf(InternalServerError);
    expect(server.requests).toHaveLength(1);

    server.replies.push({ status: 400, body: { error: "Invalid request", code: "bad", param: "payload" } });
    const error = await tasks.trigger("t", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, code: "bad", param: "payload", message: "400 Invalid request" });
    expect(server.requests).toHaveLength(2);
  });

  it("retries a 409 and a 429, waiting for x-ratelimit-reset", async () => {
    server.replies.push({ status: 409, body: { error: "c" } }, { status: 429, body: { error: "slow down" }, headers: { "x-ratelimit-reset": String(Date.now() + 20) } }, { body: { id: "run_rl" } });
    expect((await tasks.trigger("t", {})).id).toBe("run_rl");
    expect(server.requests).toHaveLength(3);
  });

  it("throws ApiConnectionError when the api is unreachable, after retrying", async () => {
    configure({ secretKey: SECRET, baseURL: "http://127.0.0.1:9", requestOptions: { retry: { maxAttempts: 2, minTimeoutInMs: 1 } } });
    await expect(tasks.trigger("t", {})).rejects.toBeInstanceOf(ApiConnectionError);
  });
});

describe("runs", () => {
  it("retrieves a run by id or handle", async () => {
    server.replies.push({ body: { ...runFields, depth: 0, triggerFunction: "trigger", relatedRuns: {}, output: { ok: 1 } } });
    const run = await runs.retrieve("run_1");
    expect(server.requests[0]).toMatchObject({ method: "GET", url: "/api/v3/runs/run_1" });
    expect(run.createdAt).toBeInstanceOf(Date);
    expect(run.output).toEqual({ ok: 1 });
    server.replies.push({ status: 404, body: { error: "Run not found" } });
    await expect(runs.retrieve({ id: "run_2", publicAccessToken: "", taskIdentifier: "x" })).rejects.toBeInstanceOf(NotFoundError);
    expect(server.requests[1]!.url).toBe("/api/v3/runs/run_2");
  });

  it("lists with filters and walks pages with page[after]", async () => {
    const item = (id: string) => ({ ...runFields, id, env: { id: "env_1", name: "dev" } });
    server.replies.push({ body: { data: [item("run_a"), item("run_b")], pagination: { next: "run_b" } } }, { body: { data: [item("run_c")], pagination: {} } });
    const ids: string[] = [];
    for await (const run of runs.list({ status: ["FAILED", "COMPLETED"], taskIdentifier: "hello", limit: 2, from: 1000 })) ids.push(run.id);
    expect(ids).toEqual(["run_a", "run_b", "run_c"]);
    const first = new URL(server.requests[0]!.url, server.url);
    expect(first.pathname).toBe("/api/v1/runs");
    expect(Object.fromEntries(first.searchParams)).toEqual({
      "page[size]": "2",
      "filter[status]": "FAILED,COMPLETED",
      "filter[taskIdentifier]": "hello",
      "filter[createdAt][from]": "1000",
    });
    expect(new URL(server.requests[1]!.url, server.url).searchParams.get("page[after]")).toBe("run_b");
  });

  it("lists a project's runs by ref with filter[env] (personal access token)", async () => {
    server.replies.push({ body: { data: [], pagination: {} } });
    const page = await runs.list("proj_abc", { env: ["dev", "prod"], status: "QUEUED" });
    expect(page.hasNextPage()).toBe(false);
    const url = new URL(server.requests[0]!.url, server.url);
    expect(url.pathname).toBe("/api/v1/projects/proj_abc/runs");
    expect(url.searchParams.get("filter[env]")).toBe("dev,prod");
    expect(url.searchParams.get("filter[status]")).toBe("QUEUED");
  });

  it("cancels with an empty POST and replays with SuperJSON overrides", async () => {
    server.replies.push({ body: { id: "run_1" } }, { body: { id: "run_new" } }, { body: { id: "run_new2" } });
    expect(await runs.cancel("run_1")).toEqual({ id: "run_1" });
    expect(server.requests[0]).toMatchObject({ method: "POST", url: "/api/v2/runs/run_1/cancel", body: "" });
    expect(server.requests[0]!.headers["content-length"]).toBe("0");
    expect(await runs.replay("run_1")).toEqual({ id: "run_new" });
    expect(server.requests[1]).toMatchObject({ method: "POST", url: "/api/v1/runs/run_1/replay", body: "" });
    await runs.replay("run_1", { payload: { a: 1 }, tags: ["r"], queue: "q" });
    expect(JSON.parse(server.requests[2]!.body)).toEqual({ payload: '{"json":{"a":1}}', payloadType: "application/super+json", tags: ["r"], queue: "q" });
  });
});

describe("environment", () => {
  it("reads GANTRY_* first and falls back to TRIGGER_*", () => {
    expect(readSdkEnv({ TRIGGER_SECRET_KEY: "tr_dev_a", TRIGGER_API_URL: "http://t", TRIGGER_PREVIEW_BRANCH: "b", TRIGGER_VERSION: "1" })).toEqual({
      secretKey: "tr_dev_a",
      baseURL: "http://t",
      previewBranch: "b",
      version: "1",
    });
    expect(readSdkEnv({ GANTRY_SECRET_KEY: "g", TRIGGER_SECRET_KEY: "t", GANTRY_API_URL: "http://g" })).toEqual({ secretKey: "g", baseURL: "http://g" });
  });
});
