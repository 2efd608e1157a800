// Bad input to the run endpoints: each is a 4xx naming the field the caller sent, and no run is written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApi } from "../testing/harness.js";
import { type Client, startDeployedTestApi } from "../runner-api/test-helpers.js";

let api: TestApi;
let http: Client;
let key: string;

beforeAll(async () => {
  ({ api, http, key } = await startDeployedTestApi([{ id: "hello" }]));
});

afterAll(async () => {
  await api?.close();
});

async function runCount(): Promise<number> {
  const [row] = await api.deps.sql<{ n: number }[]>`select count(*)::int as n from runs`;
  return row!.n;
}

/** Sends the request and checks it is refused with `status`, naming `param`, with no run written. */
async function refused(method: string, path: string, body: unknown, status: number, param: string, raw?: { text: string; contentType: string }) {
  const before = await runCount();
  const res = raw
    ? await http.call(method, path, { key, raw: raw.text, headers: { "content-type": raw.contentType } })
    : await http.call(method, path, { key, body });
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ error: expect.any(String), code: expect.any(String), param });
  expect(await runCount()).toBe(before);
  return res.body as { error: string };
}

const trigger = (options: Record<string, unknown>, status = 400, param = Object.keys(options).map((k) => `options.${k}`)[0]!) =>
  refused("POST", "/api/v1/tasks/hello/trigger", { payload: { a: 1 }, options }, status, param);

describe("trigger", () => {
  it("refuses a delay that is a number or a boolean (no silent 'now')", async () => {
    await trigger({ delay: -5 });
    await trigger({ delay: true });
    await trigger({ delay: 1_700_000_000_000 });
    const body = await trigger({ delay: "-5" });
    expect(body.error).toMatch(/duration like "1h"/);
  });

  it("refuses an unknown machine, 11 tags, a 129-character tag, 300 KB of metadata and a negative ttl", async () => {
    await trigger({ machine: "huge-9x" });
    await trigger({ tags: Array.from({ length: 11 }, (_, i) => `t${i}`) });
    await trigger({ tags: ["x".repeat(129)] });
    await trigger({ metadata: { blob: "x".repeat(300 * 1024) } });
    await trigger({ ttl: -5 });
    await trigger({ ttl: "-5m" });
  });

  it("still takes the forms the official client sends: a duration, an ISO date, a ttl of 0", async () => {
    const before = await runCount();
    for (const options of [{ delay: "1h" }, { delay: new Date(Date.now() + 3_600_000).toISOString() }, { ttl: 0 }, { ttl: "10m" }, { tags: ["x".repeat(128)] }]) {
      const res = await http.call("POST", "/api/v1/tasks/hello/trigger", { key, body: { payload: {}, options } });
      expect(res.status, JSON.stringify(options)).toBe(200);
    }
    expect(await runCount()).toBe(before + 5);
  });
});

describe("batch items", () => {
  it("a number as an item's delay names items[0].options.delay, and the batch gets no run", async () => {
    const created = await http.call("POST", "/api/v3/batches", { key, body: { runCount: 1, taskIdentifiers: ["hello"] } });
    expect(created.status).toBe(200);
    const line = JSON.stringify({ index: 0, task: "hello", payload: "{}", options: { payloadType: "application/json", delay: -5 } });
    await refused("POST", `/api/v3/batches/${created.body.id}/items`, undefined, 400, "items[0].options.delay", {
      text: `${line}\n`,
      contentType: "application/x-ndjson",
    });
  });
});

describe("replay and reschedule name their own body's fields", () => {
  let original: string;
  beforeAll(async () => {
    original = (await http.call("POST", "/api/v1/tasks/hello/trigger", { key, body: { payload: { n: 1 }, options: { delay: "1h" } } })).body.id;
  });

  const replay = (body: Record<string, unknown>, param = Object.keys(body)[0]!) => refused("POST", `/api/v1/runs/${original}/replay`, body, 400, param);

  it("replay refuses an empty queue or concurrencyKey, a number or boolean delay, a negative ttl", async () => {
    await replay({ queue: "" });
    await replay({ concurrencyKey: "" });
    await replay({ delay: -5 });
    await replay({ delay: true });
    await replay({ ttl: -1 });
  });

  it("replay's checks made by the trigger name `delay`, `ttl`, `tags`, `metadata`, not options.*", async () => {
    // these pass the schema and are refused by the trigger's own checks
    await replay({ delay: "soon-ish" });
    await replay({ ttl: "forever" });
    await replay({ tags: Array.from({ length: 11 }, (_, i) => `t${i}`) });
    await replay({ metadata: { blob: "x".repeat(300 * 1024) } });
    await replay({ idempotencyKey: "k", idempotencyKeyTTL: "for a while" }, "idempotencyKeyTTL");
  });

  it("reschedule refuses a number or boolean delay, naming delay", async () => {
    await refused("POST", `/api/v1/runs/${original}/reschedule`, { delay: -5 }, 400, "delay");
    await refused("POST", `/api/v1/runs/${original}/reschedule`, { delay: true }, 400, "delay");
    // epoch milliseconds in 2100: a number is refused even when it would be a date in the future
    await refused("POST", `/api/v1/runs/${original}/reschedule`, { delay: 4_102_444_800_000 }, 400, "delay");
    const ok = await http.call("POST", `/api/v1/runs/${original}/reschedule`, { key, body: { delay: "2h" } });
    expect(ok.status).toBe(200);
  });
});
