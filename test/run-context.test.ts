// From inside a run (issue #3): metadata.parent / metadata.root, tags.add and usage, end to end. Real api,
// Postgres, Redis, a runner and worker processes running a deployed project.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { editFile, eventually, startPlatform, type Platform } from "./helpers/platform.js";
import { http, type Http } from "./helpers/http.js";

const TASKS = `
import { metadata, tags, task, usage } from "@gantry/sdk";

/** Burns CPU for about ms milliseconds (a busy loop: CPU time, not waiting). */
function burn(ms: number): number {
  const end = Date.now() + ms;
  let x = 0;
  for (let i = 0; Date.now() < end; i++) x += Math.sqrt(i);
  return x;
}

export const contextRoot = task({
  id: "context-root",
  run: async (payload: { children: number }, { ctx }) => {
    metadata.set("status", "started");
    const child = await contextParent.triggerAndWait({ children: payload.children }).unwrap();
    return { child, rootId: ctx.run.id };
  },
});

export const contextParent = task({
  id: "context-parent",
  run: async (payload: { children: number }, { ctx }) => {
    const results = [];
    for (let i = 0; i < payload.children; i++) results.push(await contextChild.triggerAndWait({ i }, { tags: ["from-trigger"] }).unwrap());
    return { results, parentId: ctx.run.id };
  },
});

export const contextChild = task({
  id: "context-child",
  run: async (payload: { i: number }, { ctx }) => {
    metadata.set("mine", payload.i);
    metadata.parent.increment("childrenDone", 1).append("childRuns", ctx.run.id);
    metadata.root.set("progress", payload.i + 1).append("log", "child " + payload.i);
    await tags.add(["child_" + payload.i, "context"]);
    // 1 + 2 + 8 = 11 > 10: logged, ignored, the run goes on
    await tags.add(["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"]);
    const { compute: measured } = await usage.measure(async () => burn(150));
    const current = usage.getCurrent();
    return { measured, current, ctxTags: ctx.run.tags };
  },
});

export const usageRetry = task({
  id: "usage-retry",
  retry: { maxAttempts: 2, minTimeoutInMs: 50, maxTimeoutInMs: 100, factor: 1, randomize: false },
  run: async (_payload: unknown, { ctx }) => {
    burn(100);
    if (ctx.attempt.number === 1) throw new Error("first attempt fails after some work");
    return { current: usage.getCurrent(), previousMs: ctx.run.durationMs };
  },
});

export const usageIdle = task({
  id: "usage-idle",
  run: async (payload: { burnMs: number }) => {
    if (payload.burnMs) burn(payload.burnMs);
    return usage.getCurrent();
  },
});

export const rootSelf = task({
  id: "root-self",
  run: async () => {
    metadata.parent.set("viaParent", 1);
    metadata.root.increment("viaRoot", 2);
    await metadata.flush();
    return metadata.current();
  },
});
`;

let platform: Platform;
let prod: Http;
let staging: Http;

beforeAll(async () => {
  platform = await startPlatform();
  prod = http(platform.api.url, platform.api.seed.environments.prod.apiKey);
  staging = http(platform.api.url, platform.api.seed.environments.staging.apiKey);
  const addTasks = (dir: string) => writeFileSync(join(dir, "src/trigger/run-context.ts"), TASKS);
  await platform.deployProject({ edit: addTasks });
  // staging: processKeepAlive, one process runs attempt after attempt
  await platform.deployProject({
    env: "staging",
    edit: (dir) => {
      addTasks(dir);
      editFile(join(dir, "gantry.config.ts"), "maxDuration: 60,", "maxDuration: 60, processKeepAlive: { enabled: true, maxExecutionsPerProcess: 100 },");
    },
  });
  await platform.startRunner();
}, 180_000);

afterAll(async () => {
  await platform?.close();
});

async function trigger(api: Http, task: string, payload: unknown, options: Record<string, unknown> = {}) {
  const { status, body } = await api.post(`/api/v1/tasks/${task}/trigger`, { payload, options });
  expect(status).toBe(200);
  return body.id as string;
}

const retrieve = async (api: Http, id: string) => (await api.get(`/api/v3/runs/${id}`)).body;

async function finished(api: Http, id: string) {
  return eventually(async () => {
    const run = await retrieve(api, id);
    return run.isCompleted ? run : undefined;
  }, { timeoutMs: 60_000, what: `run ${id} to finish` });
}

describe("inside a run", () => {
  it("a grandchild writes its parent's and its root's metadata and adds tags; retrieve shows them; usage is CPU time", async () => {
    const rootId = await trigger(prod, "context-root", { children: 2 }, { metadata: { from: "backend" } });
    const root = await finished(prod, rootId);
    expect(root.status).toBe("COMPLETED");
    const parent = await retrieve(prod, root.output.child.parentId);

    // metadata.root from both grandchildren, after the root's own metadata.set
    expect(root.metadata).toEqual({ from: "backend", status: "started", progress: 2, log: ["child 0", "child 1"] });
    // metadata.parent: the parent's counter, once per child
    const children: string[] = parent.relatedRuns.children.map((c: { id: string }) => c.id);
    expect(children).toHaveLength(2);
    expect(parent.metadata.childrenDone).toBe(2);
    expect([...parent.metadata.childRuns].sort()).toEqual([...children].sort());
    const listed = await prod.get("/api/v1/runs?filter[tag]=context");
    expect(listed.body.data.map((r: { id: string }) => r.id).sort()).toEqual([...children].sort());

    for (const childId of children) {
      const child = await retrieve(prod, childId);
      expect(child.status).toBe("COMPLETED");
      const i = child.metadata.mine;
      expect(child.metadata).toEqual({ mine: i });
      // trigger-time tag, then tags.add's; the over-limit call added nothing and did not fail the run
      expect(child.tags).toEqual(["from-trigger", `child_${i}`, "context"]);
      // ...and the refusal is in the run's logs
      await eventually(async () => {
        const events = (await prod.get(`/api/v1/runs/${childId}/events`)).body.data as Array<{ level: string; message: string }>;
        return events.find((e) => e.level === "error" && e.message.includes("can only have 10 tags"));
      }, { what: `the tags error in ${childId}'s logs` });
      const out = child.output;
      // ctx.run.tags stays what the trigger gave
      expect(out.ctxTags).toEqual(["from-trigger"]);
      // a CPU-busy block: measured > 0, within the attempt's usage so far; Gantry charges nothing (centsPerMs 0)
      expect(out.measured.durationMs).toBeGreaterThan(0);
      expect(out.measured.costInCents).toBe(0);
      expect(out.current.compute.attempt.durationMs).toBeGreaterThanOrEqual(out.measured.durationMs);
      expect(out.current.compute.total.durationMs).toBe(out.current.compute.attempt.durationMs); // first attempt
      expect(out.current).toMatchObject({ baseCostInCents: 0, totalCostInCents: 0, compute: { attempt: { costInCents: 0 }, total: { costInCents: 0 } } });
      // retrieve's durationMs is the completion's usage: the same CPU time, measured to the attempt's end
      expect(child.durationMs).toBeGreaterThanOrEqual(Math.floor(out.current.compute.attempt.durationMs));
      expect(child.costInCents).toBe(0);
    }
  });

  it("usage's total adds the previous attempts' (ctx.run.durationMs), the figure retrieve reports", async () => {
    const id = await trigger(prod, "usage-retry", {});
    const run = await finished(prod, id);
    expect(run.status).toBe("COMPLETED");
    expect(run.attemptCount).toBe(2);
    const { current, previousMs } = run.output;
    // attempt 1 burned CPU and failed: its completion's usage is the run's durationMs that attempt 2 started with
    expect(previousMs).toBeGreaterThan(0);
    expect(current.compute.attempt.durationMs).toBeGreaterThan(0);
    expect(current.compute.total.durationMs).toBeCloseTo(current.compute.attempt.durationMs + previousMs, 6);
    // after attempt 2 completed, the run's durationMs holds both attempts
    expect(run.durationMs).toBeGreaterThanOrEqual(Math.floor(current.compute.total.durationMs));
  });

  it("with processKeepAlive an attempt counts from its own start, not the process's", async () => {
    const busy = await finished(staging, await trigger(staging, "usage-idle", { burnMs: 300 }));
    const idle = await finished(staging, await trigger(staging, "usage-idle", { burnMs: 0 }));
    expect(busy.output.compute.attempt.durationMs).toBeGreaterThan(0);
    expect(idle.output.compute.attempt.durationMs).toBeLessThan(busy.output.compute.attempt.durationMs);
  });

  it("a root run's metadata.parent and metadata.root are its own metadata", async () => {
    const run = await finished(prod, await trigger(prod, "root-self", {}));
    expect(run.output).toEqual({ viaParent: 1, viaRoot: 2 });
    expect(run.metadata).toEqual({ viaParent: 1, viaRoot: 2 });
  });
});
