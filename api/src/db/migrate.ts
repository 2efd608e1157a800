import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import type { Sql } from "postgres";
import { ConfigError } from "../errors.js";

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../migrations");

/** Held while migrating so concurrent api instances apply each migration once. */
const MIGRATION_LOCK_ID = 7_482_301_117;

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

/** `api/migrations/NNNN_name.sql`, in order. */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[\w-]+\.sql$/.test(file))
    .sort()
    .map((file) => ({ id: Number(file.slice(0, 4)), name: file, sql: readFileSync(join(dir, file), "utf8") }));
}

/** A hash of every migration file: tests rebuild their template database when it changes. */
export function migrationsHash(dir = MIGRATIONS_DIR): string {
  const hash = createHash("sha256");
  for (const m of readMigrations(dir)) hash.update(m.name).update("\0").update(m.sql).update("\0");
  return hash.digest("hex").slice(0, 16);
}

const checksum = (m: Migration) => createHash("sha256").update(m.sql).digest("hex");

/**
 * Applies pending migrations in order, in one transaction (all or nothing), under an advisory lock. Idempotent.
 * Migrations are forward only: one whose file changed after it was applied stops the api with the fix, rather
 * than leaving a database that silently lacks what the new file adds.
 */
export async function migrate(sql: Sql, dir = MIGRATIONS_DIR): Promise<void> {
  const migrations = readMigrations(dir);
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_ID})`;
    await tx`create table if not exists schema_migrations (
      id integer primary key, name text not null, applied_at timestamptz not null default now())`;
    await tx`alter table schema_migrations add column if not exists checksum text`;
    const rows = await tx<{ id: number; checksum: string | null }[]>`select id, checksum from schema_migrations`;
    const applied = new Map(rows.map((r) => [r.id, r.checksum]));
    for (const m of migrations) {
      if (applied.has(m.id)) {
        const recorded = applied.get(m.id);
        if (recorded === null) await tx`update schema_migrations set checksum = ${checksum(m)} where id = ${m.id}`;
        else if (recorded !== checksum(m)) {
          throw new ConfigError(
            `migration ${m.name} changed after it was applied to this database: migrations are forward only. ` +
              `Restore the file and add the change as a new migration (or, for a disposable development database, drop it and start again)`,
          );
        }
        continue;
      }
      try {
        await tx.unsafe(m.sql);
      } catch (error) {
        throw new Error(`migration ${m.name} failed: ${(error as Error).message}`, { cause: error });
      }
      await tx`insert into schema_migrations (id, name, checksum) values (${m.id}, ${m.name}, ${checksum(m)})`;
    }
  });
}

/** Creates the database named in `url` if it is missing, through the `postgres` maintenance database. */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ""));
  if (!name) throw new ConfigError(`DATABASE_URL ${redact(url)} names no database: append one, e.g. /gantry`);
  const maintenance = new URL(url);
  maintenance.pathname = "/postgres";
  const admin = postgres(maintenance.toString(), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const [row] = await admin<{ exists: boolean }[]>`select exists(select 1 from pg_database where datname = ${name})`;
    if (row?.exists) return;
    await admin.unsafe(`create database "${name.replace(/"/g, '""')}"`).catch((error: { code?: string }) => {
      if (error.code !== "42P04") throw error; // created meanwhile by another instance
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ECONNREFUSED" || code === "ENOTFOUND") {
      throw new ConfigError(
        `DATABASE_URL ${redact(url)} refused the connection: start Postgres (see README) or set DATABASE_URL`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    await admin.end({ timeout: 5 });
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable)";
  }
}
