// The official @trigger.dev/sdk 4.x driving Gantry's run endpoints: trigger (with its options), retrieve, list,
// cancel, replay and reschedule — every call exactly as the published client makes it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthenticationError, BadRequestError, configure, NotFoundError, runs, TriggerClient, tasks } from "@trigger.dev/sdk";
import { startFlakyProxy } from "./flaky-proxy.js";
import { startConformancePlatform, waitForRun, type ConformancePlatform } from "./conformance-platform.js";

let gantry: ConformancePlatform;

beforeAll(async () => {
  gantry = await startConformancePlatform();
}, 180_000);

afterAll(async () => {
  await gantry?.platform.close();
});

describe("tasks.trigger", () => {
  it("runs a task and runs.retrieve gives back the decoded payload and output", async () => {
    const at = new Date("2026-01-02T03:04:05.000Z");
    const handle = await tasks.trigger("echo", { hello: "world", at, n: 42 });
    expect(handle.id).toMatch(/^run_/);
    expect(handle.publicAccessToken).toEqual(expect.any(String));
    const run = await waitForRun(handle.id);
    expect(run.status).toBe("COMPLETED");
    expect(run.isSuccess).toBe(true);
    expect(run.taskIdentifier).toBe("echo");
    expect(run.version).toBe(gantry.version);
    expect(run.payload).toEqual({ hello: "world", at: at.toISOString(), n: 42 });
    expect(run.output).toEqual({ payload: { hello: "world", at: at.toISOString(), n: 42 }, version: gantry.version, env: null });
    expect(run.createdAt).toBeInstanceOf(Date);
    expect(run.finishedAt).toBeInstanceOf(Date);
  });

  it("sends a plain string payload as text and the task receives the string", async () => {
    const handle = await tasks.trigger("echo", "just text");
    const run = await waitForRun(handle.id);
    expect(run.status).toBe("COMPLETED");
    expect((run.output as { payload: unknown }).payload).toBe("just text");
  });

  it("carries tags, metadata, maxAttempts and machine to the run", async () => {
    const handle = await tasks.trigger(
      "conformance-inspect",
      { x: 1 },
      { tags: ["conf-a", "conf-b"], metadata: { customer: "c-1", n: 2 }, maxAttempts: 2, machine: "small-2x" },
    );
    const run = await waitForRun(handle.id);
    expect(run.status).toBe("COMPLETED");
    expect(run.tags.slice().sort()).toEqual(["conf-a", "conf-b"]);
    expect(run.metadata).toEqual({ customer: "c-1", n: 2 });
    expect(run.output).toEqual({ payload: { x: 1 }, attempt: 1, maxAttempts: 2, machine: "small-2x", tags: expect.arrayContaining(["conf-a", "conf-b"]) });
  });

  it("accepts queue, concurrencyKey, priority and maxDuration, and the run completes", async () => {
    const handle = await tasks.trigger(
      "conformance-inspect",
      { flow: true },
      { queue: "conformance-queue", concurrencyKey: "customer-7", priority: 10, maxDuration: 30 },
    );
    const run = await waitForRun(handle.id);
    expect(run.status).toBe("COMPLETED");
    expect(run.output).toMatchObject({ payload: { flow: true } });
    expect((await runs.list({ queue: { type: "custom", name: "conformance-queue" }, limit: 100 })).data.map((r) => r.id)).toEqual([handle.id]);
  });

  it("maxAttempts overrides the task's retry settings", async () => {
    const run = await waitForRun((await tasks.trigger("conformance-fails", {}, { maxAttempts: 2 })).id);
    expect(run.status, JSON.stringify({ error: run.error, attempts: run.attemptCount })).toBe("FAILED");
    expect(run.attemptCount).toBe(2);
    expect(run.error?.message).toBe("fails on attempt 2");
  });

  it("a trigger retried after a lost response makes one run (x-trigger-request-idempotency-key)", async () => {
    const proxy = await startFlakyProxy(gantry.baseURL, (method, path) => method === "POST" && path.startsWith("/api/v1/tasks/echo/trigger"));
    const tag = `retried-${crypto.randomUUID().slice(0, 8)}`;
    try {
      const client = new TriggerClient({ baseURL: proxy.url, secretKey: gantry.secretKey });
      const handle = await client.tasks.trigger("echo", { retried: true }, { tags: [tag] });
      expect(proxy.hits()).toBe(2);
      await waitForRun(handle.id);
      expect((await runs.list({ tag, limit: 10 })).data.map((r) => r.id)).toEqual([handle.id]);
    } finally {
      await proxy.close();
    }
  });

  it("an idempotencyKey gives back the same run, flagged isCached", async () => {
    const key = `order-${crypto.randomUUID()}`;
    const first = await tasks.trigger("echo", { i: 1 }, { idempotencyKey: key });
    const second = await tasks.trigger("echo", { i: 2 }, { idempotencyKey: key });
    expect(second.id).toBe(first.id);
    // the client passes isCached through at runtime, though its handle type does not declare it
    expect((second as { isCached?: boolean }).isCached).toBe(true);
    expect((first as { isCached?: boolean }).isCached).toBeFalsy();
    const run = await waitForRun(first.id);
    expect(run.payload).toEqual({ i: 1 });
    expect(run.idempotencyKey).toEqual(expect.any(String));
    const other = await tasks.trigger("echo", { i: 3 }, { idempotencyKey: `${key}-other` });
    expect(other.id).not.toBe(first.id);
  });

  it("a delay holds the run in DELAYED until its time, and runs.reschedule moves it", async () => {
    const before = Date.now();
    const handle = await tasks.trigger("echo", { delayed: true }, { delay: "1h" });
    const delayed = await runs.retrieve(handle.id);
    expect(delayed.status).toBe("DELAYED");
    expect(delayed.isQueued).toBe(true);
    expect(delayed.delayedUntil!.getTime()).toBeGreaterThanOrEqual(before + 59 * 60_000);

    const rescheduled = await runs.reschedule(handle.id, { delay: new Date(Date.now() + 500) });
    expect(rescheduled.id).toBe(handle.id);
    expect(rescheduled.delayedUntil!.getTime()).toBeLessThan(before + 60_000);
    const run = await waitForRun(handle.id);
    expect(run.status).toBe("COMPLETED");
  });

  it("a delay given as a Date, and no payload at all", async () => {
    const handle = await tasks.trigger("echo", undefined, { delay: new Date(Date.now() + 300) });
    expect((await runs.retrieve(handle.id)).status).toBe("DELAYED");
    const run = await waitForRun(handle.id);
    expect(run.status).toBe("COMPLETED");
    expect(run.payload).toBeUndefined();
  });

  // the reference deserializes SuperJSON first, so an undefined property is absent and the client reads undefined
  it("an output property that is undefined reads back as undefined, not null", async () => {
    const run = await waitForRun((await tasks.trigger("echo", undefined)).id);
    expect(run.output).toEqual({ version: gantry.version, env: null });
  });

  it("an idempotencyKeyTTL lets the key make a new run once it has passed", async () => {
    const key = `short-${crypto.randomUUID()}`;
    const first = await tasks.trigger("echo", { ttl: 1 }, { idempotencyKey: key, idempotencyKeyTTL: "1s" });
    expect((await tasks.trigger("echo", { ttl: 2 }, { idempotencyKey: key, idempotencyKeyTTL: "1s" })).id).toBe(first.id);
    await new Promise((r) => setTimeout(r, 1_500));
    const later = await tasks.trigger("echo", { ttl: 3 }, { idempotencyKey: key, idempotencyKeyTTL: "1s" });
    expect(later.id).not.toBe(first.id);
  });

  it("a single tag given as a string, and runs.poll waits for the run to finish", async () => {
    const handle = await tasks.trigger("echo", { polled: true }, { tags: "single-tag" });
    const run = await runs.poll(handle.id, { pollIntervalMs: 200 });
    expect(run.status).toBe("COMPLETED");
    expect(run.tags).toEqual(["single-tag"]);
  });

  it("a ttl is recorded on the run", async () => {
    const run = await waitForRun((await tasks.trigger("echo", {}, { ttl: "10m" })).id);
    expect(run.status).toBe("COMPLETED");
    expect(run.ttl).toBe("10m");
  });

  it("a run whose ttl passes before it starts is EXPIRED", async () => {
    // staging has no deployed version, so the run waits in PENDING_VERSION past its ttl
    const stagingKey = gantry.platform.api.seed.environments.staging.apiKey;
    configure({ baseURL: gantry.baseURL, secretKey: stagingKey });
    try {
      const handle = await tasks.trigger("echo", {}, { ttl: "1s" });
      const run = await waitForRun(handle.id, ["EXPIRED"], 15_000);
      expect(run.expiredAt).toBeInstanceOf(Date);
    } finally {
      configure({ baseURL: gantry.baseURL, secretKey: gantry.secretKey });
    }
  });

  it("accepts a task no deployed version has, and holds the run in PENDING_VERSION", async () => {
    const handle = await tasks.trigger("no-such-task-anywhere", {});
    expect((await runs.retrieve(handle.id)).status).toBe("PENDING_VERSION");
    await runs.cancel(handle.id);
  });
});

describe("runs.list", () => {
  it("filters by tag and task, and `for await` walks every page", async () => {
    const tag = `list-${crypto.randomUUID().slice(0, 8)}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await tasks.trigger("echo", { i }, { tags: [tag] })).id);
    await Promise.all(ids.map((id) => waitForRun(id)));

    const firstPage = await runs.list({ tag, limit: 2 });
    expect(firstPage.data).toHaveLength(2);
    expect(firstPage.hasNextPage()).toBe(true);

    const secondPage = await firstPage.getNextPage();
    expect(secondPage.data).toHaveLength(2);
    expect(secondPage.data.map((r) => r.id)).not.toContain(firstPage.data[0]!.id);
    expect(secondPage.hasPreviousPage()).toBe(true);

    const seen: string[] = [];
    for await (const run of runs.list({ tag, limit: 2 })) {
      expect(run.tags).toContain(tag);
      expect(run.env.name).toBe("prod");
      seen.push(run.id);
    }
    expect(seen.slice().sort()).toEqual(ids.slice().sort());

    const completed = await runs.list({ tag, status: ["COMPLETED"], taskIdentifier: ["echo"], limit: 50 });
    expect(completed.data.map((r) => r.id).sort()).toEqual(ids.slice().sort());
    const none = await runs.list({ tag, status: ["FAILED"], limit: 50 });
    expect(none.data).toEqual([]);
  });

  // The client merges the new cursor over the page's own params, so going back from a page reached by "next" sends
  // page[after]=<old> AND page[before]=<new>: the latest cursor, page[before], wins.
  it("getPreviousPage after getNextPage gives the first page back", async () => {
    const tag = `back-${crypto.randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 4; i++) await tasks.trigger("echo", { i }, { tags: [tag], delay: "1h" });
    const firstPage = await runs.list({ tag, limit: 2 });
    const secondPage = await firstPage.getNextPage();
    expect((await secondPage.getPreviousPage()).data.map((r) => r.id)).toEqual(firstPage.data.map((r) => r.id));
  });

  it("filters by version and createdAt", async () => {
    const id = (await tasks.trigger("echo", { v: true })).id;
    await waitForRun(id);
    const byVersion = await runs.list({ version: gantry.version, limit: 100 });
    expect(byVersion.data.map((r) => r.id)).toContain(id);
    const byOther = await runs.list({ version: "19990101.1", limit: 100 });
    expect(byOther.data).toEqual([]);
    const future = await runs.list({ from: new Date(Date.now() + 3600_000), limit: 100 });
    expect(future.data).toEqual([]);
  });

  it("filters by isTest, machine and period", async () => {
    const id = (await tasks.trigger("conformance-inspect", { m: 1 }, { machine: "large-1x" })).id;
    await waitForRun(id);
    expect((await runs.list({ machine: "large-1x", limit: 100 })).data.map((r) => r.id)).toEqual([id]);
    expect((await runs.list({ isTest: true, limit: 100 })).data).toEqual([]);
    expect((await runs.list({ isTest: false, period: "1h", limit: 100 })).data.map((r) => r.id)).toContain(id);
  });

  it("lists a project's runs by ref with an env filter", async () => {
    const id = (await tasks.trigger("echo", { byProject: true })).id;
    const page = await runs.list(gantry.platform.api.seed.projectRef, { env: ["prod"], limit: 100 });
    expect(page.data.map((r) => r.id)).toContain(id);
  });
});

describe("runs.cancel, runs.replay", () => {
  it("cancels an executing run", async () => {
    const handle = await tasks.trigger("slow", { ms: 4_000 });
    await waitForRun(handle.id, ["EXECUTING"]);
    const canceled = await runs.cancel(handle.id);
    expect(canceled.id).toBe(handle.id);
    const run = await waitForRun(handle.id);
    expect(run.status).toBe("CANCELED");
    expect(run.isCancelled).toBe(true);
  });

  it("cancels a delayed run before it starts", async () => {
    const handle = await tasks.trigger("echo", {}, { delay: "1h" });
    await runs.cancel(handle.id);
    expect((await runs.retrieve(handle.id)).status).toBe("CANCELED");
  });

  it("replays a run with the same payload", async () => {
    const original = await waitForRun((await tasks.trigger("echo", { replay: 1 })).id);
    const replay = await runs.replay(original.id);
    expect(replay.id).not.toBe(original.id);
    const run = await waitForRun(replay.id);
    expect(run.status).toBe("COMPLETED");
    expect(run.payload).toEqual({ replay: 1 });
  });

  it("replays with a delay override: the new run waits DELAYED", async () => {
    const original = await waitForRun((await tasks.trigger("echo", { replay: "later" })).id);
    const replay = await runs.replay(original.id, { delay: "1h" });
    expect((await runs.retrieve(replay.id)).status).toBe("DELAYED");
    await runs.cancel(replay.id);
  });

  it("replays a run with overrides: payload, tags, metadata and machine", async () => {
    const original = await waitForRun((await tasks.trigger("conformance-inspect", { replay: 1 }, { tags: ["orig"] })).id);
    const replay = await runs.replay(original.id, { payload: { replay: 2 }, tags: ["replayed"], metadata: { r: true }, machine: "medium-1x" });
    const run = await waitForRun(replay.id);
    expect(run.status).toBe("COMPLETED");
    expect(run.payload).toEqual({ replay: 2 });
    expect(run.tags).toEqual(["replayed"]);
    expect(run.metadata).toEqual({ r: true });
    expect((run.output as { machine: string }).machine).toBe("medium-1x");
  });
});

describe("errors the client surfaces", () => {
  it("404 NotFoundError for an unknown run", async () => {
    await expect(runs.retrieve("run_doesnotexist000000000")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("400 BadRequestError naming the option for a delay that is not a duration", async () => {
    const error = await tasks.trigger("echo", {}, { delay: "soonish" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).param ?? (error as Error).message).toMatch(/delay/);
  });

  it("a 4xx for rescheduling a run that is not delayed, and the run is unchanged", async () => {
    const run = await waitForRun((await tasks.trigger("echo", { done: true })).id);
    const status = await runs.reschedule(run.id, { delay: "1h" }).then(
      () => 200,
      (e: { status?: number }) => e.status,
    );
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect((await runs.retrieve(run.id)).status).toBe("COMPLETED");
  });

  it("401 AuthenticationError for a wrong key", async () => {
    configure({ baseURL: gantry.baseURL, secretKey: "tr_prod_wrongwrongwrongwrongwrong" });
    try {
      await expect(tasks.trigger("echo", {})).rejects.toBeInstanceOf(AuthenticationError);
    } finally {
      configure({ baseURL: gantry.baseURL, secretKey: gantry.secretKey });
    }
  });
});
