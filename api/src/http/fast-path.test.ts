import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, type Client } from "../runner-api/test-helpers.js";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { invalidateRateLimits, rateLimitKey } from "./rate-limit.js";

// The trigger's HTTP fast path: bodies read straight from Node's request stream (read-json.ts, body-limit.ts),
// CORS headers without rebuilding responses (cors.ts), token buckets taken once per flush (rate-limit.ts).
let api: TestApi;
let http: Client;

beforeAll(async () => {
  api = await startTestApi({ env: { GANTRY_RECONCILE_INTERVAL_MS: "600000" } });
  http = client(api.url);
});

afterAll(async () => {
  await api?.close();
});

/** A raw HTTP request whose body goes out in the given pieces (with a pause between), chunked unless told the length. */
function rawRequest(
  method: string,
  path: string,
  pieces: Buffer[],
  opts: { key: string; contentLength?: boolean },
): Promise<{ status: number; body: any; headers: Record<string, string | string[] | undefined> }> {
  const total = pieces.reduce((n, p) => n + p.length, 0);
  return new Promise((resolve, reject) => {
    const req = request(
      `${api.url}${path}`,
      {
        method,
        headers: {
          authorization: `Bearer ${opts.key}`,
          "content-type": "application/json",
          ...(opts.contentLength === false ? {} : { "content-length": String(total) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
        });
      },
    );
    req.on("error", reject);
    void (async () => {
      for (const piece of pieces) {
        req.write(piece);
        await new Promise((r) => setTimeout(r, 5));
      }
      req.end();
    })();
  });
}

describe("trigger HTTP fast path", () => {
  it("reads a body that arrives in pieces, split inside multi-byte characters, exactly (a byte order mark dropped)", async () => {
    const payload = { text: "héllo wörld ✓ 🚀 ".repeat(200), n: 42 };
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ payload: JSON.stringify(payload), options: { payloadType: "application/json" } }))]);
    // cut every 7 bytes: many cuts fall inside the 2-, 3- and 4-byte characters
    const pieces: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += Math.ceil(bytes.length / 6)) pieces.push(bytes.subarray(i, i + Math.ceil(bytes.length / 6)));
    const cut = pieces.flatMap((p) => [p.subarray(0, 7), p.subarray(7)]);
    const key = api.seed.environments.prod.apiKey;
    for (const contentLength of [true, false]) {
      const res = await rawRequest("POST", "/api/v1/tasks/fast-path/trigger", cut, { key, contentLength });
      expect(res.status).toBe(200);
      const run = await http.call("GET", `/api/v3/runs/${res.body.id}`, { key });
      expect(run.status).toBe(200);
      expect(run.body.payload).toEqual(payload);
    }
  });

  it("refuses a chunked body over the limit with 413, and a malformed one with 400, writing nothing", async () => {
    const key = api.seed.environments.prod.apiKey;
    const countRuns = async () => (await api.deps.sql<{ count: number }[]>`select count(*)::int as count from runs`)[0]!.count;
    const before = await countRuns();
    const big = Buffer.alloc(1024 * 1024, "x");
    const pieces = [Buffer.from('{"payload":"'), ...Array.from({ length: 17 }, () => big), Buffer.from('"}')];
    const huge = await rawRequest("POST", "/api/v1/tasks/fast-path/trigger", pieces, { key, contentLength: false });
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe("payload_too_large");
    for (const contentLength of [true, false]) {
      const malformed = await rawRequest("POST", "/api/v1/tasks/fast-path/trigger", [Buffer.from('{"payload": ')], { key, contentLength });
      expect(malformed.status).toBe(400);
      expect(malformed.body.error).toMatch(/Malformed JSON/);
    }
    expect(await countRuns()).toBe(before);
  });

  it("answers browsers' CORS headers on a trigger, on its errors, and on a preflight", async () => {
    const key = api.seed.environments.prod.apiKey;
    const headers = { origin: "https://app.example.com" };
    const ok = await http.call("POST", "/api/v1/tasks/fast-path/trigger", { key, body: { payload: "1" }, headers });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe("*");
    expect(ok.headers.get("access-control-expose-headers")).toContain("x-trigger-jwt-claims");
    expect(ok.headers.get("x-trigger-jwt-claims")).toContain(api.seed.environments.prod.id);
    expect(ok.headers.get("x-request-id")).toBeTruthy();
    const bad = await http.call("POST", "/api/v1/tasks/fast-path/trigger", { key, body: { options: { delay: "soon-ish" } }, headers });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("access-control-allow-origin")).toBe("*");
    const preflight = await http.call("OPTIONS", "/api/v1/tasks/fast-path/trigger", {
      headers: { ...headers, "access-control-request-method": "POST", "access-control-request-headers": "authorization" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
    expect(preflight.headers.get("access-control-max-age")).toBe("600");
  });

  it("concurrent requests share one bucket exactly: the burst goes through, the rest get 429", async () => {
    const staging = api.seed.environments.staging;
    await api.deps.sql`update environments set api_rate_limit_per_minute = 6, api_rate_limit_burst = 3 where id = ${staging.id}`;
    invalidateRateLimits(api.deps);
    await api.deps.redis.del(rateLimitKey(api.deps, staging.id));
    try {
      const answers = await Promise.all(Array.from({ length: 8 }, () => http.call("GET", "/api/v1/runs", { key: staging.apiKey })));
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429]);
      // each admitted request took its own token
      const remaining = answers.filter((a) => a.status === 200).map((a) => a.headers.get("x-ratelimit-remaining")).sort();
      expect(remaining).toEqual(["0", "1", "2"]);
      for (const a of answers.filter((x) => x.status === 429)) expect(Number(a.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now());
      // the bucket is empty for the next request too
      expect((await http.call("GET", "/api/v1/runs", { key: staging.apiKey })).status).toBe(429);
      // another environment is untouched
      expect((await http.call("GET", "/api/v1/runs", { key: api.seed.environments.prod.apiKey })).status).toBe(200);
    } finally {
      await api.deps.sql`update environments set api_rate_limit_per_minute = null, api_rate_limit_burst = null where id = ${staging.id}`;
      invalidateRateLimits(api.deps);
    }
  });
});
