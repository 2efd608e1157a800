import postgres from "postgres";
import { createSql } from "../db/sql.js";
import { migrate, migrationsHash } from "../db/migrate.js";
import { TEMPLATE_DB, TEST_DB_PREFIX, TEST_POSTGRES_URL, testDbUrl } from "./test-env.js";

/** Serialises template (re)builds across concurrent `vitest` processes. */
const TEMPLATE_LOCK_ID = 7_482_301_118;

/**
 * vitest globalSetup: makes sure `gantry_test_template` exists and carries the current migrations (keyed by a
 * hash of the migration files, stored as the database's comment). Each test file then clones it (test-db.ts).
 */
export default async function setup(): Promise<void> {
  await ensureTemplate();
  await dropAbandonedTestDbs();
}

/** Test databases older than two hours were left by killed runs (a live test file lasts seconds). */
export async function dropAbandonedTestDbs(maxAgeMs = 2 * 3600_000): Promise<void> {
  const admin = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
  try {
    const rows = await admin<{ datname: string }[]>`select datname from pg_database`;
    for (const name of abandonedTestDbs(rows.map((r) => r.datname), Date.now(), maxAgeMs)) {
      await admin.unsafe(`drop database if exists "${name}" with (force)`).catch(() => {});
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
}

export async function ensureTemplate(): Promise<void> {
  const hash = migrationsHash();
  const admin = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
  try {
    await admin`select pg_advisory_lock(${TEMPLATE_LOCK_ID})`;
    const [row] = await admin<{ comment: string | null }[]>`
      select shobj_description(oid, 'pg_database') as comment from pg_database where datname = ${TEMPLATE_DB}`;
    if (row && row.comment === `migrations:${hash}`) return;
    if (row) await admin.unsafe(`drop database ${TEMPLATE_DB} with (force)`);
    await admin.unsafe(`create database ${TEMPLATE_DB}`);
    const sql = createSql(testDbUrl(TEMPLATE_DB), { max: 1 });
    try {
      await migrate(sql);
    } finally {
      await sql.end({ timeout: 5 });
    }
    await admin.unsafe(`comment on database ${TEMPLATE_DB} is 'migrations:${hash}'`);
  } finally {
    await admin`select pg_advisory_unlock(${TEMPLATE_LOCK_ID})`.catch(() => {});
    await admin.end({ timeout: 5 });
  }
}

/** Names of per-file test databases created more than `maxAgeMs` before `now`; nothing else ever matches. */
export function abandonedTestDbs(names: string[], now: number, maxAgeMs: number): string[] {
  const pattern = new RegExp(`^${TEST_DB_PREFIX}([0-9a-z]{8,})_[0-9a-f]{8}$`);
  return names.filter((name) => {
    const match = pattern.exec(name);
    return match !== null && parseInt(match[1]!, 36) < now - maxAgeMs;
  });
}
