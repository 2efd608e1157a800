// The official @trigger.dev/sdk 4.x batch calls against Gantry: tasks.batchTrigger, batch.trigger (two-phase:
// POST /api/v3/batches, then NDJSON items), batch.retrieve, runs.list({ batch }) and runs.subscribeToBatch.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, batch, BatchTriggerError, BadRequestError, runs, tasks } from "@trigger.dev/sdk";
import { eventually } from "../helpers/platform.js";
import { startConformancePlatform, waitForRun, type ConformancePlatform } from "./conformance-platform.js";

let gantry: ConformancePlatform;

beforeAll(async () => {
  gantry = await startConformancePlatform();
}, 180_000);

afterAll(async () => {
  await gantry?.platform.close();
});

async function batchRuns(batchId: string) {
  const ids: string[] = [];
  for await (const run of runs.list({ batch: batchId, limit: 100 })) ids.push(run.id);
  return ids;
}

async function waitForBatch(batchId: string) {
  return eventually(
    async () => {
      const b = await batch.retrieve(batchId);
      return b.status === "COMPLETED" ? b : undefined;
    },
    { timeoutMs: 60_000, what: `batch ${batchId} to complete` },
  );
}

describe("tasks.batchTrigger and batch.trigger", () => {
  it("runs every item, and batch.retrieve lists the runs in item order once the batch is COMPLETED", async () => {
    const handle = await tasks.batchTrigger("echo", [
      { payload: { item: 0 } },
      { payload: { item: 1 }, options: { tags: ["conf-batch"], maxAttempts: 2 } },
      { payload: "two" },
    ]);
    expect(handle.batchId).toMatch(/^batch_/);
    expect(handle.runCount).toBe(3);
    expect(handle.publicAccessToken).toEqual(expect.any(String));

    const done = await waitForBatch(handle.batchId);
    expect(done.runCount).toBe(3);
    expect(done.runs).toHaveLength(3);
    expect(done.createdAt).toBeInstanceOf(Date);
    const finished = await Promise.all(done.runs.map((id) => waitForRun(id)));
    expect(finished.map((r) => (r.output as { payload: unknown }).payload)).toEqual([{ item: 0 }, { item: 1 }, "two"]);
    expect(finished.map((r) => r.status)).toEqual(["COMPLETED", "COMPLETED", "COMPLETED"]);
    expect(finished[1]!.tags).toEqual(["conf-batch"]);
    expect(finished.every((r) => r.batchId === handle.batchId && r.triggerFunction === "batchTrigger")).toBe(true);
    expect((await batchRuns(handle.batchId)).sort()).toEqual([...done.runs].sort());
  });

  it("batch.trigger sends items to different tasks; a failed run still completes the batch", async () => {
    const handle = await batch.trigger([
      { id: "echo", payload: { n: 1 } },
      { id: "conformance-fails", payload: {}, options: { maxAttempts: 1 } },
      { id: "conformance-inspect", payload: { n: 3 }, options: { machine: "small-2x" } },
    ]);
    const done = await waitForBatch(handle.batchId);
    const finished = await Promise.all(done.runs.map((id) => runs.retrieve(id)));
    expect(finished.map((r) => r.taskIdentifier)).toEqual(["echo", "conformance-fails", "conformance-inspect"]);
    expect(finished.map((r) => r.status)).toEqual(["COMPLETED", "FAILED", "COMPLETED"]);
    expect(finished[2]!.output).toMatchObject({ machine: "small-2x" });
  });

  it("the same batch idempotencyKey gives back the same batch and no new runs", async () => {
    const key = `conf-batch-${crypto.randomUUID()}`;
    const first = await tasks.batchTrigger("echo", [{ payload: { k: 1 } }, { payload: { k: 2 } }], { idempotencyKey: key });
    const second = await tasks.batchTrigger("echo", [{ payload: { k: 1 } }, { payload: { k: 2 } }], { idempotencyKey: key });
    expect(second.batchId).toBe(first.batchId);
    expect(await batchRuns(first.batchId)).toHaveLength(2);
  });

  it("an invalid item option fails the stream phase with a 400 naming the item; no run is created", async () => {
    const error = await tasks
      .batchTrigger("echo", [{ payload: 1 }, { payload: 2, options: { delay: "whenever" } }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchTriggerError);
    const batchError = error as BatchTriggerError;
    expect(batchError.phase).toBe("stream");
    expect(batchError.cause).toBeInstanceOf(BadRequestError);
    expect((batchError.cause as BadRequestError).param).toBe("items[1].options.delay");
    expect(await batchRuns(batchError.batchId!)).toEqual([]);
  });

  it("an item payload of 140 KiB is offloaded by the client and reaches its task whole", async () => {
    const big = { text: "y".repeat(140 * 1024), n: 2 };
    const handle = await tasks.batchTrigger("echo", [{ payload: big }, { payload: { small: true } }]);
    const done = await waitForBatch(handle.batchId);
    const run = await waitForRun(done.runs[0]!);
    expect(run.status).toBe("COMPLETED");
    const output = run.output ?? (run.outputPresignedUrl ? await (await fetch(run.outputPresignedUrl)).json() : undefined);
    expect((output as { payload: typeof big }).payload).toEqual(big);
  });

  it("a batch of 500 items (the reference's limit) gets 500 runs", async () => {
    const handle = await tasks.batchTrigger(
      "echo",
      Array.from({ length: 500 }, (_, i) => ({ payload: { i }, options: { delay: "1h" } })),
    );
    expect(handle.runCount).toBe(500);
    const retrieved = await batch.retrieve(handle.batchId);
    expect(new Set(retrieved.runs).size).toBe(500);
    expect((await runs.retrieve(retrieved.runs[499]!)).status).toBe("DELAYED");
    await expect(tasks.batchTrigger("echo", Array.from({ length: 501 }, (_, i) => ({ payload: { i } })))).rejects.toMatchObject({ phase: "create" });
  });
});

describe("reading a batch with its public access token", () => {
  it("batch.retrieve and runs.subscribeToBatch work with the handle's token", async () => {
    const handle = await tasks.batchTrigger("echo", [{ payload: { live: 1 } }, { payload: { live: 2 } }]);
    const completed = new Set<string>();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await auth.withAuth({ accessToken: handle.publicAccessToken }, async () => {
        expect((await batch.retrieve(handle.batchId)).runCount).toBe(2);
        const subscription = runs.subscribeToBatch(handle.batchId);
        timer = setTimeout(() => subscription.unsubscribe(), 30_000);
        for await (const run of subscription) {
          if (run.status === "COMPLETED") completed.add(run.id);
          if (completed.size === 2) break;
        }
      });
    } finally {
      clearTimeout(timer);
    }
    expect([...completed].sort()).toEqual((await batch.retrieve(handle.batchId)).runs.slice().sort());
  });
});
