// A waiting run gives its concurrency slot back at once (not at the reconciler's next pass): a parent whose
// queue allows one run at a time waits on children of that same queue. The reconciler runs only once a minute
// here, so nothing but the wait's own release can let the child in.
import { afterAll, beforeAll, expect, it } from "vitest";
import { eventually, startPlatform, type Platform } from "./helpers/platform.js";
import { http, type Http } from "./helpers/http.js";

let platform: Platform;
let prod: Http;

beforeAll(async () => {
  platform = await startPlatform({ apiEnv: { GANTRY_RECONCILE_INTERVAL_MS: "60000" } });
  prod = http(platform.api.url, platform.api.seed.environments.prod.apiKey);
  await platform.deployProject({ fixture: "waits-project" });
  await platform.startRunner();
}, 180_000);

afterAll(async () => {
  await platform?.close();
});

it("a parent whose queue allows one run at a time waits on two children of that queue without deadlocking", { timeout: 40_000 }, async () => {
  const { body } = await prod.post("/api/v1/tasks/solo-parent/trigger", { payload: {} });
  const done = await eventually(async () => {
    const r = (await prod.get(`/api/v3/runs/${body.id}`)).body;
    return r.isCompleted ? r : undefined;
  }, { timeoutMs: 30_000, what: "the parent to complete" });
  expect(done.status).toBe("COMPLETED");
  expect(done.output).toEqual({ b: 3 });
  expect(done.attemptCount).toBe(1);
});
