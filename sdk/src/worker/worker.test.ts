import SuperJSON from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogEvent, TaskRunExecutionResult, WorkerToParent } from "../contracts/index.js";
import { createHash } from "node:crypto";
import { startCaptureServer } from "../testing/capture-server.js";
import { buildFixtureBundle, forkWorker, makeExecution, type WorkerProcess } from "../testing/worker-process.js";

type Completed = Extract<WorkerToParent, { type: "completed" }>;

let bundle: Awaited<ReturnType<typeof buildFixtureBundle>>;
beforeAll(async () => {
  bundle = await buildFixtureBundle();
});
afterAll(() => bundle.remove());

describe("worker harness, index mode", () => {
  it("lists every registered task, hidden ones included, with their options and the runtime config", async () => {
    const worker = forkWorker("index", {}, bundle.file);
    const indexed = await worker.waitFor((m): m is Extract<WorkerToParent, { type: "indexed" }> => m.type === "indexed");
    expect(await worker.exited).toBe(0);
    const ids = indexed.tasks.map((t) => t.id);
    expect(ids).toEqual(expect.arrayContaining(["hello", "hidden-task", "always-fails", "typed", "hooks"]));
    const hidden = indexed.tasks.find((t) => t.id === "hidden-task");
    expect(hidden).toMatchObject({ filePath: "trigger/tasks.ts", queue: { name: "hidden-q", concurrencyLimit: 2 }, machine: "small-2x", maxDuration: 30 });
    expect(indexed.tasks.find((t) => t.id === "always-fails")?.retry).toMatchObject({ maxAttempts: 3, factor: 2 });
    expect(indexed.config).toMatchObject({ project: "proj_test", logLevel: "debug" });
    expect(indexed.config).not.toHaveProperty("build");
  });

  it("reports a task file that throws on import as index_error naming the file", async () => {
    const worker = forkWorker("index", { FIXTURE_BROKEN_FILE: "1" }, bundle.file);
    const error = await worker.waitFor((m): m is Extract<WorkerToParent, { type: "index_error" }> => m.type === "index_error");
    expect(error.error.message).toContain("trigger/broken.ts");
    expect(error.error.message).toContain("missing DATABASE_URL");
    expect(await worker.exited).not.toBe(0);
  });
});

describe("worker harness, execute mode", () => {
  let worker: WorkerProcess;

  beforeAll(async () => {
    worker = forkWorker("execute", {}, bundle.file);
    const ready = await worker.waitFor((m) => m.type === "ready");
    expect(ready).toMatchObject({ taskCount: expect.any(Number) });
  });
  afterAll(() => {
    // every message the worker sent matched the IPC contract
    expect(worker.invalid).toEqual([]);
    worker.kill();
  });

  async function run(taskId: string, payload: unknown, overrides: Parameters<typeof makeExecution>[2] = {}) {
    const execution = makeExecution(taskId, payload === undefined ? undefined : SuperJSON.stringify(payload), overrides);
    worker.send({ type: "execute", execution });
    const done = (await worker.waitFor((m) => m.type === "completed" && m.runId === execution.run.id)) as Completed;
    const logs = worker.messages.filter((m): m is Extract<WorkerToParent, { type: "log" }> => m.type === "log" && m.event.runId === execution.run.id).map((m) => m.event);
    return { execution, result: done.result, attemptNumber: done.attemptNumber, logs };
  }
  const failed = (r: TaskRunExecutionResult) => {
    if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r)}`);
    return r;
  };
  const hookOrder = (logs: LogEvent[]) => logs.map((l) => l.message).filter((m) => m.startsWith("hook:"));

  it("runs a task and returns its output as SuperJSON, with the attempt's env and ctx", async () => {
    const { execution, result, attemptNumber } = await run("hello", { name: "Ada" }, { env: { FIXTURE_VAR: "from-env" } });
    expect(attemptNumber).toBe(1);
    expect(result).toMatchObject({ ok: true, id: execution.run.id, outputType: "application/super+json" });
    if (!result.ok) return;
    const output = SuperJSON.parse<{ greeting: string; at: Date; run: string; env: string }>(result.output!);
    expect(output.greeting).toBe("Hello Ada");
    expect(output.at).toBeInstanceOf(Date);
    expect(output.run).toBe(execution.run.id);
    expect(output.env).toBe("from-env");
  });

  it("decodes plain JSON and text payloads", async () => {
    const execution = makeExecution("hello", JSON.stringify({ name: "Json" }), { payloadType: "application/json" });
    worker.send({ type: "execute", execution });
    const done = (await worker.waitFor((m) => m.type === "completed" && m.runId === execution.run.id)) as Completed;
    expect(done.result.ok && SuperJSON.parse<{ greeting: string }>(done.result.output!).greeting).toBe("Hello Json");
  });

  it("retries a thrown error with the task's backoff until the last attempt", async () => {
    const first = failed((await run("always-fails", undefined, { attempt: 1 })).result);
    expect(first.error).toMatchObject({ type: "BUILT_IN_ERROR", name: "Error", message: "boom" });
    expect(first.retry?.delay).toBe(1000);
    const second = failed((await run("always-fails", undefined, { attempt: 2 })).result);
    expect(second.retry?.delay).toBe(2000);
    const last = failed((await run("always-fails", undefined, { attempt: 3 })).result);
    expect(last.retry).toBeUndefined();
  });

  it("honours the run's maxAttempts over the task's", async () => {
    const { result } = await run("always-fails", undefined, { attempt: 1, maxAttempts: 1 });
    expect(failed(result).retry).toBeUndefined();
  });

  it("does not retry AbortTaskRunError", async () => {
    const r = failed((await run("aborts", undefined)).result);
    expect(r.error).toMatchObject({ name: "AbortTaskRunError", message: "nope" });
    expect(r.retry).toBeUndefined();
    expect(r.skippedRetrying).toBe(true);
  });

  it("fails a schemaTask with a bad payload as TaskPayloadParsedError, without retry, and runs a good one", async () => {
    const bad = failed((await run("typed", { n: "not a number" })).result);
    expect(bad.error.name).toBe("TaskPayloadParsedError");
    expect(bad.retry).toBeUndefined();
    expect(bad.skippedRetrying).toBe(true);
    const good = (await run("typed", { n: 21 })).result;
    expect(good.ok && SuperJSON.parse(good.output!)).toBe(42);
  });

  it("runs hooks in the documented order on success", async () => {
    const { result, logs } = await run("hooks", {});
    expect(result.ok).toBe(true);
    expect(hookOrder(logs)).toEqual([
      "hook:global-middleware:before",
      "hook:middleware:before",
      "hook:init",
      "hook:global-onStartAttempt",
      "hook:onStartAttempt",
      "hook:onStart",
      "hook:run",
      "hook:global-onSuccess",
      "hook:onSuccess",
      "hook:global-onComplete",
      "hook:onComplete",
      "hook:cleanup",
      "hook:middleware:after",
      "hook:global-middleware:after",
    ]);
    expect(logs.find((l) => l.message === "hook:run")?.attributes).toEqual({ db: "db1", init: { fromInit: 1 } });
  });

  it("calls catchError on failure, onStart only on attempt 1, and onFailure only after the last attempt", async () => {
    const retrying = await run("hooks", { fail: true }, { attempt: 1 });
    expect(failed(retrying.result).retry).toBeDefined();
    expect(hookOrder(retrying.logs)).toContain("hook:catchError");
    expect(hookOrder(retrying.logs)).not.toContain("hook:onFailure");

    const last = await run("hooks", { fail: true }, { attempt: 3 });
    expect(failed(last.result).retry).toBeUndefined();
    const order = hookOrder(last.logs);
    expect(order).not.toContain("hook:onStart");
    expect(order.slice(order.indexOf("hook:run"))).toEqual([
      "hook:run",
      "hook:catchError",
      "hook:global-onFailure",
      "hook:onFailure",
      "hook:global-onComplete",
      "hook:onComplete",
      "hook:cleanup",
      "hook:middleware:after",
      "hook:global-middleware:after",
    ]);
  });

  it("lets catchError skip retrying, or set the delay and replace the error", async () => {
    const skipped = failed((await run("catch-skip", undefined)).result);
    expect(skipped.retry).toBeUndefined();
    expect(skipped.skippedRetrying).toBe(true);
    const delayed = failed((await run("catch-delay", undefined)).result);
    expect(delayed.retry?.delay).toBe(4321);
    expect(delayed.error.message).toBe("replaced");
  });

  it("sends logger, console and span events with the run id and attempt number", async () => {
    const { logs, execution } = await run("logs", undefined, { attempt: 2 });
    expect(logs.every((l) => l.runId === execution.run.id && l.attemptNumber === 2)).toBe(true);
    expect(logs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: "debug", message: "debug line", attributes: { a: 1 } }),
        expect.objectContaining({ level: "warn", message: "warn line" }),
        expect.objectContaining({ level: "log", message: "console line 42" }),
      ]),
    );
    const span = logs.find((l) => l.kind === "span");
    expect(span).toMatchObject({ message: "my-span", attributes: { "user.id": "u1" } });
    expect(span?.durationMs).toEqual(expect.any(Number));
    expect(logs.find((l) => l.message === "inside span")?.parentSpanId).toBe(span?.spanId);
  });

  it("keeps concurrent attempts apart", async () => {
    const [a, b] = await Promise.all([run("hooks", {}), run("logs", undefined)]);
    expect(a.logs.some((l) => l.message === "my-span")).toBe(false);
    expect(b.logs.some((l) => l.message === "hook:run")).toBe(false);
  });

  it("cancels: aborts the signal, runs onCancel with the run promise, completes as CANCELED", async () => {
    const execution = makeExecution("wait-for-cancel", undefined);
    worker.send({ type: "execute", execution });
    await worker.waitFor((m) => m.type === "log" && m.event.runId === execution.run.id && m.event.message === "started");
    worker.send({ type: "cancel", runId: execution.run.id });
    const done = (await worker.waitFor((m) => m.type === "completed" && m.runId === execution.run.id)) as Completed;
    const r = failed(done.result);
    expect(r.outcome).toBe("CANCELED");
    expect(r.error.code).toBe("TASK_RUN_CANCELLED");
    const logs = worker.messages.filter((m): m is Extract<WorkerToParent, { type: "log" }> => m.type === "log" && m.event.runId === execution.run.id);
    expect(logs.find((l) => l.event.message === "hook:onCancel")?.event.attributes).toEqual({ runPromise: "rejected" });
    expect(logs.some((l) => l.event.message === "hook:global-onCancel")).toBe(true);
    expect(logs.some((l) => l.event.message === "hook:global-onFailure")).toBe(false);
  });

  it("treats a middleware error as a run error: catchError sees it, run never starts", async () => {
    const { result, logs } = await run("middleware-throws", undefined);
    const r = failed(result);
    expect(r.error.message).toBe("middleware exploded");
    expect(r.retry?.delay).toBe(10);
    expect(hookOrder(logs)).not.toContain("hook:run");
    expect(logs.find((l) => l.message === "hook:catchError")?.attributes).toEqual({ message: "middleware exploded" });
  });

  it("retries in DEVELOPMENT when the config enables it", async () => {
    const execution = makeExecution("dev-no-retry", undefined);
    execution.environment = { id: "env_dev", slug: "dev", type: "DEVELOPMENT" };
    worker.send({ type: "execute", execution });
    const done = (await worker.waitFor((m) => m.type === "completed" && m.runId === execution.run.id)) as Completed;
    // the fixture config sets retries.enabledInDev: true and a default of 3 attempts
    expect(failed(done.result).retry?.delay).toBe(1000);
  });

  it("reports an unknown task without retrying", async () => {
    const r = failed((await run("no-such-task", undefined)).result);
    expect(r.error).toMatchObject({ type: "INTERNAL_ERROR", code: "COULD_NOT_FIND_TASK" });
    expect(r.skippedRetrying).toBe(true);
  });

  it("triggers a child run from inside a task with the attempt's api URL and run token", async () => {
    const api = await startCaptureServer();
    try {
      api.replies.push({ body: { id: "run_child" } });
      const { execution, result } = await run("spawns-child", undefined, { apiUrl: api.url });
      expect(result.ok && SuperJSON.parse(result.output!)).toMatchObject({ id: "run_child" });
      const [req] = api.requests;
      expect(req!.url).toBe("/api/v1/tasks/hello/trigger");
      expect(req!.headers).toMatchObject({ authorization: "Bearer run-token", "x-trigger-worker": "true", "x-trigger-engine-version": "V2", "x-trigger-span-parent-as-link": "1" });
      const body = JSON.parse(req!.body) as { options: Record<string, unknown> };
      // scope "run": the parent run id is part of the hashed key
      expect(body.options).toMatchObject({
        parentRunId: execution.run.id,
        idempotencyKey: createHash("sha256").update(`child-${execution.run.id}`).digest("hex"),
        idempotencyKeyOptions: { key: "child", scope: "run" },
      });
    } finally {
      await api.close();
    }
  });

  it("exits on shutdown once idle", async () => {
    const other = forkWorker("execute", {}, bundle.file);
    await other.waitFor((m) => m.type === "ready");
    other.send({ type: "shutdown" });
    expect(await other.exited).toBe(0);
  });
});
