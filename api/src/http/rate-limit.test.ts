import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configure, runs } from "@trigger.dev/sdk";
import { configure as gantryConfigure, runs as gantryRuns } from "@gantry/sdk";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { client, type Client } from "../runner-api/test-helpers.js";
import { invalidateRateLimits, rateLimitKey } from "./rate-limit.js";

// A slow bucket (6/min = one token every 10 s, 3 at once), so a handful of requests empties it and no token comes
// back in the middle of a test, however loaded the machine.
let api: TestApi;
let http: Client;
let prodKey: string;

beforeAll(async () => {
  api = await startTestApi({
    env: { GANTRY_API_RATE_LIMIT_PER_MINUTE: "6", GANTRY_API_RATE_LIMIT_BURST: "3", GANTRY_RECONCILE_INTERVAL_MS: "600000" },
  });
  http = client(api.url);
  prodKey = api.seed.environments.prod.apiKey;
});

afterAll(async () => {
  await api?.close();
});

const list = (key: string) => http.call("GET", "/api/v1/runs", { key });
const emptyBucket = (environmentId: string) => api.deps.redis.del(rateLimitKey(api.deps, environmentId));

describe("API rate limit per environment", () => {
  it("allows the burst, then answers 429 rate_limited with the reset in unix ms", async () => {
    await emptyBucket(api.seed.environments.prod.id);
    const ok = [await list(prodKey), await list(prodKey), await list(prodKey)];
    expect(ok.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(ok.map((r) => r.headers.get("x-ratelimit-remaining"))).toEqual(["2", "1", "0"]);
    expect(ok[0]!.headers.get("x-ratelimit-limit")).toBe("6");

    const before = Date.now();
    const refused = await list(prodKey);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: "rate_limited" });
    expect(refused.body.error).toMatch(/6 API requests per minute/);
    expect(refused.headers.get("x-ratelimit-limit")).toBe("6");
    expect(refused.headers.get("x-ratelimit-remaining")).toBe("0");
    const reset = Number(refused.headers.get("x-ratelimit-reset"));
    // milliseconds since the epoch, within the 10 seconds a token takes to come back
    expect(reset).toBeGreaterThan(before);
    expect(reset).toBeLessThanOrEqual(Date.now() + 10_000 + 50);
  });

  it("is per environment: another environment's bucket is untouched", async () => {
    await emptyBucket(api.seed.environments.staging.id);
    for (let i = 0; i < 4; i++) await list(prodKey);
    expect((await list(prodKey)).status).toBe(429);
    expect((await list(api.seed.environments.staging.apiKey)).status).toBe(200);
  });

  it("leaves the runner API, health and unknown keys alone", async () => {
    for (let i = 0; i < 5; i++) await list(prodKey);
    const runner = await http.call("POST", "/api/runner/v1/attempts/start", {
      key: api.seed.runnerToken,
      body: { runnerId: "r", runs: [{ runId: "run_nope" }] },
    });
    expect(runner.status).toBe(200);
    expect((await http.call("GET", "/healthz")).status).toBe(200);
    expect((await list("tr_prod_not_a_real_key")).status).toBe(401);
  });

  it("an environment's own limit, set by a project member, overrides the default (0: unlimited)", async () => {
    const staging = api.seed.environments.staging;
    const ref = api.seed.projectRef;
    const route = `/api/v1/projects/${ref}/environments/staging/rate-limit`;
    const pat = api.seed.accessToken;
    expect((await http.call("GET", route, { key: pat })).body).toMatchObject({ perMinute: 6, burst: 3, isDefault: true });
    // a secret key cannot raise its own limit; bad input names the field and changes nothing
    expect((await http.call("PUT", route, { key: staging.apiKey, body: { perMinute: 0 } })).status).toBe(401);
    const bad = await http.call("PUT", route, { key: pat, body: { perMinute: -1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.param).toBe("perMinute");
    expect((await http.call("GET", route, { key: pat })).body.isDefault).toBe(true);

    try {
      expect((await http.call("PUT", route, { key: pat, body: { perMinute: 0 } })).body).toMatchObject({ perMinute: 0, isDefault: false });
      const statuses = [];
      for (let i = 0; i < 8; i++) statuses.push((await list(staging.apiKey)).status);
      expect(statuses).toEqual(Array(8).fill(200));

      await http.call("PUT", route, { key: pat, body: { perMinute: 1, burst: 1 } });
      await emptyBucket(staging.id);
      const first = await list(staging.apiKey);
      expect(first.headers.get("x-ratelimit-limit")).toBe("1");
      expect((await list(staging.apiKey)).status).toBe(429);
      // prod keeps the default
      await emptyBucket(api.seed.environments.prod.id);
      expect((await list(prodKey)).headers.get("x-ratelimit-limit")).toBe("6");
    } finally {
      await http.call("PUT", route, { key: pat, body: { perMinute: null } });
    }
    expect((await http.call("GET", route, { key: pat })).body).toMatchObject({ perMinute: 6, isDefault: true });
  });

  // the clients' waits: the dev environment at 12/min (a token every 5 s), one at a time
  const clientBucket = async () => {
    const dev = api.seed.environments.dev;
    await api.deps.sql`update environments set api_rate_limit_per_minute = 12, api_rate_limit_burst = 1 where id = ${dev.id}`;
    invalidateRateLimits(api.deps);
    await emptyBucket(dev.id);
    expect((await list(dev.apiKey)).status).toBe(200);
    const refused = await list(dev.apiKey);
    expect(refused.status).toBe(429);
    return { key: dev.apiKey, reset: Number(refused.headers.get("x-ratelimit-reset")) };
  };

  /** The statuses of the runs-list requests `fn` makes (both clients call the global fetch). */
  async function statusesOf(fn: () => Promise<unknown>): Promise<number[]> {
    const original = globalThis.fetch;
    const statuses: number[] = [];
    globalThis.fetch = async (input, init) => {
      const response = await original(input, init);
      if (String(input instanceof Request ? input.url : input).startsWith(`${api.url}/api/v1/runs`)) statuses.push(response.status);
      return response;
    };
    try {
      await fn();
    } finally {
      globalThis.fetch = original;
    }
    return statuses;
  }

  it("the official client waits until x-ratelimit-reset and then succeeds", async () => {
    const { key, reset } = await clientBucket();
    configure({ baseURL: api.url, accessToken: key });
    // one refusal, then one success: it waited for the reset (plain backoff would have been refused again at 1 s)
    expect(await statusesOf(async () => expect((await runs.list({ limit: 10 })).data).toEqual([]))).toEqual([429, 200]);
    expect(Date.now()).toBeGreaterThanOrEqual(reset);
  });

  it("Gantry's SDK waits until x-ratelimit-reset too", async () => {
    const { key, reset } = await clientBucket();
    gantryConfigure({ baseURL: api.url, secretKey: key });
    expect(await statusesOf(async () => expect((await gantryRuns.list({ limit: 10 })).data).toEqual([]))).toEqual([429, 200]);
    expect(Date.now()).toBeGreaterThanOrEqual(reset);
  });
});
