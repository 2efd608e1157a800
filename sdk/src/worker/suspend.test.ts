import SuperJSON from "superjson";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkerToParent } from "../contracts/index.js";
import { startCaptureServer, type CaptureServer } from "../testing/capture-server.js";
import { buildFixtureBundle, forkWorker, makeExecution, type WorkerProcess } from "../testing/worker-process.js";

type Completed = Extract<WorkerToParent, { type: "completed" }>;
const ENTRY = fileURLToPath(new URL("../../test/fixtures/waits-entry.ts", import.meta.url));

let bundle: Awaited<ReturnType<typeof buildFixtureBundle>>;
let api: CaptureServer;
let worker: WorkerProcess;

beforeAll(async () => {
  bundle = await buildFixtureBundle(ENTRY);
  api = await startCaptureServer();
  worker = forkWorker("execute", {}, bundle.file);
  await worker.waitFor((m) => m.type === "ready");
});
afterAll(async () => {
  expect(worker.invalid).toEqual([]);
  worker.kill();
  await api.close();
  await bundle.remove();
});

const logsOf = (runId: string) =>
  worker.messages.flatMap((m) => (m.type === "log" && m.event.runId === runId ? [m.event.message] : []));

describe("an attempt suspended at a wait", () => {
  it("suspends when the api says WAITING, runs other attempts meanwhile, and continues where it waited on resume", async () => {
    const execution = makeExecution("waiter", SuperJSON.stringify({ token: "waitpoint_t" }), { apiUrl: api.url });
    const runId = execution.run.id;
    api.replies.push({ body: { status: "WAITING", waitpointId: "waitpoint_d" } });
    worker.send({ type: "execute", execution });
    await worker.waitFor((m) => m.type === "suspended" && m.runId === runId);
    const first = api.requests.at(-1)!;
    expect(first.url).toBe(`/api/v1/runs/${runId}/waits`);
    expect(JSON.parse(first.body)).toMatchObject({ step: 0, wait: { type: "duration" } });
    expect(first.headers.authorization).toBe("Bearer run-token");

    // the same process executes another run while this one waits
    const other = makeExecution("quick", undefined, { apiUrl: api.url });
    worker.send({ type: "execute", execution: other });
    const otherDone = (await worker.waitFor((m) => m.type === "completed" && m.runId === other.run.id)) as Completed;
    expect(otherDone.result.ok).toBe(true);
    expect(worker.messages.some((m) => m.type === "completed" && m.runId === runId)).toBe(false);

    // resumed with a fresh token: the next step is recorded with it, and the token's output comes back
    api.replies.push({ body: { status: "COMPLETED", waitpoint: { id: "waitpoint_t", output: '{"x":7}', outputType: "application/json", isError: false } } });
    worker.send({ type: "resume", runId, attemptNumber: 1, runToken: "fresh-token", waitpoint: { id: "waitpoint_d", outputType: "application/json", isError: false } });
    const done = (await worker.waitFor((m) => m.type === "completed" && m.runId === runId)) as Completed;
    expect(done.result.ok).toBe(true);
    if (done.result.ok) expect(SuperJSON.parse(done.result.output!)).toEqual({ output: { x: 7 } });
    const second = api.requests.at(-1)!;
    expect(JSON.parse(second.body)).toEqual({ step: 1, wait: { type: "token", tokenId: "waitpoint_t" } });
    expect(second.headers.authorization).toBe("Bearer fresh-token");
    // code before the wait ran once; the hooks fired around the one pause that suspended
    expect(logsOf(runId)).toEqual(["before", "onWait", "onResume", "between"]);
  });

  it("refuses parallel waits", async () => {
    const execution = makeExecution("parallel-waits", undefined, { apiUrl: api.url });
    api.replies.push({ body: { status: "COMPLETED", waitpoint: { id: "w", outputType: "application/json", isError: false } } });
    worker.send({ type: "execute", execution });
    const done = (await worker.waitFor((m) => m.type === "completed" && m.runId === execution.run.id)) as Completed;
    expect(done.result.ok).toBe(false);
    if (!done.result.ok) expect(done.result.error.message).toContain("Parallel waits are not supported");
  });

  it("a resume for an attempt it does not hold is answered with a failed completion; a discarded attempt never completes", async () => {
    worker.send({ type: "resume", runId: "run_unknown", attemptNumber: 3, runToken: "t", waitpoint: { id: "w", outputType: "application/json", isError: false } });
    const answer = (await worker.waitFor((m) => m.type === "completed" && m.runId === "run_unknown")) as Completed;
    expect(answer.result.ok).toBe(false);

    const execution = makeExecution("waiter", SuperJSON.stringify({ token: "x" }), { apiUrl: api.url });
    api.replies.push({ body: { status: "WAITING", waitpointId: "waitpoint_d2" } });
    worker.send({ type: "execute", execution });
    await worker.waitFor((m) => m.type === "suspended" && m.runId === execution.run.id);
    worker.send({ type: "discard", runId: execution.run.id });
    worker.send({ type: "resume", runId: execution.run.id, attemptNumber: 1, runToken: "t", waitpoint: { id: "waitpoint_d2", outputType: "application/json", isError: false } });
    const refused = (await worker.waitFor((m) => m.type === "completed" && m.runId === execution.run.id)) as Completed;
    expect(refused.result.ok).toBe(false);
    if (!refused.result.ok) expect(refused.result.error).toMatchObject({ code: "TASK_RUN_RESUME_FAILED" });
    // a shutdown does not wait for attempts that are only suspended
    const idle = forkWorker("execute", {}, bundle.file);
    await idle.waitFor((m) => m.type === "ready");
    const suspended = makeExecution("waiter", SuperJSON.stringify({ token: "x" }), { apiUrl: api.url });
    api.replies.push({ body: { status: "WAITING", waitpointId: "waitpoint_d3" } });
    idle.send({ type: "execute", execution: suspended });
    await idle.waitFor((m) => m.type === "suspended");
    idle.send({ type: "shutdown" });
    expect(await idle.exited).toBe(0);
  });
});

describe("metadata at the end of an attempt", () => {
  it("changes made after the task's last flush() reach the api before the attempt completes", async () => {
    const execution = makeExecution("late-metadata", undefined, { apiUrl: api.url });
    const runId = execution.run.id;
    const before = api.requests.length;
    api.replies.push({ body: { metadata: { status: "done" } }, delayMs: 300 });
    worker.send({ type: "execute", execution });
    const done = (await worker.waitFor((m) => m.type === "completed" && m.runId === runId)) as Completed;
    expect(done.result.ok).toBe(true);
    const put = api.requests.slice(before).find((r) => r.url === `/api/v1/runs/${runId}/metadata`);
    expect(put?.method).toBe("PUT");
    expect(put?.answered).toBe(true); // the attempt waited for the api to have them
    expect(JSON.parse(put!.body)).toEqual({ operations: [{ type: "set", key: "status", value: "done" }] });
  });
});
