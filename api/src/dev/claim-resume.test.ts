// Dev claims and waits: a `gantry dev` session that keeps suspended attempts gets a resumed run back in the
// attempt it started (resume in place); a run it lost, another session, or a client that keeps none replays.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { client, deployTasks, type Client } from "../runner-api/test-helpers.js";

let api: TestApi;
let http: Client;
let devKey: string;

beforeAll(async () => {
  api = await startTestApi();
  http = client(api.url);
  devKey = api.seed.environments.dev.apiKey;
  await deployTasks(http, devKey, [{ id: "waits" }]);
});
afterAll(async () => {
  await api?.close();
});

type Claimed = { runId: string; ok: boolean; execution: { attempt: { number: number }; runToken: string }; resume?: { waitpoint: { id: string } } };

async function claim(body: Record<string, unknown>): Promise<Claimed[]> {
  const res = await http.call("POST", "/api/v1/dev/claim", { key: devKey, body: { max: 10, waitMs: 5000, ...body } });
  expect(res.status).toBe(200);
  return res.body.results as Claimed[];
}

/** A dev run claimed by `runnerId` whose attempt 1 is now suspended waiting for a token. */
async function suspendedRun(runnerId: string): Promise<{ runId: string; tokenId: string }> {
  const runId = (await http.call("POST", "/api/v1/tasks/waits/trigger", { key: devKey, body: { payload: {} } })).body.id as string;
  const [claimed] = await claim({ runnerId, keepsSuspendedAttempts: true });
  expect(claimed?.runId).toBe(runId);
  const tokenId = (await http.call("POST", "/api/v1/waitpoints/tokens", { key: devKey, body: {} })).body.id as string;
  const wait = await http.call("POST", `/api/v1/runs/${runId}/waits`, { key: claimed!.execution.runToken, body: { step: 0, wait: { type: "token", tokenId } } });
  expect(wait.body.status).toBe("WAITING");
  return { runId, tokenId };
}

const completeToken = (tokenId: string) => http.call("POST", `/api/v1/waitpoints/tokens/${tokenId}/complete`, { key: devKey, body: { data: { ok: 1 } } });

describe("dev claims of runs that waited", () => {
  it("the session that started the suspended attempt gets it back in place, with the wait's result", async () => {
    const { runId, tokenId } = await suspendedRun("dev-a");
    const described = await http.call("GET", `/api/v1/dev/runs/${runId}/wait`, { key: devKey });
    expect(described.body).toMatchObject({ runId, status: "WAITING", wait: { type: "token", tokenId, waitpointId: tokenId, pending: true } });

    await completeToken(tokenId);
    const [resumed] = await claim({ runnerId: "dev-a", keepsSuspendedAttempts: true });
    expect(resumed).toMatchObject({ runId, ok: true, execution: { attempt: { number: 1 } }, resume: { waitpoint: { id: tokenId } } });
  });

  it("replays (a new attempt, no resume) when the session lost the attempt, for another session, and for a client that keeps none", async () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ["lost", { runnerId: "dev-a", keepsSuspendedAttempts: true, lostSuspendedRuns: ["placeholder"] }],
      ["another session", { runnerId: "dev-b", keepsSuspendedAttempts: true }],
      ["keeps none", { runnerId: "dev-a" }],
    ];
    for (const [what, body] of cases) {
      const { runId, tokenId } = await suspendedRun("dev-a");
      await completeToken(tokenId);
      const lost = body.lostSuspendedRuns ? { lostSuspendedRuns: [runId] } : {};
      const [replayed] = await claim({ ...body, ...lost });
      expect(replayed, what).toMatchObject({ runId, ok: true, execution: { attempt: { number: 2 } } });
      expect(replayed!.resume, what).toBeUndefined();
    }
  });

  it("a session reports a lost attempt: the api closes it (fenced by session and attempt), so even a claim that names nothing replays", async () => {
    const { runId, tokenId } = await suspendedRun("dev-a");
    const lose = (runnerId: string, attemptNumber: number) =>
      http.call("POST", "/api/v1/dev/lost-attempts", { key: devKey, body: { runnerId, attempts: [{ runId, attemptNumber }] } });
    expect((await lose("dev-b", 1)).body).toEqual({ closed: [] }); // not that session's attempt
    expect((await lose("dev-a", 2)).body).toEqual({ closed: [] }); // not the attempt the run waits in
    expect((await lose("dev-a", 1)).body).toEqual({ closed: [runId] });
    const [attempt] = await api.deps.sql<{ status: string; code: string }[]>`
      select status, error->>'code' as code from attempts where run_id = ${runId} and number = 1`;
    expect(attempt).toEqual({ status: "SYSTEM_FAILURE", code: "SUSPENDED_ATTEMPT_LOST" });

    await completeToken(tokenId);
    const [replayed] = await claim({ runnerId: "dev-a", keepsSuspendedAttempts: true });
    expect(replayed).toMatchObject({ runId, ok: true, execution: { attempt: { number: 2 } } });
    expect(replayed!.resume).toBeUndefined();
    expect((await http.call("POST", "/api/v1/dev/lost-attempts", { key: devKey, body: { runnerId: "dev-a", attempts: [] } })).status).toBe(400);
  });

  it("GET /api/v1/dev/runs/{id}/wait: another environment's run is a 404, and only a dev secret key may ask", async () => {
    const prodKey = api.seed.environments.prod.apiKey;
    const prodRun = (await http.call("POST", "/api/v1/tasks/waits/trigger", { key: prodKey, body: { payload: {} } })).body.id as string;
    expect((await http.call("GET", `/api/v1/dev/runs/${prodRun}/wait`, { key: devKey })).status).toBe(404);
    expect((await http.call("GET", `/api/v1/dev/runs/${prodRun}/wait`, { key: prodKey })).status).toBe(403);
  });
});
