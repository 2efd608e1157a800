import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RunnerApiClient, RunnerApiError } from "./runner-api-client.js";

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

/** A loopback api answering each request with the next canned reply. */
async function serve(replies: Array<{ status: number; body: unknown }>): Promise<{ url: string; requests: Array<{ url: string; auth?: string; body: string }> }> {
  const requests: Array<{ url: string; auth?: string; body: string }> = [];
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      requests.push({ url: req.url ?? "", auth: req.headers.authorization, body });
      const reply = replies.shift() ?? { status: 500, body: { error: "no more replies" } };
      res.writeHead(reply.status, { "content-type": "application/json" });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, requests };
}

describe("RunnerApiClient", () => {
  it("retries a start while the api answers 503 and sends the runner token", async () => {
    const api = await serve([
      { status: 503, body: { error: "starting up", code: "internal_error" } },
      { status: 200, body: { results: [{ runId: "run_a", ok: false, reason: "not_startable" }] } },
    ]);
    const client = new RunnerApiClient({ apiUrl: api.url, token: "gr_runner_t", runnerId: "r1" });
    const result = await client.startAttempt("run_a");
    expect(result).toEqual({ runId: "run_a", ok: false, reason: "not_startable" });
    expect(api.requests).toHaveLength(2);
    expect(api.requests[1]).toMatchObject({ url: "/api/runner/v1/attempts/start", auth: "Bearer gr_runner_t" });
    expect(JSON.parse(api.requests[1]!.body)).toEqual({ runnerId: "r1", runs: [{ runId: "run_a" }] });
  });

  it("does not retry a 401 and tells the operator which variable to fix", async () => {
    const api = await serve([{ status: 401, body: { error: "Invalid runner token", code: "unauthorized" } }]);
    const client = new RunnerApiClient({ apiUrl: api.url, token: "wrong", runnerId: "r1" });
    const err = await client.heartbeat([{ runId: "run_a", attemptNumber: 1 }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunnerApiError);
    expect((err as RunnerApiError).message).toMatch(/401: Invalid runner token.*GANTRY_RUNNER_TOKEN/);
    expect(api.requests).toHaveLength(1);
  });

  it("rejects an answer that breaks the contract", async () => {
    const api = await serve([{ status: 200, body: { cancel: "not-an-array" } }]);
    const client = new RunnerApiClient({ apiUrl: api.url, token: "t", runnerId: "r1" });
    await expect(client.heartbeat([])).rejects.toThrow();
  });
});
