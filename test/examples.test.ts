// The demo project (examples/) end to end, as `npm start` deploys it: each example runs to completion on a real
// api, runner (process executor), Postgres and Redis, triggered with the very requests `npm start` prints.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { configure, streams } from "@gantry/sdk";
import { deploy } from "../builder/src/deploy/deploy.js";
import { createScheduler } from "../api/src/schedules/scheduler.js";
import { demoRequests, sendDemoRequest, toCurl, type DemoRequest } from "../scripts/demo-commands.js";
import { eventually, startPlatform, type Platform } from "./helpers/platform.js";
import { maxOverlap } from "./helpers/overlap.js";

const ROOT = resolve(import.meta.dirname, "..");
let platform: Platform;
let key: string;

beforeAll(async () => {
  platform = await startPlatform();
  key = platform.api.seed.environments.prod.apiKey;
  await platform.startRunner();
  await deploy({ cwd: join(ROOT, "examples"), apiUrl: platform.api.url, accessToken: platform.api.seed.accessToken, env: "prod", onProgress: () => {} });
  configure({ secretKey: key, baseURL: platform.api.url });
}, 120_000);

afterAll(async () => {
  await platform?.close();
});

const send = (request: DemoRequest) => sendDemoRequest(platform.api.url, key, request);

async function trigger(taskId: string, payload: unknown, options?: Record<string, unknown>): Promise<string> {
  const { status, body } = await send({ method: "POST", path: `/api/v1/tasks/${taskId}/trigger`, body: { payload, options } });
  expect(status, JSON.stringify(body)).toBe(200);
  return body.id;
}

async function finished(runId: string, timeoutMs = 40_000) {
  return eventually(async () => {
    const { body } = await send(demoRequests.readRun(runId));
    return body.isCompleted ? body : undefined;
  }, { timeoutMs, what: `run ${runId} to finish` });
}

/** The runs' own [startedAt, finishedAt] as intervals. */
const spans = (items: Array<{ startedAt: number; finishedAt: number }>) => items.map((i) => ({ start: i.startedAt, end: i.finishedAt }));

describe("the examples npm start prints curl lines for", () => {
  it("hello-world, triggered by the printed curl line, completes with its greeting", async () => {
    const { status, body } = await send(demoRequests.helloWorld());
    expect(status).toBe(200);
    const run = await finished(body.id);
    expect(run.status).toBe("COMPLETED");
    expect(run.output).toEqual({ message: "Hello, Ada!", environment: "prod" });
  });

  it("process-order fans out one child per item; a customer's items never pack more than 2 at a time", async () => {
    const { status, body } = await send(demoRequests.processOrder());
    expect(status).toBe(200);
    const run = await finished(body.id);
    expect(run.status).toBe("COMPLETED");
    expect(run.output.orderId).toBe("ord_1001");
    expect(run.output.failed).toEqual([]);
    const packed = run.output.packed as Array<{ sku: string; quantity: number; startedAt: number; finishedAt: number }>;
    expect(packed.map((p) => p.sku)).toEqual(["mug", "tee", "cap", "pin"]);
    expect(maxOverlap(spans(packed))).toBe(2); // side by side, and never more than the queue's limit
    // the children really ran on the fulfilment queue as child runs of the order
    const children = (await send({ method: "GET", path: `/api/v1/runs?filter[tag]=order:ord_1001&page[size]=50` })).body.data;
    expect(children).toHaveLength(4);
    for (const child of children) {
      const detail = (await send(demoRequests.readRun(child.id))).body;
      expect(detail.taskIdentifier).toBe("fulfil-item");
      expect(detail.relatedRuns.parent?.id ?? detail.relatedRuns.root?.id).toBe(run.id);
    }
  });

  it("the printed batch line: two customers' orders and a summary, each customer limited to 2 packing at once", async () => {
    const { status, body } = await send(demoRequests.batch());
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.batchId).toMatch(/^batch_/);
    expect(body.runs).toHaveLength(3);
    const [ada, bob, summary] = await Promise.all((body.runs as Array<{ id: string } | string>).map((r) => finished(typeof r === "string" ? r : r.id)));
    for (const order of [ada!, bob!]) {
      expect(order.status).toBe("COMPLETED");
      expect(order.output.packed).toHaveLength(3);
      expect(maxOverlap(spans(order.output.packed))).toBeLessThanOrEqual(2);
    }
    // each customer has its own copy of the limit: one customer's order does not hold up the other's
    expect(maxOverlap(spans([...ada!.output.packed, ...bob!.output.packed]))).toBeGreaterThan(2);
    expect([ada!.output.customerId, bob!.output.customerId]).toEqual(["cus_ada", "cus_bob"]);
    expect(summary!.status).toBe("COMPLETED");
    expect(summary!.output.summary).toBe("Gantry runs your background tasks on your own machines.");
  });

  it("approve-refund waits for its token; the printed complete line (plain fetch) resumes it with the answer", async () => {
    const { status, body } = await send(demoRequests.approveRefund());
    expect(status).toBe(200);
    const waiting = await eventually(async () => {
      const run = (await send(demoRequests.readRun(body.id))).body;
      return run.status === "WAITING" && run.metadata?.tokenId ? run : undefined;
    }, { what: "the refund to wait with its token in metadata" });
    expect(waiting.metadata.tokenId).toMatch(/^waitpoint_/);
    expect(waiting.metadata.status).toBe("waiting for approval");
    // its log says how to approve it too (the dashboard's run page shows the same line)
    await eventually(async () => {
      const events = JSON.stringify((await send({ method: "GET", path: `/api/v1/runs/${body.id}/events` })).body);
      return events.includes("Waiting for approval") && events.includes(`curl -X POST '${waiting.metadata.approveUrl}'`) ? true : undefined;
    }, { what: "the approval's log line" });

    const completed = await send(demoRequests.completeToken(waiting.metadata.tokenId));
    expect(completed).toEqual({ status: 200, body: { success: true } });
    const run = await finished(body.id);
    expect(run.status).toBe("COMPLETED");
    expect(run.output).toEqual({ orderId: "ord_1001", refunded: true, amountCents: 1999, note: "approved by Ada" });
    expect(run.metadata.status).toBe("approved");
  });

  it("approve-refund's callback URL (from its metadata) completes it without a key; a rejection refunds nothing", async () => {
    const id = await trigger("approve-refund", { orderId: "ord_7", amountCents: 500 });
    const waiting = await eventually(async () => {
      const run = (await send(demoRequests.readRun(id))).body;
      return run.status === "WAITING" && run.metadata?.approveUrl ? run : undefined;
    }, { what: "the refund to wait" });
    const response = await fetch(waiting.metadata.approveUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ approved: false }) });
    expect(response.status).toBe(200);
    const run = await finished(id);
    expect(run.output).toEqual({ orderId: "ord_7", refunded: false, amountCents: 0 });
    expect(run.metadata.status).toBe("rejected");
  });
});

describe("the other new examples", () => {
  it("summarize streams its summary word by word and ends with progress 1 in its metadata", async () => {
    const text = "Queues keep work moving even when a server restarts. Nobody reads this sentence.";
    const id = await trigger("summarize", { text, delayMs: 20 });
    const run = await finished(id);
    expect(run.status).toBe("COMPLETED");
    expect(run.output).toEqual({ summary: "Queues keep work moving even when a server restarts.", words: 9 });
    expect(run.metadata.progress).toBe(1);
    const chunks: string[] = [];
    for await (const chunk of streams.read<string>(id, "summary", { timeoutInSeconds: 5 })) chunks.push(chunk);
    expect(chunks).toHaveLength(9);
    expect(chunks.join("").trim()).toBe(run.output.summary);
  });

  it("process-order is a schemaTask: a bad order fails on its first attempt; an idempotency key gives the same run", async () => {
    const bad = await finished(await trigger("process-order", { orderId: "ord_bad", customerId: "cus_ada", items: [] }));
    expect(bad.status).toBe("FAILED");
    expect(bad.attemptCount).toBe(1);
    expect(bad.error.message).toMatch(/items/);

    const payload = { orderId: "ord_once", customerId: "cus_eve", items: [{ sku: "mug", quantity: 1 }], packMs: 0 };
    const first = await trigger("process-order", payload, { idempotencyKey: "ord_once" });
    const second = await trigger("process-order", payload, { idempotencyKey: "ord_once" });
    expect(second).toBe(first);
    expect((await finished(first)).output.packed).toHaveLength(1);
  });

  it("hourly-digest's declarative schedule is created by the deploy and its tick runs the task", async () => {
    const list = (await send({ method: "GET", path: "/api/v1/schedules?perPage=100" })).body;
    const schedule = list.data.find((s: { task: string }) => s.task === "hourly-digest");
    expect(schedule).toMatchObject({ type: "DECLARATIVE", active: true, generator: { type: "CRON", expression: "0 * * * *" } });

    // the scheduler with its clock two hours ahead: a top of the hour the api's own scheduler cannot have fired yet
    const ahead = new Date(Date.now() + 2 * 3600_000);
    const tick = new Date(ahead);
    tick.setUTCMinutes(0, 0, 0);
    const report = await createScheduler(platform.api.deps, { clock: () => ahead }).runOnce();
    expect(report.fired).toBeGreaterThanOrEqual(1);
    const run = await eventually(async () => {
      const page = (await send({ method: "GET", path: `/api/v1/runs?filter[schedule]=${schedule.id}&page[size]=10` })).body;
      for (const { id } of page.data as Array<{ id: string }>) {
        const candidate = (await send(demoRequests.readRun(id))).body;
        if (candidate.isCompleted && candidate.output?.tick === tick.toISOString()) return candidate;
      }
      return undefined;
    }, { what: `the ${tick.toISOString()} tick's run to finish` });
    expect(run.status).toBe("COMPLETED");
    expect(run.output).toEqual({ tick: tick.toISOString(), scheduleId: schedule.id, next: new Date(tick.getTime() + 3600_000).toISOString() });
  });
});

describe("the lines npm start prints", () => {
  it("are valid shell: pasted into bash, curl triggers the task and the batch", async () => {
    const paste = async (request: DemoRequest) => JSON.parse((await promisify(execFile)("bash", ["-c", toCurl(platform.api.url, key, request)])).stdout);
    const hello = await paste(demoRequests.helloWorld());
    expect((await finished(hello.id)).output.message).toBe("Hello, Ada!");
    const batch = await paste(demoRequests.batch());
    expect(batch.runs).toHaveLength(3);
    const runs = await Promise.all((batch.runs as Array<{ id: string } | string>).map((r) => finished(typeof r === "string" ? r : r.id)));
    expect(runs.map((r) => r.status)).toEqual(["COMPLETED", "COMPLETED", "COMPLETED"]);
  });
});
