import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metadata } from "@gantry/sdk";
import { signRunToken } from "../auth/run-token.js";
import { type Client, startDeployedTestApi } from "../runner-api/test-helpers.js";
import type { TestApi } from "../testing/harness.js";
import { openSse } from "./sse-test-client.js";

let api: TestApi;
let http: Client;
let key: string;

beforeAll(async () => {
  ({ api, http, key } = await startDeployedTestApi([{ id: "job" }]));
});

afterAll(async () => {
  await api?.close();
});

const trigger = async () =>
  (await http.call("POST", "/api/v1/tasks/job/trigger", { key, body: { payload: "{}", options: { payloadType: "application/json", metadata: { a: 1 } } } })).body.id as string;

describe("run metadata", () => {
  it("operations from the run's token apply in order and reach a subscriber at once", async () => {
    const runId = await trigger();
    const stream = await openSse(`${api.url}/realtime/v1/runs/${runId}`, key);
    try {
      expect((await stream.next()).data.metadata).toEqual({ a: 1 });
      const token = signRunToken(api.deps.config, { environmentId: api.seed.environments.prod.id, runId, attemptNumber: 1 });
      const res = await http.call("PUT", `/api/v1/runs/${runId}/metadata`, {
        key: token,
        body: { operations: [{ type: "set", key: "progress", value: 0.5 }, { type: "append", key: "log", value: "x" }, { type: "increment", key: "a", value: 2 }] },
      });
      expect(res.body).toEqual({ metadata: { a: 3, progress: 0.5, log: ["x"] } });
      expect((await stream.next()).data.metadata).toEqual({ a: 3, progress: 0.5, log: ["x"] });
    } finally {
      stream.close();
    }
  });

  it("refuses metadata over 256 KB (413) and runs of other environments (404)", async () => {
    const runId = await trigger();
    const big = await http.call("PUT", `/api/v1/runs/${runId}/metadata`, { key, body: { metadata: { blob: "x".repeat(300 * 1024) } } });
    expect(big.status).toBe(413);
    const other = await http.call("PUT", `/api/v1/runs/${runId}/metadata`, { key: api.seed.environments.staging.apiKey, body: { metadata: {} } });
    expect(other.status).toBe(404);
  });

  it("the SDK's metadata.set inside a task sends its changes (coalesced) and flush() waits for them", async () => {
    const runId = await trigger();
    const runToken = signRunToken(api.deps.config, { environmentId: api.seed.environments.prod.id, runId, attemptNumber: 1 });
    const store = { execution: { run: { id: runId, metadata: { a: 1 } }, runToken, apiUrl: api.url } } as never;
    const KEY = Symbol.for("gantry.sdk.runtime");
    const g = globalThis as Record<symbol, unknown>;
    const previous = g[KEY];
    g[KEY] = { get: () => store, run: (_: unknown, fn: () => unknown) => fn() };
    try {
      metadata.set("step", "resize").increment("done").increment("done").append("files", "a.png");
      expect(metadata.current()).toEqual({ a: 1, step: "resize", done: 2, files: ["a.png"] });
      await metadata.flush();
    } finally {
      g[KEY] = previous;
    }
    const [row] = await api.deps.sql`select metadata from runs where id = ${runId}`;
    expect(row!.metadata).toEqual({ a: 1, step: "resize", done: 2, files: ["a.png"] });
  });
});
