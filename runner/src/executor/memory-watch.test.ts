import { afterEach, describe, expect, it } from "vitest";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TaskRunExecutionResult } from "@gantry/sdk/contracts";
import { FIXTURES_DIR, makeExecution } from "../testing/execution-fixture.js";
import { ProcessExecutor } from "./process-executor.js";

const hasProc = existsSync(`/proc/${process.pid}/status`);
let executor: ProcessExecutor;
afterEach(async () => {
  await executor?.close();
});

function run(payload: Record<string, unknown>, machine: "micro" | "small-2x" = "micro"): Promise<TaskRunExecutionResult> {
  const execution = makeExecution(payload, { machine });
  return executor.execute({ execution, workerDir: FIXTURES_DIR, entryPoint: "memory.mjs", onLog: () => {} });
}

function expectOutOfMemory(result: TaskRunExecutionResult, detail: string) {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.outcome).toBe("CRASHED");
  expect(result.error).toMatchObject({ type: "INTERNAL_ERROR", code: "TASK_PROCESS_OOM_KILLED" });
  expect(result.error.message).toMatch(/^TASK_PROCESS_OOM_KILLED\. Your run was terminated due to exceeding the machine's memory limit/);
  expect(result.error.stackTrace).toContain(detail);
}

function rssOrGone(pid: number): "gone" | "alive" {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return /^State:\s+Z/m.test(status) ? "gone" : "alive";
  } catch {
    return "gone";
  }
}

describe("out of memory in the process executor", () => {
  it("reports a process past its machine's V8 heap limit as TASK_PROCESS_OOM_KILLED", async () => {
    executor = new ProcessExecutor({ warmProcesses: 0, memoryCheckIntervalMs: 0 });
    expectOutOfMemory(await run({ action: "heap" }), "reached the JavaScript heap limit of the micro machine");
  });

  it.skipIf(!hasProc)("kills a process whose resident memory passes its machine's memory (buffers outside the heap)", async () => {
    executor = new ProcessExecutor({ warmProcesses: 0, memoryCheckIntervalMs: 50 });
    // 300 MB of buffers: under micro's heap limit (they live outside the heap) but over its 256 MB
    expectOutOfMemory(await run({ action: "rss", mb: 300, waitMs: 30_000 }), "used more memory than the micro machine has (0.25 GB)");
    // the same on a machine with room for it completes
    const roomy = await run({ action: "rss", mb: 300, waitMs: 300 }, "small-2x");
    expect(roomy).toMatchObject({ ok: true, output: JSON.stringify({ held: 300 }) });
  });

  it.skipIf(!hasProc)("counts the task's child processes against the machine and kills them with it", async () => {
    executor = new ProcessExecutor({ warmProcesses: 0, memoryCheckIntervalMs: 50 });
    const pidFile = join(tmpdir(), `gantry-oom-child-${process.pid}-${Date.now()}`);
    expectOutOfMemory(await run({ action: "child-rss", mb: 300, waitMs: 30_000, pidFile }), "used more memory than the micro machine has");
    const childPid = Number(readFileSync(pidFile, "utf8"));
    rmSync(pidFile, { force: true });
    expect(childPid).toBeGreaterThan(0);
    // gone, or a zombie (its memory freed) waiting for init: SIGKILL lands a moment after it is sent
    for (let i = 0; i < 50 && rssOrGone(childPid) === "alive"; i++) await new Promise((r) => setTimeout(r, 100));
    expect(rssOrGone(childPid)).toBe("gone");
  });

  it.skipIf(!hasProc)("leaves the check off with memoryCheckIntervalMs: 0", async () => {
    executor = new ProcessExecutor({ warmProcesses: 0, memoryCheckIntervalMs: 0 });
    expect(await run({ action: "rss", mb: 300, waitMs: 500 })).toMatchObject({ ok: true });
  });
});
