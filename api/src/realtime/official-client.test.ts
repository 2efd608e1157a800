import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, configure, runs, tasks } from "@trigger.dev/sdk";
import { client, deployTasks, fakeRunner, success } from "../runner-api/test-helpers.js";
import { startTestApi, type TestApi } from "../testing/harness.js";

// The official @trigger.dev/sdk's realtime (Electric's shape protocol over long polls) against Gantry.
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ env: { GANTRY_RECONCILE_INTERVAL_MS: "600000" } });
  await deployTasks(client(api.url), api.seed.environments.prod.apiKey, [{ id: "echo" }]);
  configure({ baseURL: api.url, accessToken: api.seed.environments.prod.apiKey, requestOptions: { retry: { maxAttempts: 1 } } });
});

afterAll(async () => {
  await api?.close();
});

describe("official client realtime", () => {
  it("runs.subscribeToRun with the handle's public token follows the run to completion", async () => {
    const handle = await tasks.trigger("echo", { live: true }, { tags: ["official"] });
    const runner = fakeRunner(client(api.url), api.seed.runnerToken);
    const statuses: string[] = [];
    let output: unknown;
    await auth.withAuth({ baseURL: api.url, accessToken: handle.publicAccessToken }, async () => {
      for await (const run of runs.subscribeToRun(handle.id)) {
        statuses.push(run.status);
        if (statuses.length === 1) await runner.start([handle.id]);
        if (run.status === "EXECUTING") await runner.complete(handle.id, 1, success({ echoed: true }));
        output = run.output;
        expect(run.tags).toEqual(["official"]);
      }
    });
    expect(statuses[0]).toBe("QUEUED");
    expect(statuses).toContain("EXECUTING");
    expect(statuses.at(-1)).toBe("COMPLETED");
    expect(output).toEqual({ echoed: true });
  });

  it("a public token for another run yields nothing: the shape request is refused with 403", async () => {
    const a = await tasks.trigger("echo", {});
    const b = await tasks.trigger("echo", {});
    const res = await fetch(`${api.url}/realtime/v1/runs/${b.id}?offset=-1`, { headers: { authorization: `Bearer ${a.publicAccessToken}` } });
    expect(res.status).toBe(403);
    const own = await fetch(`${api.url}/realtime/v1/runs/${a.id}?offset=-1`, { headers: { authorization: `Bearer ${a.publicAccessToken}` } });
    expect(own.status).toBe(200);
    expect(own.headers.get("electric-handle")).toBeTruthy();
    const messages = (await own.json()) as Array<{ value?: { id: string; status: string } }>;
    expect(messages[0]?.value).toMatchObject({ id: a.id, status: "PENDING" });

    const abort = new AbortController();
    const seen: string[] = [];
    setTimeout(() => abort.abort(), 1500);
    await auth.withAuth({ baseURL: api.url, accessToken: a.publicAccessToken }, async () => {
      try {
        for await (const run of runs.subscribeToRun(b.id, { signal: abort.signal } as never)) seen.push(run.id);
      } catch {
        // the client gives up on the 403 or on the abort
      }
    });
    expect(seen).toEqual([]);
  });
});
