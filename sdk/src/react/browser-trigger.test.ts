import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCaptureServer, type CaptureServer } from "../testing/capture-server.js";
import { triggerWithToken } from "./browser-trigger.js";

let server: CaptureServer;
beforeAll(async () => {
  server = await startCaptureServer();
});
afterAll(() => server.close());

describe("triggerWithToken (useTaskTrigger)", () => {
  it("sends the trigger body with only what a trigger token may set, once, and returns the server's run token", async () => {
    server.replies.push({ body: { id: "run_b1" }, headers: { "x-trigger-jwt": "jwt-from-server" } });
    const handle = await triggerWithToken(
      "hello",
      { n: 1 },
      { accessToken: "pk_trigger_token", baseURL: server.url },
      { tags: ["t"], delay: "1h", ttl: "10m", maxAttempts: 2, metadata: { m: 1 }, queue: "q", concurrencyKey: "ck", idempotencyKey: "ignored" },
    );
    expect(handle).toEqual({ id: "run_b1", publicAccessToken: "jwt-from-server", taskIdentifier: "hello" });
    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req!.url).toBe("/api/v1/tasks/hello/trigger");
    expect(req!.headers.authorization).toBe("Bearer pk_trigger_token");
    expect(JSON.parse(req!.body)).toEqual({
      payload: JSON.stringify({ json: { n: 1 } }),
      options: {
        queue: { name: "q" },
        concurrencyKey: "ck",
        payloadType: "application/super+json",
        payloadSize: JSON.stringify({ json: { n: 1 } }).length,
        delay: "1h",
        ttl: "10m",
        tags: ["t"],
        maxAttempts: 2,
        metadata: { m: 1 },
      },
    });
  });
});
