import { afterEach, describe, expect, it } from "vitest";
import type { TaskRunExecutionResult } from "@gantry/sdk/contracts";
import { FIXTURES_DIR, makeExecution } from "../testing/execution-fixture.js";
import { ProcessExecutor } from "./process-executor.js";
import type { KeepAlive } from "./types.js";

let executor: ProcessExecutor;
afterEach(async () => {
  await executor?.close();
});

const waitpoint = (id: string) => ({ id, outputType: "application/json", isError: false });

function outputOf(result: TaskRunExecutionResult): Record<string, unknown> {
  if (!result.ok) throw new Error(`attempt failed: ${JSON.stringify(result.error)}`);
  return JSON.parse(result.output ?? "null");
}

/** Starts an attempt that suspends; resolves once it has, with the attempt's eventual result. */
async function suspended(opts: { keepAlive?: KeepAlive; maxDuration?: number } = {}) {
  const execution = makeExecution({ action: "wait" }, { maxDuration: opts.maxDuration });
  let markSuspended!: () => void;
  const suspension = new Promise<void>((resolve) => (markSuspended = resolve));
  const result = executor.execute({
    execution,
    workerDir: FIXTURES_DIR,
    entryPoint: "suspending.mjs",
    onLog: () => {},
    onSuspended: () => markSuspended(),
    ...(opts.keepAlive ? { keepAlive: opts.keepAlive } : {}),
  });
  await suspension;
  return { runId: execution.run.id, result };
}

describe("attempts suspended at a wait", () => {
  it("with keep-alive, a suspended attempt frees its process's capacity: many wait in one process, which also runs others", async () => {
    executor = new ProcessExecutor({ maxConcurrentAttemptsPerProcess: 1 });
    const keepAlive = { enabled: true, maxExecutionsPerProcess: 1000 };
    const waiting = [];
    for (let i = 0; i < 20; i++) waiting.push(await suspended({ keepAlive }));
    expect(executor.stats().suspended).toBe(20);
    const echo = outputOf(
      await executor.execute({ execution: makeExecution({ action: "echo" }), workerDir: FIXTURES_DIR, entryPoint: "suspending.mjs", onLog: () => {}, keepAlive }),
    );
    for (const w of waiting) expect(executor.suspendedAttempt(w.runId)).toBe(1);
    for (const w of waiting) expect(executor.resume(w.runId, { attemptNumber: 1, runToken: "fresh", waitpoint: waitpoint(`wp-${w.runId}`) })).toBe(true);
    const outputs = await Promise.all(waiting.map(async (w) => outputOf(await w.result)));
    expect(new Set(outputs.map((o) => o.pid))).toEqual(new Set([echo.pid]));
    expect(outputs[0]).toMatchObject({ resumedWith: `wp-${waiting[0]!.runId}`, runToken: "fresh" });
    expect(executor.stats().suspended).toBe(0);
  });

  it("without keep-alive each suspended attempt keeps its process, up to the cap: past it the longest-suspended one is stopped", async () => {
    executor = new ProcessExecutor({ maxSuspendedProcesses: 2 });
    const a = await suspended();
    const b = await suspended();
    const c = await suspended();
    const crashed = await a.result;
    expect(crashed.ok).toBe(false);
    expect(executor.suspendedAttempt(a.runId)).toBeUndefined();
    expect(executor.resume(a.runId, { attemptNumber: 1, runToken: "t", waitpoint: waitpoint("x") })).toBe(false);
    expect(executor.resume(b.runId, { attemptNumber: 1, runToken: "t", waitpoint: waitpoint("b") })).toBe(true);
    expect(executor.resume(c.runId, { attemptNumber: 1, runToken: "t", waitpoint: waitpoint("c") })).toBe(true);
    const [ob, oc] = [outputOf(await b.result), outputOf(await c.result)];
    expect(ob.pid).not.toBe(oc.pid);
  });

  it("a run that crashes a keep-alive process takes the attempts suspended in it down too (their runs replay)", async () => {
    executor = new ProcessExecutor({ maxConcurrentAttemptsPerProcess: 10 });
    const keepAlive = { enabled: true, maxExecutionsPerProcess: 1000 };
    const waiting = [await suspended({ keepAlive }), await suspended({ keepAlive }), await suspended({ keepAlive })];
    const crash = await executor.execute({ execution: makeExecution({ action: "crash" }), workerDir: FIXTURES_DIR, entryPoint: "suspending.mjs", onLog: () => {}, keepAlive });
    expect(crash).toMatchObject({ ok: false, outcome: "CRASHED" });
    for (const w of waiting) {
      expect((await w.result).ok).toBe(false);
      expect(executor.suspendedAttempt(w.runId)).toBeUndefined();
      expect(executor.resume(w.runId, { attemptNumber: 1, runToken: "t", waitpoint: waitpoint("x") })).toBe(false);
    }
  });

  it("maxDuration counts active time only: a wait longer than it does not time the attempt out", async () => {
    executor = new ProcessExecutor();
    const w = await suspended({ maxDuration: 1 });
    await new Promise((r) => setTimeout(r, 1500));
    expect(executor.resume(w.runId, { attemptNumber: 1, runToken: "t", waitpoint: waitpoint("late") })).toBe(true);
    expect(outputOf(await w.result)).toMatchObject({ resumedWith: "late" });
  });

  it("a caller that cannot resume in place gets a SUSPENDED result at once, and discard drops a kept attempt", async () => {
    executor = new ProcessExecutor();
    const execution = makeExecution({ action: "wait" });
    const result = await executor.execute({ execution, workerDir: FIXTURES_DIR, entryPoint: "suspending.mjs", onLog: () => {} });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ code: "TASK_RUN_SUSPENDED" });

    const kept = await suspended();
    executor.discard(kept.runId);
    const discarded = await kept.result;
    expect(discarded.ok).toBe(false);
    expect(executor.suspendedAttempt(kept.runId)).toBeUndefined();
  });
});
