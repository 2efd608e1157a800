import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../testing/test-db.js";
import { ChangeHorizon } from "./change-horizon.js";

let db: TestDb;

beforeAll(async () => {
  db = await createTestDb();
});

afterAll(async () => {
  await db?.drop();
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stamp = async (sql: TestDb["sql"] | Awaited<ReturnType<TestDb["sql"]["reserve"]>>) =>
  BigInt((await sql`select nextval('runs_change_seq')::text as s`)[0]!.s);

describe("the change horizon", () => {
  it("stays below a stamp whose transaction is open, while later stamps commit, and passes them all once it ends", async () => {
    const horizon = new ChangeHorizon(db.sql);
    const open = await db.sql.reserve();
    try {
      await open`begin`;
      // what an INSERT or UPDATE of runs does: take the table's write lock, then a stamp
      await open`lock table runs in row exclusive mode`;
      const held = await stamp(open);
      const later = await stamp(db.sql); // committed at once, stamped above the open one
      expect(later).toBeGreaterThan(held);
      for (let i = 0; i < 5; i++) {
        await horizon.sample();
        await pause(250);
      }
      expect(horizon.floor).toBeLessThan(held);
      await open`commit`;
    } finally {
      open.release();
    }
    const last = await stamp(db.sql);
    // no other writer in this database: two samples suffice
    await horizon.sample();
    expect(horizon.floor).toBeGreaterThanOrEqual(last);
  });
});
