// Out of memory end to end (issue #3): a real api and runner execute a deployed project whose tasks run out of
// memory on small machines; `retry.outOfMemory.machine` retries only those failures on a larger machine. Also
// `ctx.batch` for runs triggered as batch items.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { editFile, eventually, startPlatform, type Platform } from "./helpers/platform.js";
import { http, type Http } from "./helpers/http.js";

const OOM_MESSAGE =
  "TASK_PROCESS_OOM_KILLED. Your run was terminated due to exceeding the machine's memory limit. Try increasing the machine preset in your task options or replay using a larger machine.";
const FINAL = ["COMPLETED", "CANCELED", "FAILED", "CRASHED", "SYSTEM_FAILURE", "EXPIRED", "TIMED_OUT"];
const FAST_RETRY = `minTimeoutInMs: 50, maxTimeoutInMs: 100, factor: 1, randomize: false`;

// ~320 MB of JavaScript heap, quickly: past micro's V8 limit (204 MB), well within small-2x's (819 MB)
const TASKS = `
import { OutOfMemoryError, task } from "@gantry/sdk";

function allocate() {
  const held: number[][] = [];
  for (let i = 0; i < 40; i++) held.push(new Array(1e6).fill(i + 0.5));
  return held.length;
}

export const heapRetried = task({
  id: "oom-heap-retried",
  machine: "micro",
  retry: { maxAttempts: 3, ${FAST_RETRY}, outOfMemory: { machine: "small-2x" } },
  run: async (_p: unknown, { ctx }) => ({ arrays: allocate(), machine: ctx.machine.name, memory: ctx.machine.memory, attempt: ctx.attempt.number }),
});

export const heapNoOption = task({
  id: "oom-heap-plain",
  machine: "micro",
  retry: { maxAttempts: 3, ${FAST_RETRY} },
  run: async () => ({ arrays: allocate() }),
});

export const explicitRetried = task({
  id: "oom-explicit-retried",
  retry: { maxAttempts: 2, ${FAST_RETRY}, outOfMemory: { machine: "medium-1x" } },
  run: async (_p: unknown, { ctx }) => {
    if (ctx.machine.name !== "medium-1x") throw new OutOfMemoryError();
    return { machine: ctx.machine.name, attempt: ctx.attempt.number };
  },
});

export const explicitPlain = task({
  id: "oom-explicit-plain",
  retry: { maxAttempts: 3, ${FAST_RETRY} },
  run: async () => {
    throw new OutOfMemoryError();
  },
});

// already on its out-of-memory machine: nothing larger to retry on
export const explicitOnOomMachine = task({
  id: "oom-explicit-on-oom-machine",
  machine: "small-2x",
  retry: { maxAttempts: 3, ${FAST_RETRY}, outOfMemory: { machine: "small-2x" } },
  run: async () => {
    throw new OutOfMemoryError();
  },
});

// an ordinary error is retried as always, on the task's own machine
export const ordinaryError = task({
  id: "oom-ordinary-error",
  retry: { maxAttempts: 2, ${FAST_RETRY}, outOfMemory: { machine: "medium-1x" } },
  run: async (_p: unknown, { ctx }) => {
    if (ctx.attempt.number === 1) throw new Error("not memory");
    return { machine: ctx.machine.name };
  },
});

// out of memory retries count against maxAttempts
export const explicitOneAttempt = task({
  id: "oom-explicit-one-attempt",
  retry: { maxAttempts: 1, outOfMemory: { machine: "medium-1x" } },
  run: async () => {
    throw new OutOfMemoryError();
  },
});

export const whichBatch = task({
  id: "ctx-batch",
  run: async (_p: unknown, { ctx }) => ({ batch: ctx.batch ?? null }),
});

// the config's retries.default.outOfMemory applies to tasks without their own
export const configDefault = task({
  id: "oom-config-default",
  retry: { maxAttempts: 2, ${FAST_RETRY} },
  run: async (_p: unknown, { ctx }) => {
    if (ctx.machine.name !== "large-1x") throw new OutOfMemoryError();
    return { machine: ctx.machine.name };
  },
});
`;

let platform: Platform;
let prod: Http;
let staging: Http;

async function trigger(client: Http, taskId: string, options?: unknown) {
  const response = await client.post(`/api/v1/tasks/${taskId}/trigger`, { payload: {}, options });
  expect(response.status, JSON.stringify(response.body)).toBeLessThan(300);
  return response.body.id as string;
}

async function finished(client: Http, runId: string) {
  return eventually(
    async () => {
      const { body } = await client.get(`/api/v3/runs/${runId}`);
      return FINAL.includes(body.status) ? body : undefined;
    },
    { timeoutMs: 60_000, what: `run ${runId} to finish` },
  );
}

beforeAll(async () => {
  platform = await startPlatform();
  prod = http(platform.api.url, platform.api.seed.environments.prod.apiKey);
  staging = http(platform.api.url, platform.api.seed.environments.staging.apiKey);
  await platform.startRunner();
  const addTasks = (dir: string) => writeFileSync(join(dir, "src/trigger/oom.ts"), TASKS);
  await platform.deployProject({ edit: addTasks });
  // staging's version sets retries.default.outOfMemory in gantry.config.ts
  await platform.deployProject({
    env: "staging",
    edit: (dir) => {
      addTasks(dir);
      editFile(join(dir, "gantry.config.ts"), "default: { maxAttempts: 1 }", `default: { maxAttempts: 1, outOfMemory: { machine: "large-1x" } }`);
    },
  });
}, 180_000);

afterAll(async () => {
  await platform?.close();
});

describe("retry.outOfMemory.machine", () => {
  it("retries a run that ran past micro's heap on small-2x, where it succeeds; the run's machine becomes small-2x", async () => {
    const run = await finished(prod, await trigger(prod, "oom-heap-retried"));
    expect(run.status, JSON.stringify(run.error)).toBe("COMPLETED");
    expect(run.output).toEqual({ arrays: 40, machine: "small-2x", memory: 1, attempt: 2 });
    expect(run.machine).toBe("small-2x");
    expect(run.attemptCount).toBe(2);
    expect(run.attempts[0]).toMatchObject({ number: 1, status: "CRASHED", error: { type: "INTERNAL_ERROR", code: "TASK_PROCESS_OOM_KILLED", message: OOM_MESSAGE } });
    expect(run.attempts[0].error.stackTrace).toContain("heap limit of the micro machine");
    expect(run.attempts[1]).toMatchObject({ number: 2, status: "COMPLETED" });
  });

  it("without the option, a run past its heap is CRASHED with the reference's OOM error and not retried", async () => {
    const run = await finished(prod, await trigger(prod, "oom-heap-plain"));
    expect(run.status).toBe("CRASHED");
    expect(run.attemptCount).toBe(1);
    expect(run.error).toMatchObject({ type: "INTERNAL_ERROR", code: "TASK_PROCESS_OOM_KILLED", message: OOM_MESSAGE });
    // the default machine of new runs is unchanged
    expect(run.machine).toBeUndefined();
  });

  it("retries an explicit OutOfMemoryError on the larger machine", async () => {
    const run = await finished(prod, await trigger(prod, "oom-explicit-retried"));
    expect(run.status, JSON.stringify(run.error)).toBe("COMPLETED");
    expect(run.output).toEqual({ machine: "medium-1x", attempt: 2 });
    expect(run.machine).toBe("medium-1x");
    expect(run.attempts[0]).toMatchObject({ status: "FAILED", error: { code: "TASK_PROCESS_OOM_KILLED", message: OOM_MESSAGE } });
    // the next run of the task starts on the task's own machine again
    const next = await finished(prod, await trigger(prod, "oom-explicit-retried"));
    expect(next.attemptCount).toBe(2);
    expect(next.attempts[0].status).toBe("FAILED");
  });

  it("fails an explicit OutOfMemoryError without the option (FAILED, no retry despite attempts left)", async () => {
    const run = await finished(prod, await trigger(prod, "oom-explicit-plain"));
    expect(run.status).toBe("FAILED");
    expect(run.attemptCount).toBe(1);
    expect(run.error).toMatchObject({ type: "INTERNAL_ERROR", code: "TASK_PROCESS_OOM_KILLED", message: OOM_MESSAGE });
  });

  it("does not retry a run already on its out-of-memory machine, nor one without attempts left", async () => {
    const [onIt, noneLeft] = await Promise.all([
      finished(prod, await trigger(prod, "oom-explicit-on-oom-machine")),
      finished(prod, await trigger(prod, "oom-explicit-one-attempt")),
    ]);
    expect(onIt).toMatchObject({ status: "FAILED", attemptCount: 1, error: { code: "TASK_PROCESS_OOM_KILLED" } });
    expect(noneLeft).toMatchObject({ status: "FAILED", attemptCount: 1, error: { code: "TASK_PROCESS_OOM_KILLED" } });
    expect(noneLeft.machine).toBeUndefined();
  });

  it("retries other errors as before, on the run's own machine", async () => {
    const run = await finished(prod, await trigger(prod, "oom-ordinary-error"));
    expect(run.status).toBe("COMPLETED");
    expect(run.output).toEqual({ machine: "small-1x" });
    expect(run.machine).toBeUndefined();
  });

  it("a trigger's own machine counts as the one to leave", async () => {
    const run = await finished(prod, await trigger(prod, "oom-explicit-retried", { machine: "small-2x" }));
    expect(run.status).toBe("COMPLETED");
    expect(run.output).toEqual({ machine: "medium-1x", attempt: 2 });
  });

  it("takes the machine from the config's retries.default.outOfMemory", async () => {
    const run = await finished(staging, await trigger(staging, "oom-config-default"));
    expect(run.status, JSON.stringify(run.error)).toBe("COMPLETED");
    expect(run.output).toEqual({ machine: "large-1x" });
    expect(run.machine).toBe("large-1x");
  });
});

describe("ctx.batch", () => {
  it("is the batch's id for a batch item's run, and absent for a plain trigger", async () => {
    const response = await prod.post("/api/v1/tasks/batch", { items: [{ task: "ctx-batch", payload: {} }, { task: "ctx-batch", payload: {} }] });
    expect(response.status, JSON.stringify(response.body)).toBeLessThan(300);
    const batchId = response.body.batchId as string;
    expect(batchId).toMatch(/^batch_/);
    const ids = (response.body.runs as Array<{ id: string } | string>).map((r) => (typeof r === "string" ? r : r.id));
    expect(ids).toHaveLength(2);
    for (const id of ids) {
      const run = await finished(prod, id);
      expect(run.status).toBe("COMPLETED");
      expect(run.output).toEqual({ batch: { id: batchId } });
    }
    const plain = await finished(prod, await trigger(prod, "ctx-batch"));
    expect(plain.output).toEqual({ batch: null });
  });
});
