// The gate in the run path, over HTTP: a run gets its BullMQ job (or, in dev, its claim) only once admitted,
// and a completion, a retry, a cancel each free the slot for the next run.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUNS_QUEUE_NAME } from "@gantry/sdk/contracts";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { client, deployTasks, failure, fakeRunner, success, type Client } from "../runner-api/test-helpers.js";

let api: TestApi;
let http: Client;
let prodKey: string;
let devKey: string;

beforeAll(async () => {
  api = await startTestApi();
  http = client(api.url);
  prodKey = api.seed.environments.prod.apiKey;
  devKey = api.seed.environments.dev.apiKey;
  const serial = { name: "serial", concurrencyLimit: 1 };
  await deployTasks(http, prodKey, [{ id: "one", queue: serial }, { id: "also-one", queue: serial }]);
  await deployTasks(http, devKey, [{ id: "one", queue: serial }]);
});

afterAll(async () => {
  await api?.close();
});

async function until<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const trigger = async (task: string, key = prodKey, options: Record<string, unknown> = {}) =>
  (await http.call("POST", `/api/v1/tasks/${task}/trigger`, { key, body: { payload: {}, options } })).body.id as string;

/** Which of these runs have a BullMQ job (were admitted) right now. */
async function withJobs(ids: string[]): Promise<string[]> {
  const prefix = `{${api.deps.config.GANTRY_REDIS_PREFIX}}:${RUNS_QUEUE_NAME}`;
  const out: string[] = [];
  for (const id of ids) if ((await api.deps.redis.keys(`${prefix}:${id}-*`)).length > 0) out.push(id);
  return out;
}

const admittedOne = (ids: string[], what: string) =>
  until(async () => {
    const jobs = await withJobs(ids);
    return jobs.length === 1 ? jobs[0] : undefined;
  }, what);

describe("deployed environments", () => {
  it("only the admitted run of a queue with limit 1 gets a job; its completion admits the next", async () => {
    const ids = [await trigger("one"), await trigger("also-one"), await trigger("one")];
    const first = await admittedOne(ids, "one admitted run");
    await new Promise((r) => setTimeout(r, 200));
    expect(await withJobs(ids)).toEqual([first]); // still only one: the others wait for the slot
    const runner = fakeRunner(http, api.seed.runnerToken);
    expect((await runner.start([first])).body.results[0].ok).toBe(true);
    await api.deps.redis.del(`{${api.deps.config.GANTRY_REDIS_PREFIX}}:${RUNS_QUEUE_NAME}:${first}-1`); // as the runner does when done
    expect((await runner.complete(first, 1, success("ok"))).body.results[0].status).toBe("COMPLETED");
    const rest = ids.filter((id) => id !== first);
    const second = await admittedOne(rest, "the next run admitted after the completion");
    // a retry gives the slot back while the run waits out its backoff: the third run goes meanwhile
    expect((await runner.start([second])).body.results[0].ok).toBe(true);
    await api.deps.redis.del(`{${api.deps.config.GANTRY_REDIS_PREFIX}}:${RUNS_QUEUE_NAME}:${second}-1`);
    const retried = (await runner.complete(second, 1, failure("again", 60_000))).body.results[0];
    expect(retried.action).toBe("retrying");
    const third = rest.find((id) => id !== second)!;
    expect(await admittedOne([third], "the third run admitted during the second's backoff")).toBe(third);
    // canceling the running third run frees the slot once more; the retry still waits for its backoff
    expect((await http.call("POST", `/api/v2/runs/${third}/cancel`, { key: prodKey })).status).toBe(200);
    const fourth = await trigger("one");
    expect(await admittedOne([fourth], "a new run admitted after the cancel")).toBe(fourth);
  });

  it("a run canceled while waiting in line never gets a job", async () => {
    const holder = await trigger("one", prodKey);
    const waiting = await trigger("one", prodKey);
    await new Promise((r) => setTimeout(r, 200));
    expect((await http.call("POST", `/api/v2/runs/${waiting}/cancel`, { key: prodKey })).status).toBe(200);
    const entry = await until(
      async () => ((await api.deps.redis.hget(`{${api.deps.config.GANTRY_REDIS_PREFIX}}:gate:runs`, waiting)) === null ? true : undefined),
      "the canceled run to leave the line",
    );
    expect(entry).toBe(true);
    expect(await withJobs([waiting])).toEqual([]);
    void holder;
  });
});

describe("dev environments", () => {
  it("gantry dev claims only the runs the gate admitted: limit 1 means one at a time", async () => {
    const ids = [await trigger("one", devKey), await trigger("one", devKey), await trigger("one", devKey)];
    const claim = () => http.call("POST", "/api/v1/dev/claim", { key: devKey, body: { max: 10, waitMs: 2000 } });
    const first = await claim();
    expect(first.status).toBe(200);
    expect(first.body.results).toHaveLength(1);
    const runId = first.body.results[0].runId as string;
    expect(ids).toContain(runId);
    expect((await http.call("POST", "/api/v1/dev/claim", { key: devKey, body: { max: 10, waitMs: 300 } })).body.results).toEqual([]);
    const dev = fakeRunner(http, devKey, "dev");
    expect((await dev.complete(runId, first.body.results[0].execution.attempt.number, success(1))).body.results[0].status).toBe("COMPLETED");
    const second = await claim();
    expect(second.body.results).toHaveLength(1);
    expect(second.body.results[0].runId).not.toBe(runId);
  });
});

describe("declared limits sync on deploy", () => {
  it("records a queue's total cap and rate limits; a bad period is a 400 naming the field", async () => {
    const stagingKey = api.seed.environments.staging.apiKey;
    const tenants = { name: "tenants", concurrencyLimit: 2, totalConcurrencyLimit: 5, rateLimit: { limit: 10, period: "1m" }, keyRateLimit: { limit: 3, period: 2000 } };
    await deployTasks(http, stagingKey, [{ id: "sync", queue: tenants }]);
    const [row] = await api.deps.sql<{ concurrency_limit: number; total_concurrency_limit: number; rate_limit: unknown }[]>`
      select concurrency_limit, total_concurrency_limit, rate_limit from queues
      where environment_id = ${api.seed.environments.staging.id} and name = 'tenants'`;
    expect(row).toEqual({
      concurrency_limit: 2,
      total_concurrency_limit: 5,
      rate_limit: { queue: { limit: 10, periodMs: 60_000 }, key: { limit: 3, periodMs: 2000 } },
    });
    const bad = deployTasks(http, stagingKey, [{ id: "sync", queue: { ...tenants, rateLimit: { limit: 1, period: "soon" } } }]);
    await expect(bad).rejects.toThrow(/400.*rateLimit/);
    const [after] = await api.deps.sql<{ rate_limit: unknown }[]>`
      select rate_limit from queues where environment_id = ${api.seed.environments.staging.id} and name = 'tenants'`;
    expect(after!.rate_limit).toEqual(row!.rate_limit);
  });
});

describe("an environment's concurrency limit and burst", () => {
  it("project members read and set them; the gate applies them at once; a secret key cannot", async () => {
    const pat = api.seed.accessToken;
    const path = `/api/v1/projects/${api.seed.projectRef}/environments/staging/concurrency`;
    const before = await http.call("GET", path, { key: pat });
    expect(before.body).toMatchObject({ limit: 100, burstFactor: 2, environmentCap: 200, queueCap: 100 });
    const bad = await http.call("PUT", path, { key: pat, body: { burstFactor: 0.5 } });
    expect(bad.status).toBe(400);
    expect(bad.body.param).toBe("burstFactor");
    expect((await http.call("PUT", path, { key: api.seed.environments.staging.apiKey, body: { limit: 1000 } })).status).toBeGreaterThanOrEqual(401);
    const set = await http.call("PUT", path, { key: pat, body: { limit: 2, burstFactor: 1.5 } });
    expect(set.body).toMatchObject({ limit: 2, burstFactor: 1.5, environmentCap: 3, queueCap: 2 });

    const stagingKey = api.seed.environments.staging.apiKey;
    await deployTasks(http, stagingKey, [{ id: "free-a" }, { id: "free-b" }]);
    const a = [await trigger("free-a", stagingKey), await trigger("free-a", stagingKey), await trigger("free-a", stagingKey)];
    const b = [await trigger("free-b", stagingKey), await trigger("free-b", stagingKey)];
    // one queue: at most the base (2); the environment: floor(2 × 1.5) = 3
    await until(async () => ((await withJobs([...a, ...b])).length === 3 ? true : undefined), "3 runs admitted");
    await new Promise((r) => setTimeout(r, 200));
    expect(await withJobs(a)).toHaveLength(2);
    expect(await withJobs(b)).toHaveLength(1);
  });
});
