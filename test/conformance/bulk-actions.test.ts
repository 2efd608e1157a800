// Bulk actions with the official @trigger.dev/sdk (`runs.bulk.*`) and Gantry's SDK against a real Gantry: the
// api works through the selected runs in the background (chunks of 2 here, so several chunks run), reports
// counts, records the runs it touched (`runs.list({ bulkAction })`), and stops on abort.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { BadRequestError, configure, runs, tasks } from "@trigger.dev/sdk";
import { configure as gantryConfigure, runs as gantryRuns, tasks as gantryTasks } from "@gantry/sdk";
import { eventually, startPlatform, type Platform } from "../helpers/platform.js";
import { waitForRun } from "./conformance-platform.js";

let platform: Platform;
let secretKey: string;

beforeAll(async () => {
  // the conformance platform with small chunks, so an action spans several
  platform = await startPlatform({ apiEnv: { GANTRY_BULK_ACTION_CHUNK_SIZE: "2" } });
  await platform.startRunner();
  await platform.deployProject({
    edit: (dir) => copyFileSync(join(import.meta.dirname, "fixture-tasks.ts"), join(dir, "src/trigger/conformance.ts")),
  });
  secretKey = platform.api.seed.environments.prod.apiKey;
  configure({ baseURL: platform.api.url, secretKey });
  gantryConfigure({ baseURL: platform.api.url, secretKey });
}, 180_000);

afterAll(async () => {
  await platform?.close();
});

const delayed = async (n: number, tag: string) =>
  Promise.all(Array.from({ length: n }, async (_, i) => (await tasks.trigger("echo", { i }, { delay: "1h", tags: [tag] })).id));

describe("official client runs.bulk", () => {
  it("cancel by run ids: poll until COMPLETED, counts, and runs.list by bulkAction", async () => {
    const ids = await delayed(5, "bulk-ids");
    const created = await runs.bulk.cancel({ runIds: ids, name: "five" });
    expect(created.id).toMatch(/^bulk_/);
    const done = await runs.bulk.poll(created.id, { pollIntervalMs: 100 });
    expect(done).toMatchObject({ id: created.id, type: "CANCEL", status: "COMPLETED", name: "five", counts: { total: 5, success: 5, failure: 0 } });
    expect(done.completedAt).toBeInstanceOf(Date);
    for (const id of ids) expect((await runs.retrieve(id)).status).toBe("CANCELED");

    const touched: string[] = [];
    for await (const run of runs.list({ bulkAction: created.id })) touched.push(run.id);
    expect(touched.sort()).toEqual([...ids].sort());
  });

  it("cancel by filter counts already-finished runs as failures", async () => {
    const ids = await delayed(3, "bulk-filter");
    await runs.cancel(ids[0]!);
    const created = await runs.bulk.cancel({ filter: { tag: "bulk-filter", taskIdentifier: "echo" } });
    const done = await runs.bulk.poll(created.id, { pollIntervalMs: 100 });
    expect(done).toMatchObject({ status: "COMPLETED", counts: { total: 3, success: 2, failure: 1 } });
  });

  it("replay by filter: one new run per selected run, which runs to completion", async () => {
    const originals = await Promise.all([1, 2, 3].map(async (i) => (await tasks.trigger("echo", { replayMe: i }, { tags: ["bulk-replay"] })).id));
    for (const id of originals) await waitForRun(id);
    const created = await runs.bulk.replay({ filter: { tag: ["bulk-replay"], status: ["COMPLETED"] } });
    const done = await runs.bulk.poll(created.id, { pollIntervalMs: 100 });
    expect(done).toMatchObject({ type: "REPLAY", status: "COMPLETED", counts: { total: 3, success: 3, failure: 0 } });

    // the replays carry the originals' tags; the action's own replays were not selected again
    const tagged: Array<{ id: string; status: string }> = [];
    for await (const run of runs.list({ tag: "bulk-replay" })) tagged.push(run);
    expect(tagged).toHaveLength(6);
    const replays = tagged.filter((r) => !originals.includes(r.id));
    for (const r of replays) expect((await waitForRun(r.id)).status).toBe("COMPLETED");
  });

  it("abort: the action ends ABORTED after the chunk under way; the remaining runs are untouched", async () => {
    const ids = await delayed(10, "bulk-abort");
    const sql = platform.api.deps.sql;
    // hold the runs' row locks, so the worker's first chunk (2 runs) waits inside its cancels: the abort then
    // deterministically lands while a chunk is under way
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const lockedNow = new Promise<void>((resolve) => (locked = resolve));
    const tx = sql.begin(async (t) => {
      await t`select id from runs where id = any(${ids}) for update`;
      locked();
      await held;
    });
    await lockedNow;
    let created: { id: string } | undefined;
    try {
      created = await runs.bulk.cancel({ runIds: ids });
      await eventually(
        async () => {
          // leased (RUNNING), and a backend of this database waiting for a lock: the chunk's cancels on our runs
          const [row] = await sql<{ running: boolean; waiting: number }[]>`
            select (select status = 'RUNNING' from bulk_actions where id = ${created!.id}) as running,
              (select count(*)::int from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock') as waiting`;
          return row!.running && row!.waiting > 0 ? true : undefined;
        },
        { what: "the worker's first chunk to wait on the locked runs" },
      );
      const aborted = await runs.bulk.abort(created.id);
      expect(aborted.id).toBe(created.id);
      expect((await runs.bulk.retrieve(created.id)).status).toBe("ABORTED");
    } finally {
      release();
      await tx;
    }
    // the chunk under way finishes and is counted; nothing after it runs
    const action = await eventually(async () => {
      const a = await runs.bulk.retrieve(created!.id);
      return a.counts.success + a.counts.failure === 2 ? a : undefined;
    });
    expect(action).toMatchObject({ status: "ABORTED", counts: { total: 10, success: 2, failure: 0 } });
    const statuses = await Promise.all(ids.map(async (id) => (await runs.retrieve(id)).status));
    expect(statuses.filter((s) => s === "CANCELED")).toHaveLength(2);
    expect(statuses.filter((s) => s === "DELAYED")).toHaveLength(8);
  });

  it("list pages through the environment's actions, newest first", async () => {
    const page = await runs.bulk.list({ limit: 2 });
    expect(page.data).toHaveLength(2);
    const all: string[] = [];
    for await (const action of runs.bulk.list({ limit: 2 })) all.push(action.id);
    expect(all.length).toBeGreaterThanOrEqual(4);
    expect(all.slice(0, 2)).toEqual(page.data.map((a) => a.id));
  });

  it("bad input is a BadRequestError naming the field", async () => {
    const error = await runs.bulk.cancel({ filter: { status: "SLEEPING" as never } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).param).toBe("filter.status");
  });
});

describe("Gantry SDK runs.bulk", () => {
  it("cancel, poll, retrieve with progress, list the touched runs", async () => {
    const ids = await Promise.all([1, 2, 3].map(async (i) => (await gantryTasks.trigger("echo", { i }, { delay: "1h" })).id));
    const created = await gantryRuns.bulk.cancel({ runIds: ids });
    expect(created).toMatchObject({ type: "CANCEL", counts: { total: 3 } });
    const done = await gantryRuns.bulk.poll(created.id, { pollIntervalMs: 100 });
    expect(done).toMatchObject({ status: "COMPLETED", state: "COMPLETED", processed: 3, counts: { success: 3 } });
    const touched: string[] = [];
    for await (const run of gantryRuns.list({ bulkAction: created.id })) touched.push(run.id);
    expect(touched.sort()).toEqual([...ids].sort());
    expect((await gantryRuns.bulk.retrieve(created.id)).id).toBe(created.id);
  });
});
