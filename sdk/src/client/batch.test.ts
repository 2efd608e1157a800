// Gantry's batch client against a capture server, side by side with the official @trigger.dev/sdk: the same
// calls must send the same requests (wire-format.md §3.2, §3.3, §3.5).
import SuperJSON from "superjson";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { configure as officialConfigure, tasks as officialTasks, batch as officialBatch } from "@trigger.dev/sdk";
import { batch, BatchTriggerError, BadRequestError, configure, schemaTask, task, tasks } from "../index.js";
import { startCaptureServer, type CaptureServer, type Reply } from "../testing/capture-server.js";

const SECRET = "tr_dev_batchsecret";
let server: CaptureServer;

beforeAll(async () => {
  server = await startCaptureServer();
  officialConfigure({ secretKey: SECRET, baseURL: server.url });
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  server.replies.length = 0;
  server.fallback = () => ({ status: 404, body: { error: "no reply queued" } });
  configure({ secretKey: SECRET, baseURL: server.url, requestOptions: { retry: { minTimeoutInMs: 5, maxTimeoutInMs: 20 } } });
});

const created = (id: string, runCount: number, isCached = false): Reply => ({
  body: { id, runCount, isCached },
  headers: { "x-trigger-jwt-claims": JSON.stringify({ sub: "env_1", pub: true }) },
});
const sealed = (id: string, n: number): Reply => ({ body: { id, itemsAccepted: n, itemsDeduplicated: 0, sealed: true } });
const lines = (body: string) => body.trim().split("\n").map((l) => JSON.parse(l));
const jwtClaims = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());

/** Runs a call with the official client and with ours, each against the same queued replies; returns both request lists. */
async function sideBySide(replies: Reply[], official: () => Promise<unknown>, ours: () => Promise<unknown>) {
  server.replies.push(...replies);
  await official();
  const theirs = server.requests.splice(0);
  server.replies.push(...replies);
  await ours();
  const mine = server.requests.splice(0);
  return { theirs, mine };
}

describe("tasks.batchTrigger", () => {
  it("sends the official client's two requests and returns { batchId, runCount, publicAccessToken }", async () => {
    const items = [
      { payload: { a: 1, nested: { b: [1, 2] } } },
      { payload: "text", options: { tags: ["t"], delay: "1h", ttl: "10m", maxAttempts: 2, queue: "q", concurrencyKey: "ck", priority: 5, machine: "small-2x" as const, metadata: { m: 1 } } },
      { payload: undefined },
    ];
    const { theirs, mine } = await sideBySide(
      [created("batch_1", 3), sealed("batch_1", 3)],
      () => officialTasks.batchTrigger("hello", items),
      () => tasks.batchTrigger("hello", items),
    );
    expect(mine.map((r) => `${r.method} ${r.url}`)).toEqual(["POST /api/v3/batches", "POST /api/v3/batches/batch_1/items"]);
    expect(mine.map((r) => `${r.method} ${r.url}`)).toEqual(theirs.map((r) => `${r.method} ${r.url}`));
    expect(JSON.parse(mine[0]!.body)).toEqual(JSON.parse(theirs[0]!.body));
    expect(JSON.parse(mine[0]!.body)).toEqual({ runCount: 3, taskIdentifiers: ["hello"] });
    expect(lines(mine[1]!.body)).toEqual(lines(theirs[1]!.body));
    expect(mine[1]!.headers["content-type"]).toBe("application/x-ndjson");
    expect(mine[1]!.headers["x-trigger-request-idempotency-key"]).toBeUndefined();
    expect(mine[0]!.headers["x-trigger-request-idempotency-key"]).toEqual(expect.any(String));
    expect(SuperJSON.parse(lines(mine[1]!.body)[0].payload)).toEqual({ a: 1, nested: { b: [1, 2] } });

    server.replies.push(created("batch_2", 1), sealed("batch_2", 1));
    const handle = await tasks.batchTrigger("hello", [{ payload: 1 }]);
    expect(handle).toEqual({ batchId: "batch_2", runCount: 1, publicAccessToken: expect.any(String) });
    expect(jwtClaims(handle.publicAccessToken)).toMatchObject({ sub: "env_1", pub: true, scopes: ["read:batch:batch_2"] });
  });

  it("a batch idempotencyKey is hashed and items without a key derive theirs from [key, index], as the official client does", async () => {
    const items = [{ payload: 1 }, { payload: 2, options: { idempotencyKey: "own" } }];
    const { theirs, mine } = await sideBySide(
      [created("batch_3", 2), sealed("batch_3", 2)],
      () => officialBatch.trigger([{ id: "hello", payload: 1 }, { id: "hello", payload: 2, options: { idempotencyKey: "own" } }], { idempotencyKey: "batch-key" }),
      () => tasks.batchTrigger("hello", items, { idempotencyKey: "batch-key" }),
    );
    const [theirItems, myItems] = [lines(theirs[1]!.body), lines(mine[1]!.body)];
    expect(JSON.parse(mine[0]!.body).idempotencyKey).toBe(JSON.parse(theirs[0]!.body).idempotencyKey);
    expect(JSON.parse(mine[0]!.body).idempotencyKey).toMatch(/^[a-f0-9]{64}$/);
    expect(myItems.map((i) => i.options.idempotencyKey)).toEqual(theirItems.map((i) => i.options.idempotencyKey));
    expect(myItems[0].options.idempotencyKey).not.toBe(myItems[1].options.idempotencyKey);
  });

  it("uploads a payload of 128 KiB or more first and sends its storage path, as the official client does", async () => {
    const big = { text: "x".repeat(140 * 1024) };
    server.fallback = (req) => {
      if (req.url.startsWith("/api/v2/packets/")) {
        const path = decodeURIComponent(req.url.slice("/api/v2/packets/".length));
        return { body: { presignedUrl: `${server.url}/upload/${encodeURIComponent(path)}`, storagePath: path } };
      }
      if (req.url.startsWith("/upload/")) return { body: {} };
      if (req.url === "/api/v3/batches") return created("batch_big", 2);
      return sealed("batch_big", 2);
    };
    const { theirs, mine } = await sideBySide([], () => officialTasks.batchTrigger("hello", [{ payload: big }, { payload: { small: 1 } }]), () =>
      tasks.batchTrigger("hello", [{ payload: big }, { payload: { small: 1 } }]),
    );
    const shape = (reqs: typeof mine) => reqs.map((r) => `${r.method} ${r.url.replace(/packet_[^/%]+/, "packet_*")}`);
    expect(shape(mine)).toEqual(shape(theirs));
    const upload = mine.find((r) => r.url.startsWith("/upload/"))!;
    expect(upload.headers.authorization).toBeUndefined();
    expect(SuperJSON.parse(upload.body)).toEqual(big);
    const [first, second] = lines(mine.at(-1)!.body);
    const [theirFirst] = lines(theirs.at(-1)!.body);
    expect(first.options).toMatchObject({ payloadType: "application/store", payloadSize: theirFirst.options.payloadSize });
    expect(first.payload).toMatch(/^trigger\/packet_[a-z0-9]+\/payload\.json$/);
    expect(second.options.payloadType).toBe("application/super+json");
  });

  it("a cached batch sends no items", async () => {
    server.replies.push(created("batch_4", 2, true));
    const handle = await tasks.batchTrigger("hello", [{ payload: 1 }, { payload: 2 }], { idempotencyKey: "again" });
    expect(handle.batchId).toBe("batch_4");
    expect(server.requests.map((r) => r.url)).toEqual(["/api/v3/batches"]);
  });

  it("resends every item while the server answers sealed: false, and after 429 with retry-after", async () => {
    server.replies.push(
      created("batch_5", 2),
      { body: { id: "batch_5", itemsAccepted: 1, itemsDeduplicated: 0, sealed: false, enqueuedCount: 1, expectedCount: 2 } },
      { status: 429, headers: { "retry-after": "0" }, body: { error: "slow down" } },
      { body: { id: "batch_5", itemsAccepted: 1, itemsDeduplicated: 1, sealed: true } },
    );
    await tasks.batchTrigger("hello", [{ payload: 1 }, { payload: 2 }]);
    const streams = server.requests.filter((r) => r.url.endsWith("/items"));
    expect(streams).toHaveLength(3);
    expect(streams.every((r) => lines(r.body).length === 2)).toBe(true);
  });

  it("gives up with BatchTriggerError(stream) when the batch never seals, and at once on a 400", async () => {
    server.fallback = (req) =>
      req.url === "/api/v3/batches"
        ? created("batch_6", 2)
        : { body: { id: "batch_6", itemsAccepted: 0, itemsDeduplicated: 1, sealed: false, enqueuedCount: 1, expectedCount: 2 } };
    const error = await tasks.batchTrigger("hello", [{ payload: 1 }, { payload: 2 }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchTriggerError);
    expect(error).toMatchObject({ phase: "stream", batchId: "batch_6", itemCount: 2 });
    expect((error as Error).message).toContain("1 of 2");
    expect(server.requests.filter((r) => r.url.endsWith("/items"))).toHaveLength(5);

    server.requests.length = 0;
    server.fallback = (req) =>
      req.url === "/api/v3/batches" ? created("batch_7", 1) : { status: 400, body: { error: "bad delay", param: "items[0].options.delay" } };
    const bad = await tasks.batchTrigger("hello", [{ payload: 1, options: { delay: "soon" } }]).catch((e: unknown) => e);
    expect(bad).toMatchObject({ phase: "stream" });
    expect((bad as BatchTriggerError).cause).toBeInstanceOf(BadRequestError);
    expect(((bad as BatchTriggerError).cause as BadRequestError).param).toBe("items[0].options.delay");
    expect(server.requests.filter((r) => r.url.endsWith("/items"))).toHaveLength(1);
  });
});

describe("batch.trigger, batch.triggerByTask, batch.retrieve", () => {
  it("batch.trigger sends each item to its own task", async () => {
    const { theirs, mine } = await sideBySide(
      [created("batch_8", 2), sealed("batch_8", 2)],
      () => officialBatch.trigger([{ id: "a", payload: { x: 1 } }, { id: "b", payload: { y: 2 } }]),
      () => batch.trigger([{ id: "a", payload: { x: 1 } }, { id: "b", payload: { y: 2 } }]),
    );
    expect(JSON.parse(mine[0]!.body)).toEqual({ runCount: 2, taskIdentifiers: ["a", "b"] });
    expect(JSON.parse(mine[0]!.body)).toEqual(JSON.parse(theirs[0]!.body));
    expect(lines(mine[1]!.body)).toEqual(lines(theirs[1]!.body));
  });

  it("accepts streamed items (an async iterable or a ReadableStream) and sends them as one batch", async () => {
    async function* generate() {
      for (let i = 0; i < 3; i++) yield { payload: { i } };
    }
    server.replies.push(created("batch_s1", 3), sealed("batch_s1", 3));
    await tasks.batchTrigger("hello", generate());
    expect(JSON.parse(server.requests[0]!.body)).toMatchObject({ runCount: 3 });
    expect(lines(server.requests[1]!.body).map((l) => SuperJSON.parse(l.payload))).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);

    server.requests.length = 0;
    server.replies.push(created("batch_s2", 2), sealed("batch_s2", 2));
    const stream = new ReadableStream<{ id: string; payload: number }>({
      start(controller) {
        controller.enqueue({ id: "a", payload: 1 });
        controller.enqueue({ id: "b", payload: 2 });
        controller.close();
      },
    });
    await batch.trigger(stream);
    expect(lines(server.requests[1]!.body).map((l) => l.task)).toEqual(["a", "b"]);
  });

  it("batch.triggerByTask validates schemaTask payloads before sending anything", async () => {
    const resize = schemaTask({ id: "batch-resize", schema: z.object({ width: z.number() }), run: async (p) => p });
    const plain = task({ id: "batch-plain", run: async (_p: { n: number }) => undefined });
    await expect(batch.triggerByTask([{ task: resize, payload: { width: "wide" as unknown as number } }, { task: plain, payload: { n: 1 } }])).rejects.toThrow();
    expect(server.requests).toHaveLength(0);

    server.replies.push(created("batch_9", 2), sealed("batch_9", 2));
    const handle = await batch.triggerByTask([{ task: resize, payload: { width: 5 } }, { task: plain, payload: { n: 1 } }]);
    expect(handle.batchId).toBe("batch_9");
    expect(lines(server.requests[1]!.body).map((l) => l.task)).toEqual(["batch-resize", "batch-plain"]);
  });

  it("batch.retrieve reads GET /api/v2/batches/{id} with dates", async () => {
    server.replies.push({
      body: { id: "batch_10", status: "COMPLETED", createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-01T00:00:01.000Z", runCount: 1, runs: ["run_1"], processing: { errors: [] } },
    });
    const got = await batch.retrieve("batch_10");
    expect(server.requests[0]!.url).toBe("/api/v2/batches/batch_10");
    expect(got).toMatchObject({ id: "batch_10", status: "COMPLETED", runs: ["run_1"] });
    expect(got.createdAt).toBeInstanceOf(Date);
  });
});
