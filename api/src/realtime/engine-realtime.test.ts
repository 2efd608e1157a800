import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeRunner, failure, success, type Client, startDeployedTestApi } from "../runner-api/test-helpers.js";
import type { TestApi } from "../testing/harness.js";
import { openSse } from "./sse-test-client.js";

// Realtime driven by the engine's own writes (trigger, runner start/complete, cancel): no manual announcements.
let api: TestApi;
let http: Client;
let key: string;

beforeAll(async () => {
  ({ api, http, key } = await startDeployedTestApi([{ id: "hello" }, { id: "flaky", retry: { maxAttempts: 2 } }]));
});

afterAll(async () => {
  await api?.close();
});

const trigger = async (taskId: string, tags: string[] = []) =>
  (await http.call("POST", `/api/v1/tasks/${taskId}/trigger`, { key, body: { payload: "{}", options: { payloadType: "application/json", tags } } })).body.id as string;

describe("realtime from the engine's writes", () => {
  it("a subscriber sees QUEUED → EXECUTING → COMPLETED with the output as the runner reports them", async () => {
    const runId = await trigger("hello");
    const stream = await openSse(`${api.url}/realtime/v1/runs/${runId}`, key);
    try {
      expect((await stream.next()).data.status).toBe("QUEUED");
      const runner = fakeRunner(http, api.seed.runnerToken);
      expect((await runner.start([runId])).status).toBe(200);
      expect((await stream.next()).data.status).toBe("EXECUTING");
      await runner.complete(runId, 1, success({ ok: 1 }));
      const done = await stream.next();
      expect(done.data).toMatchObject({ status: "COMPLETED", output: '{"json":{"ok":1}}' });
    } finally {
      stream.close();
    }
  });

  it("a tag subscriber sees a new run, a retry and a cancel", async () => {
    const stream = await openSse(`${api.url}/realtime/v1/runs?tags=job:7`, key);
    try {
      const runId = await trigger("flaky", ["job:7"]);
      expect((await stream.next()).data).toMatchObject({ id: runId, status: "QUEUED" });
      const runner = fakeRunner(http, api.seed.runnerToken);
      await runner.start([runId]);
      expect((await stream.next()).data.status).toBe("EXECUTING");
      await runner.complete(runId, 1, failure("boom", 60_000));
      expect((await stream.next()).data.status).toBe("QUEUED");
      await http.call("POST", `/api/v2/runs/${runId}/cancel`, { key });
      expect((await stream.next()).data.status).toBe("CANCELED");
    } finally {
      stream.close();
    }
  });
});
