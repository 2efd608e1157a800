import { afterAll, beforeAll, describe, expect, it } from "vitest";
import postgres from "postgres";
import { appendFileSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDatabase, migrate, MIGRATIONS_DIR, readMigrations } from "./migrate.js";
import { TEST_POSTGRES_URL, testDbUrl } from "../testing/test-env.js";
import { createTestDb, type TestDb } from "../testing/test-db.js";

describe("migrate", () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    await db.drop();
  });

  it("the cloned template has every migration applied", async () => {
    const rows = await db.sql<{ id: number }[]>`select id from schema_migrations order by id`;
    expect(rows.map((r) => r.id)).toEqual(readMigrations().map((m) => m.id));
    const [t] = await db.sql`select to_regclass('public.runs') as runs, to_regclass('public.env_vars') as env_vars`;
    expect(t).toEqual({ runs: "runs", env_vars: "env_vars" });
  });

  it("every pooled connection forces custom plans (batched statements stay on index plans)", async () => {
    const rows = await Promise.all([1, 2, 3].map(() => db.sql<{ plan_cache_mode: string }[]>`show plan_cache_mode`));
    for (const [row] of rows) expect(row!.plan_cache_mode).toBe("force_custom_plan");
  });

  it("running it again, even concurrently, changes nothing and does not fail", async () => {
    await Promise.all([migrate(db.sql), migrate(db.sql), migrate(db.sql)]);
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from schema_migrations`;
    expect(row!.n).toBe(readMigrations().length);
  });
});

describe("forward-only migrations", () => {
  it("a migration edited after it was applied stops migrate with the fix, and changes nothing", async () => {
    const db = await createTestDb();
    const dir = mkdtempSync(join(tmpdir(), "gantry-migrations-"));
    try {
      await migrate(db.sql);
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      appendFileSync(join(dir, "0001_init.sql"), "\ncreate table sneaky (id int);\n");
      await expect(migrate(db.sql, dir)).rejects.toThrow(/0001_init\.sql changed after it was applied.*add the change as a new migration/);
      const [row] = await db.sql`select to_regclass('public.sneaky') as t`;
      expect(row!.t).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await db.drop();
    }
  });
});

describe("ensureDatabase", () => {
  it("creates a missing database once, and names the fix when Postgres is unreachable", async () => {
    const name = `gantry_test_ensure_${Date.now().toString(36)}`;
    const admin = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
    try {
      await ensureDatabase(testDbUrl(name));
      await ensureDatabase(testDbUrl(name));
      const rows = await admin`select 1 from pg_database where datname = ${name}`;
      expect(rows.length).toBe(1);
    } finally {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
    await expect(ensureDatabase("postgres://postgres@127.0.0.1:1/gantry")).rejects.toThrow(/start Postgres .* or set DATABASE_URL/);
  });
});
