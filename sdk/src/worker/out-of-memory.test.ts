import { describe, expect, it } from "vitest";
import type { MachinePreset, TaskRunExecutionResult } from "../contracts/index.js";
import { OutOfMemoryError } from "../errors.js";
import { task } from "../tasks/task.js";
import { toTaskManifest, getRegisteredTask } from "../tasks/registry.js";
import { makeExecution } from "../testing/worker-process.js";
import { executeAttempt } from "./execute-attempt.js";

const failures: string[] = [];
task({
  id: "oom-unit-retried",
  retry: { maxAttempts: 3, outOfMemory: { machine: "large-1x" } },
  onFailure: async ({ ctx }) => void failures.push(`retried:${ctx.machine.name}`),
  run: async () => {
    throw new OutOfMemoryError();
  },
});
task({
  id: "oom-unit-plain",
  retry: { maxAttempts: 3 },
  onFailure: async () => void failures.push("plain"),
  run: async () => {
    throw new OutOfMemoryError();
  },
});

function attempt(taskId: string, machine: MachinePreset = "small-1x"): Promise<TaskRunExecutionResult> {
  const execution = { ...makeExecution(taskId, undefined), machine: { name: machine, cpu: 1, memory: 1 } };
  return executeAttempt(execution, { emit: () => {} }).result;
}

describe("OutOfMemoryError in the worker", () => {
  it("reports the reference's TASK_PROCESS_OOM_KILLED, and no ordinary retry without retry.outOfMemory", async () => {
    const result = await attempt("oom-unit-plain");
    expect(result).toMatchObject({
      ok: false,
      skippedRetrying: true,
      error: { type: "INTERNAL_ERROR", code: "TASK_PROCESS_OOM_KILLED", message: expect.stringMatching(/^TASK_PROCESS_OOM_KILLED\. Your run was terminated/) },
    });
    expect(result.ok === false && result.retry).toBeFalsy();
    expect(failures).toContain("plain");
  });

  it("with retry.outOfMemory.machine, expects a retry (onFailure waits) unless the attempt is on that machine already", async () => {
    failures.length = 0;
    const retried = await attempt("oom-unit-retried");
    expect(retried.ok === false && retried.retry?.delay).toBeGreaterThan(0);
    expect(failures).toEqual([]);

    const onIt = await attempt("oom-unit-retried", "large-1x");
    expect(onIt).toMatchObject({ ok: false, skippedRetrying: true, error: { code: "TASK_PROCESS_OOM_KILLED" } });
    expect(failures).toEqual(["retried:large-1x"]);
  });

  it("keeps retry.outOfMemory in the task's manifest entry (the api reads it from the deployed version)", () => {
    expect(toTaskManifest(getRegisteredTask("oom-unit-retried")!).retry).toEqual({ maxAttempts: 3, outOfMemory: { machine: "large-1x" } });
    expect(toTaskManifest(getRegisteredTask("oom-unit-plain")!).retry).toEqual({ maxAttempts: 3 });
  });
});
