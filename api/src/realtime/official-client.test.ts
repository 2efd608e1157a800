import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, configure, runs, streams, tasks } from "@trigger.dev/sdk";
import { ApiClient } from "@trigger.dev/core/v3";
import { StandardRealtimeStreamsManager } from "@trigger.dev/core/v3/workers";
import { publishRunChanges } from "./publish.js";
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

  it("the official writer (create + long NDJSON POST) and readers: streams.read live and afterwards, withStreams", async () => {
    const handle = await tasks.trigger("echo", {});
    const writer = new StandardRealtimeStreamsManager(new ApiClient(api.url, api.seed.environments.prod.apiKey), api.url);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* tokens() {
      yield "Hel";
      yield "lo";
      await gate;
      yield { done: true };
    }
    const piped = writer.pipe("llm", tokens(), { target: handle.id });

    const live: unknown[] = [];
    const reading = (async () => {
      await auth.withAuth({ baseURL: api.url, accessToken: handle.publicAccessToken }, async () => {
        for await (const part of await streams.read(handle.id, "llm")) {
          live.push(part);
          if (live.length === 2) release(); // the first chunks arrive while the task still writes
        }
      });
    })();
    await piped.wait();
    await api.deps.sql`update runs set status = 'COMPLETED', completed_at = now(), output = '{"ok":1}', output_type = 'application/json' where id = ${handle.id}`;
    publishRunChanges(api.deps, [{ runId: handle.id, environmentId: api.seed.environments.prod.id }]);
    await reading;
    expect(live).toEqual(["Hel", "lo", { done: true }]);

    const parts: Array<{ type: string; chunk?: unknown; status?: string }> = [];
    await auth.withAuth({ baseURL: api.url, accessToken: handle.publicAccessToken }, async () => {
      for await (const part of runs.subscribeToRun(handle.id).withStreams()) {
        parts.push(part.type === "run" ? { type: "run", status: part.run.status } : { type: part.type, chunk: (part as { chunk: unknown }).chunk });
        if (parts.filter((p) => p.type === "llm").length === 3) break;
      }
    });
    expect(parts[0]).toEqual({ type: "run", status: "COMPLETED" });
    expect(parts.filter((p) => p.type === "llm").map((p) => p.chunk)).toEqual(["Hel", "lo", { done: true }]);

    const from1: unknown[] = [];
    for await (const part of await streams.read(handle.id, "llm", { startIndex: 1 })) from1.push(part);
    expect(from1).toEqual(["lo", { done: true }]);
  });
});
