// The official @trigger.dev/sdk 4.x management calls beyond runs: environment variables, schedules, batches,
// queues, bulk actions, waitpoint tokens, idempotency-key reset, deployments, and the client's ways to configure.
// Every call here must pass: a route that disappears fails its test.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { deploy } from "../../builder/src/deploy/deploy.js";
import {
  BadRequestError,
  batch,
  deployments,
  envvars,
  idempotencyKeys,
  NotFoundError,
  PermissionDeniedError,
  queues,
  runs,
  schedules,
  TriggerClient,
  tasks,
  wait,
} from "@trigger.dev/sdk";
import { eventually } from "../helpers/platform.js";
import { startConformancePlatform, waitForRun, type ConformancePlatform } from "./conformance-platform.js";

let gantry: ConformancePlatform;
let ref: string;

beforeAll(async () => {
  gantry = await startConformancePlatform();
  ref = gantry.platform.api.seed.projectRef;
}, 180_000);

afterAll(async () => {
  await gantry?.platform.close();
});

describe("envvars", () => {
  it("create, list, retrieve, update, del", async () => {
    const created = await envvars.create(ref, "prod", { name: "CONF_A", value: "one" });
    expect(created.success).toBe(true);
    expect(await envvars.list(ref, "prod")).toContainEqual({ name: "CONF_A", value: "one", isSecret: false });
    expect(await envvars.retrieve(ref, "prod", "CONF_A")).toMatchObject({ name: "CONF_A", value: "one" });

    // envvars.update of @trigger.dev/sdk 4.8.3 throws "ReferenceError: name is not defined" outside a task (its
    // dist/esm/v3/envvars.js assigns `$name = name`), so send the request it means to send
    const updated = await fetch(`${gantry.baseURL}/api/v1/projects/${ref}/envvars/prod/CONF_A`, {
      method: "PUT",
      headers: { authorization: `Bearer ${gantry.secretKey}`, "content-type": "application/json" },
      body: JSON.stringify({ value: "two" }),
    });
    expect(await updated.json()).toEqual({ success: true });
    expect((await envvars.retrieve(ref, "prod", "CONF_A")).value).toBe("two");
    // a secret key manages its own environment's variables only
    await expect(envvars.list(ref, "staging")).rejects.toBeInstanceOf(PermissionDeniedError);

    await envvars.del(ref, "prod", "CONF_A");
    expect((await envvars.list(ref, "prod")).map((v) => v.name)).not.toContain("CONF_A");
    await expect(envvars.retrieve(ref, "prod", "CONF_A")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("a personal access token manages every environment's variables", async () => {
    const pat = new TriggerClient({ baseURL: gantry.baseURL, secretKey: gantry.platform.api.seed.accessToken });
    await pat.envvars.create(ref, "staging", { name: "PAT_SET", value: "s" });
    expect(await pat.envvars.list(ref, "staging")).toContainEqual({ name: "PAT_SET", value: "s", isSecret: false });
    expect((await pat.envvars.list(ref, "prod")).map((v) => v.name)).not.toContain("PAT_SET");
    await pat.envvars.del(ref, "staging", "PAT_SET");
  });

  it("upload imports many, overriding only when asked", async () => {
    await envvars.upload(ref, "prod", { variables: { UP_A: "1", UP_B: "2" }, override: false });
    await envvars.upload(ref, "prod", { variables: { UP_A: "changed", UP_C: "3" }, override: false });
    const kept = Object.fromEntries((await envvars.list(ref, "prod")).map((v) => [v.name, v.value]));
    expect(kept).toMatchObject({ UP_A: "1", UP_B: "2", UP_C: "3" });
    await envvars.upload(ref, "prod", { variables: { UP_A: "changed" }, override: true });
    expect((await envvars.retrieve(ref, "prod", "UP_A")).value).toBe("changed");
  });

  it("a variable set with the client reaches the next run's process.env", async () => {
    await envvars.create(ref, "prod", { name: "E2E_MARKER", value: "set-by-official-sdk" });
    try {
      const run = await waitForRun((await tasks.trigger("echo", {})).id);
      expect(run.output).toMatchObject({ env: "set-by-official-sdk" });
    } finally {
      await envvars.del(ref, "prod", "E2E_MARKER");
    }
  });
});

describe("schedules", () => {
  it("create (deduplicated), retrieve, update, deactivate, activate, del", async () => {
    const dedup = `conf-${crypto.randomUUID()}`;
    const created = await schedules.create({ task: "conformance-scheduled", cron: "0 * * * *", externalId: "user-1", deduplicationKey: dedup });
    expect(created.id).toMatch(/^sched_/);
    expect(created).toMatchObject({ type: "IMPERATIVE", task: "conformance-scheduled", active: true, externalId: "user-1", timezone: "UTC" });
    expect(created.generator).toMatchObject({ type: "CRON", expression: "0 * * * *" });
    expect(created.nextRun!.getTime()).toBeGreaterThan(Date.now());
    expect(created.environments.map((e) => e.type)).toEqual(["PRODUCTION"]);

    const again = await schedules.create({ task: "conformance-scheduled", cron: "30 * * * *", deduplicationKey: dedup });
    expect(again.id).toBe(created.id);
    expect(again.generator.expression).toBe("30 * * * *");

    expect((await schedules.retrieve(created.id)).id).toBe(created.id);
    const updated = await schedules.update(created.id, { task: "conformance-scheduled", cron: "0 0 * * *", timezone: "Europe/London", externalId: "user-2" });
    expect(updated).toMatchObject({ timezone: "Europe/London", externalId: "user-2" });
    expect(updated.generator.expression).toBe("0 0 * * *");

    expect((await schedules.deactivate(created.id)).active).toBe(false);
    expect((await schedules.activate(created.id)).active).toBe(true);
    await schedules.del(created.id);
    await expect(schedules.retrieve(created.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("list pages through every schedule", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await schedules.create({ task: "conformance-scheduled", cron: `${i} 1 * * *`, deduplicationKey: `page-${i}-${crypto.randomUUID()}` });
      ids.push(created.id);
    }
    const seen: Array<{ id: string; type: string; task: string }> = [];
    for await (const schedule of schedules.list({ perPage: 2 })) seen.push(schedule);
    expect(seen.map((s) => s.id)).toEqual(expect.arrayContaining(ids));
    expect(new Set(seen.map((s) => s.id)).size).toBe(seen.length);
  });

  // fixture-tasks.ts deploys `conformance-declarative` with cron "0 5 * * *"
  it("a deployed schedules.task with a cron shows up as a DECLARATIVE schedule", async () => {
    const seen: Array<{ type: string; task: string; generator: { expression: string } }> = [];
    for await (const schedule of schedules.list()) seen.push(schedule);
    expect(seen).toContainEqual(expect.objectContaining({ type: "DECLARATIVE", task: "conformance-declarative", generator: expect.objectContaining({ expression: "0 5 * * *" }) }));
  });

  it("rejects an invalid cron with a 4xx naming the problem", async () => {
    const status = await schedules
      .create({ task: "conformance-scheduled", cron: "not a cron", deduplicationKey: `bad-${crypto.randomUUID()}` })
      .then(
        () => 200,
        (e: { status?: number }) => e.status,
      );
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
  });

  it("timezones lists IANA zones", async () => {
    const result = await schedules.timezones();
    expect(result.timezones).toContain("Europe/London");
  });
});

describe("batches", () => {
  it("tasks.batchTrigger creates one run per item, each with its own payload and options", async () => {
    const tag = `batch-${crypto.randomUUID().slice(0, 8)}`;
    const handle = await tasks.batchTrigger("echo", [{ payload: { item: 0 } }, { payload: { item: 1 }, options: { tags: [tag] } }, { payload: { item: 2 } }]);
    expect(handle.batchId).toMatch(/^batch_/);
    expect(handle.runCount).toBe(3);

    const listed = await runs.list({ batch: handle.batchId, limit: 10 });
    expect(listed.data).toHaveLength(3);
    const done = await Promise.all(listed.data.map((r) => waitForRun(r.id)));
    expect(done.map((r) => (r.payload as { item: number }).item).sort()).toEqual([0, 1, 2]);
    expect(done.every((r) => r.status === "COMPLETED")).toBe(true);
    expect(done.find((r) => (r.payload as { item: number }).item === 1)!.tags).toEqual([tag]);

    const retrieved = await batch.retrieve(handle.batchId);
    expect(retrieved.runCount).toBe(3);
    expect(retrieved.runs.slice().sort()).toEqual(listed.data.map((r) => r.id).sort());
  });

  it("the same batch idempotencyKey gives back the same batch", async () => {
    const key = `batch-key-${crypto.randomUUID()}`;
    const first = await tasks.batchTrigger("echo", [{ payload: { k: 1 } }], { idempotencyKey: key });
    const second = await tasks.batchTrigger("echo", [{ payload: { k: 1 } }], { idempotencyKey: key });
    expect(second.batchId).toBe(first.batchId);
    expect((await runs.list({ batch: first.batchId, limit: 10 })).data).toHaveLength(1);
  });
});

describe("flow control", () => {
  it("queues.pause holds a task's new runs in the queue; queues.resume lets them run", async () => {
    const paused = await queues.pause({ type: "task", name: "conformance-inspect" });
    expect(paused.paused).toBe(true);
    try {
      const handle = await tasks.trigger("conformance-inspect", { whilePaused: true });
      await new Promise((r) => setTimeout(r, 1_500));
      expect((await runs.retrieve(handle.id)).status).toBe("QUEUED");
      expect((await queues.resume({ type: "task", name: "conformance-inspect" })).paused).toBe(false);
      expect((await waitForRun(handle.id)).status).toBe("COMPLETED");
    } finally {
      await queues.resume({ type: "task", name: "conformance-inspect" }).catch(() => {});
    }
    const listed: Array<{ name: string; type: string }> = [];
    for await (const queue of queues.list()) listed.push(queue);
    // as upstream's API answers: a task queue's name without its `task/` prefix, with type "task"
    expect(listed.find((q) => q.name === "conformance-inspect")).toMatchObject({ type: "task" });
  });

  it("idempotencyKeys.reset frees a key so the next trigger makes a new run", async () => {
    const key = `reset-${crypto.randomUUID()}`;
    const first = await tasks.trigger("echo", { r: 1 }, { idempotencyKey: key });
    // outside a task a plain key is hashed alone, which is the "global" scope for reset
    await idempotencyKeys.reset("echo", key, { scope: "global" });
    const second = await tasks.trigger("echo", { r: 2 }, { idempotencyKey: key });
    expect(second.id).not.toBe(first.id);
  });

  it("runs.bulk.cancel cancels the listed runs and reports it done", async () => {
    const ids = await Promise.all([1, 2].map(async (i) => (await tasks.trigger("echo", { bulk: i }, { delay: "1h" })).id));
    const action = await runs.bulk.cancel({ runIds: ids });
    const done = await runs.bulk.poll(action.id, { pollIntervalMs: 200 });
    expect(done.status).toBe("COMPLETED");
    for (const id of ids) expect((await runs.retrieve(id)).status).toBe("CANCELED");
  });
});

describe("waitpoint tokens from outside a task", () => {
  it("wait.createToken, wait.completeToken, wait.retrieveToken", async () => {
    const token = await wait.createToken({ timeout: "1h", tags: ["conf"] });
    expect(token.id).toMatch(/^waitpoint_/);
    expect((await wait.retrieveToken(token.id)).status).toBe("WAITING");
    expect(await wait.completeToken(token.id, { approved: true })).toEqual({ success: true });
    const completed = await wait.retrieveToken<{ approved: boolean }>(token.id);
    expect(completed.status).toBe("COMPLETED");
    expect(completed.output).toEqual({ approved: true });
  });
});

describe("deployments", () => {
  it("deployments.retrieveCurrent and deployments.list answer the environment's promoted version", async () => {
    const current = await deployments.retrieveCurrent();
    expect(current).toMatchObject({ version: gantry.version, status: "DEPLOYED" });
    const listed: Array<{ version: string }> = [];
    for await (const deployment of deployments.list({ limit: 10 })) listed.push(deployment);
    expect(listed.map((d) => d.version)).toContain(gantry.version);
  });
});

describe("configuring the client", () => {
  it("a TriggerClient instance talks to its own environment, beside the global configure()", async () => {
    const staging = new TriggerClient({ baseURL: gantry.baseURL, secretKey: gantry.platform.api.seed.environments.staging.apiKey });
    const handle = await staging.tasks.trigger("echo", { via: "instance" });
    // staging has no deployed version: the run waits there, and prod's key does not see it
    expect((await staging.runs.retrieve(handle.id)).status).toBe("PENDING_VERSION");
    await expect(runs.retrieve(handle.id)).rejects.toBeInstanceOf(NotFoundError);
    await staging.runs.cancel(handle.id);
  });

  it("TRIGGER_API_URL and TRIGGER_SECRET_KEY alone configure it (a plain Node script, no configure())", async () => {
    const script = `import { tasks } from "@trigger.dev/sdk"; const h = await tasks.trigger("echo", { from: "env" }); console.log(JSON.stringify({ id: h.id }));`;
    // asynchronously: the api serves from this very process
    const child = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
      cwd: resolve(import.meta.dirname, "../.."),
      env: { PATH: process.env.PATH ?? "", TRIGGER_API_URL: gantry.baseURL, TRIGGER_SECRET_KEY: gantry.secretKey },
      timeout: 30_000,
    });
    const { id } = JSON.parse(child.stdout.trim().split("\n").pop()!) as { id: string };
    expect((await waitForRun(id)).payload).toEqual({ from: "env" });
  });
});

describe("preview branches", () => {
  it("previewBranch on the client sends x-trigger-branch: runs go to that branch's deployment", { timeout: 120_000 }, async () => {
    const dir = resolve(import.meta.dirname, "../.tmp", `conformance-preview-${crypto.randomUUID().slice(0, 8)}`);
    mkdirSync(dir, { recursive: true });
    cpSync(resolve(import.meta.dirname, "../fixtures/e2e-project"), dir, { recursive: true });
    try {
      const deployed = await deploy({ cwd: dir, apiUrl: gantry.baseURL, accessToken: gantry.platform.api.seed.accessToken, env: "preview", branch: "feature-x", onProgress: () => {} });
      const previewKey = gantry.platform.api.seed.environments.preview.apiKey;
      const branch = new TriggerClient({ baseURL: gantry.baseURL, secretKey: previewKey, previewBranch: "feature-x" });
      const handle = await branch.tasks.trigger("echo", { branch: true });
      const run = await eventually(async () => {
        const r = await branch.runs.retrieve(handle.id);
        return r.status === "COMPLETED" ? r : undefined;
      });
      expect((run.output as { version: string }).version).toBe((deployed as { version: string }).version);

      const noBranch = new TriggerClient({ baseURL: gantry.baseURL, secretKey: previewKey });
      await expect(noBranch.tasks.trigger("echo", {})).rejects.toBeInstanceOf(BadRequestError);
      const otherBranch = new TriggerClient({ baseURL: gantry.baseURL, secretKey: previewKey, previewBranch: "never-deployed" });
      await expect(otherBranch.tasks.trigger("echo", {})).rejects.toBeInstanceOf(NotFoundError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
