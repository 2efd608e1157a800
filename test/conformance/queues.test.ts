// The official @trigger.dev/sdk 4.x `queues.*` against Gantry: list, retrieve (by id, task, custom name), pause
// and resume, override and reset the concurrency limit; and a queue's limit holding for runs it starts.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configure, NotFoundError, queues, runs, tasks } from "@trigger.dev/sdk";
import { configure as configureGantry, queues as gantryQueues } from "@gantry/sdk";
import { startPlatform, type Platform } from "../helpers/platform.js";
import { waitForRun } from "./conformance-platform.js";

const TASKS = `
import { queue, task } from "@gantry/sdk";

const serial = queue({ name: "conformance-serial", concurrencyLimit: 1 });

export const serialWork = task({
  id: "q-serial",
  queue: serial,
  run: async (payload: { ms: number }) => {
    const start = Date.now();
    await new Promise((resolve) => setTimeout(resolve, payload.ms));
    return { start, end: Date.now() };
  },
});

export const pausable = task({ id: "q-pausable", queue: { concurrencyLimit: 5 }, run: async () => ({ ok: true }) });

export const tenants = task({
  id: "q-tenants",
  queue: { name: "conformance-tenants", concurrencyLimit: 2, totalConcurrencyLimit: 6, keyRateLimit: { limit: 100, period: "1s" } },
  run: async () => ({ ok: true }),
});
`;

let platform: Platform;

beforeAll(async () => {
  platform = await startPlatform();
  await platform.startRunner();
  await platform.deployProject({ edit: (dir) => writeFileSync(join(dir, "src/trigger/queues.ts"), TASKS) });
  configure({ baseURL: platform.api.url, secretKey: platform.api.seed.environments.prod.apiKey });
  configureGantry({ baseURL: platform.api.url, secretKey: platform.api.seed.environments.prod.apiKey });
}, 180_000);

afterAll(async () => {
  await platform?.close();
});

describe("queues.list and queues.retrieve", () => {
  it("lists the deployed queues, task and custom, with counts and limits", async () => {
    const page = await queues.list({ perPage: 100 });
    const byName = new Map(page.data.map((q) => [q.name, q]));
    const serial = byName.get("conformance-serial");
    expect(serial).toMatchObject({ type: "custom", concurrencyLimit: 1, paused: false, running: 0, queued: 0 });
    expect(serial?.id).toMatch(/^queue_/);
    expect(byName.get("q-pausable")).toMatchObject({ type: "task", concurrencyLimit: 5 });
    expect(byName.get("echo")).toMatchObject({ type: "task", concurrencyLimit: null });
    expect(page.pagination.count).toBe(page.data.length);
    const walked: string[] = [];
    for await (const q of queues.list({ perPage: 2 })) walked.push(q.name);
    expect(walked.sort()).toEqual([...byName.keys()].sort());
  });

  it("retrieves a queue by id, by task id and by custom name", async () => {
    const custom = await queues.retrieve({ type: "custom", name: "conformance-tenants" });
    expect(custom).toMatchObject({ name: "conformance-tenants", type: "custom", concurrencyLimit: 2 });
    expect(await queues.retrieve(custom.id)).toMatchObject({ id: custom.id, name: "conformance-tenants" });
    const own = await queues.retrieve({ type: "task", name: "q-pausable" });
    expect(own).toMatchObject({ name: "q-pausable", type: "task", concurrencyLimit: 5 });
    await expect(queues.retrieve({ type: "custom", name: "no-such-queue" })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("pause and resume", () => {
  it("a paused queue starts nothing until resumed; other queues go on", async () => {
    const paused = await queues.pause({ type: "task", name: "q-pausable" });
    expect(paused.paused).toBe(true);
    const held = await tasks.trigger("q-pausable", {});
    // a run on another queue, triggered after, completes: the paused one had every chance to start too
    expect((await waitForRun((await tasks.trigger("echo", { after: held.id })).id)).status).toBe("COMPLETED");
    expect((await runs.retrieve(held.id)).status).toBe("QUEUED");
    expect(await queues.retrieve({ type: "task", name: "q-pausable" })).toMatchObject({ paused: true, queued: 1, running: 0 });
    const resumed = await queues.resume({ type: "task", name: "q-pausable" });
    expect(resumed.paused).toBe(false);
    expect((await waitForRun(held.id)).status).toBe("COMPLETED");
  });
});

describe("concurrency limits", () => {
  it("a queue with concurrencyLimit 1 runs one at a time (the tasks' own clocks say so)", async () => {
    const handles = await Promise.all([0, 1, 2, 3].map(() => tasks.trigger("q-serial", { ms: 150 })));
    const done = await Promise.all(handles.map((h) => waitForRun(h.id)));
    const spans = done.map((r) => r.output as { start: number; end: number }).sort((a, b) => a.start - b.start);
    for (let i = 1; i < spans.length; i++) expect(spans[i]!.start).toBeGreaterThanOrEqual(spans[i - 1]!.end);
  });

  it("overrides and resets a queue's limit", async () => {
    const over = await queues.overrideConcurrencyLimit({ type: "custom", name: "conformance-serial" }, 3);
    expect(over.concurrencyLimit).toBe(3);
    expect(over.concurrency).toMatchObject({ base: 1, override: 3, current: 3 });
    expect(over.concurrency?.overriddenAt).toBeInstanceOf(Date);
    const reset = await queues.resetConcurrencyLimit({ type: "custom", name: "conformance-serial" });
    expect(reset.concurrencyLimit).toBe(1);
    expect(reset.concurrency).toMatchObject({ base: 1, override: null, current: 1 });
  });

  it("rejects a bad pause body with a 400 naming the field, and changes nothing", async () => {
    const { id } = await queues.retrieve({ type: "task", name: "q-pausable" });
    const response = await fetch(`${platform.api.url}/api/v1/queues/${id}/pause`, {
      method: "POST",
      headers: { authorization: `Bearer ${platform.api.seed.environments.prod.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ type: "id", action: "stop" }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ param: "action" });
    expect((await queues.retrieve(id)).paused).toBe(false);
  });
});

describe("Gantry's own SDK speaks the same queue endpoints", () => {
  it("lists, retrieves, pauses and resumes, with Gantry's extra limits", async () => {
    const names: string[] = [];
    for await (const q of gantryQueues.list({ perPage: 3 })) names.push(q.name);
    expect(names).toContain("conformance-tenants");
    const tenants = await gantryQueues.retrieve({ type: "custom", name: "conformance-tenants" });
    expect(tenants).toMatchObject({ concurrencyLimit: 2, totalConcurrencyLimit: 6, rateLimit: null, keyRateLimit: { limit: 100, periodMs: 1000 } });
    expect((await gantryQueues.pause(tenants.id)).paused).toBe(true);
    expect((await gantryQueues.resume({ type: "custom", name: "conformance-tenants" })).paused).toBe(false);
  });
});
