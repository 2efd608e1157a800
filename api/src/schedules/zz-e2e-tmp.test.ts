import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it, vi } from "vitest";
import { startPlatform, type Platform } from "../../../test/helpers/platform.js";
import { createScheduler } from "./scheduler.js";

let p: Platform;
afterAll(async () => p?.close());

it("a scheduled run executes with Dates in its payload", async () => {
  p = await startPlatform();
  await p.deployProject({
    edit: (dir) =>
      writeFileSync(
        join(dir, "src/trigger/sched.ts"),
        `import { schedules } from "@gantry/sdk";
export const every = schedules.task({ id: "every-minute", cron: { pattern: "* * * * *", timezone: "Europe/Paris" }, run: async (p) => ({ isDate: p.timestamp instanceof Date, ts: p.timestamp.toISOString(), up: p.upcoming.length, upDate: p.upcoming[0] instanceof Date, sched: p.scheduleId, tz: p.timezone, type: (p as any).type }) });
`,
      ),
  });
  const rows = await p.api.deps.sql`select id, type, cron, timezone, next_tick_at from schedules`;
  console.log(rows);
  expect(rows).toHaveLength(1);
  await p.startRunner();
  const at = new Date(rows[0]!.next_tick_at.getTime() + 1000);
  const rep = await createScheduler(p.api.deps, { clock: () => at }).runOnce();
  console.log(rep);
  await vi.waitFor(async () => {
    const [r] = await p.api.deps.sql`select status, output from runs where schedule_id = ${rows[0]!.id}`;
    expect(r?.status).toBe("COMPLETED");
    console.log(r);
  }, { timeout: 60_000, interval: 200 });
}, 120_000);
