import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startCaptureServer, type CaptureServer } from "../testing/capture-server.js";
import { calculateNextRetryDelay } from "./delay.js";
import { parseReset } from "./fetch.js";
import { retry } from "./index.js";

describe("calculateNextRetryDelay", () => {
  it("grows by factor from minTimeoutInMs, caps at maxTimeoutInMs, stops at maxAttempts", () => {
    const opts = { maxAttempts: 5, factor: 2, minTimeoutInMs: 1000, maxTimeoutInMs: 5000, randomize: false };
    expect([1, 2, 3, 4, 5].map((n) => calculateNextRetryDelay(opts, n))).toEqual([1000, 2000, 4000, 5000, undefined]);
  });
  it("randomizes between 1× and 2× the delay", () => {
    expect(calculateNextRetryDelay({ maxAttempts: 3, minTimeoutInMs: 1000, factor: 2, randomize: true }, 1, () => 0.5)).toBe(1500);
  });
  it("uses the reference's defaults (3 attempts, factor 2, 1 s)", () => {
    expect(calculateNextRetryDelay({ randomize: false }, 2)).toBe(2000);
    expect(calculateNextRetryDelay({}, 3)).toBeUndefined();
  });
});

describe("retry.onThrow", () => {
  it("retries until fn succeeds and passes the attempt number", async () => {
    const seen: number[] = [];
    const result = await retry.onThrow(
      async ({ attempt }) => {
        seen.push(attempt);
        if (attempt < 3) throw new Error("flaky");
        return "ok";
      },
      { maxAttempts: 3, minTimeoutInMs: 1, randomize: false },
    );
    expect(result).toBe("ok");
    expect(seen).toEqual([1, 2, 3]);
  });
  it("throws the last error after maxAttempts", async () => {
    let calls = 0;
    await expect(retry.onThrow(() => Promise.reject(new Error(`fail ${++calls}`)), { maxAttempts: 2, minTimeoutInMs: 1 })).rejects.toThrow("fail 2");
    expect(calls).toBe(2);
  });
});

describe("retry.fetch", () => {
  let server: CaptureServer;
  beforeAll(async () => {
    server = await startCaptureServer();
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    server.replies.length = 0;
  });

  it("retries a status range with backoff and returns the first good response", async () => {
    server.replies.push({ status: 502 }, { status: 500 }, { body: { ok: true } });
    const res = await retry.fetch(`${server.url}/x`, { retry: { byStatus: { "500-599": { strategy: "backoff", maxAttempts: 5, minTimeoutInMs: 1 } } } });
    expect(await res.json()).toEqual({ ok: true });
    expect(server.requests).toHaveLength(3);
  });

  it("waits for the reset header with the headers strategy", async () => {
    server.replies.push({ status: 429, headers: { "x-ratelimit-reset": String(Date.now() + 30) } }, { body: { ok: 1 } });
    const res = await retry.fetch(`${server.url}/y`, {
      retry: { byStatus: { "429": { strategy: "headers", resetHeader: "x-ratelimit-reset", resetFormat: "unix_timestamp_in_ms" } } },
    });
    expect(res.status).toBe(200);
    expect(server.requests).toHaveLength(2);
  });

  it("returns unmatched statuses as they are and throws when attempts run out", async () => {
    server.replies.push({ status: 404 });
    expect((await retry.fetch(`${server.url}/z`)).status).toBe(404);
    server.replies.push({ status: 503 }, { status: 503 });
    await expect(retry.fetch(`${server.url}/z`, { retry: { byStatus: { "5xx": { strategy: "backoff", maxAttempts: 2, minTimeoutInMs: 1 } } } })).rejects.toThrow(/503/);
  });

  it("retries connection errors per connectionError", async () => {
    await expect(retry.fetch("http://127.0.0.1:9/", { retry: { connectionError: { maxAttempts: 2, minTimeoutInMs: 1 } } })).rejects.toThrow();
  });
});

describe("parseReset", () => {
  it("reads the reference's reset formats", () => {
    expect(parseReset("10", "unix_timestamp")).toBe(10_000);
    expect(parseReset("1500", "unix_timestamp_in_ms")).toBe(1500);
    expect(parseReset("1970-01-01T00:00:02.000Z", "iso_8601")).toBe(2000);
    expect(parseReset("1m30s", "iso_8601_duration_openai_variant", 0)).toBe(90_000);
    expect(parseReset("6ms", "iso_8601_duration_openai_variant", 0)).toBe(6);
  });
});
