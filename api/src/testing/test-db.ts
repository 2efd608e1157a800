import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { createSql, type Sql } from "../db/sql.js";
import { TEMPLATE_DB, TEST_DB_PREFIX, TEST_POSTGRES_URL, testDbUrl } from "./test-env.js";

export interface TestDb {
  url: string;
  sql: Sql;
  drop(): Promise<void>;
}

/** A fresh database cloned from the migrated template (see global-setup.ts), for one test file. */
export async function createTestDb(): Promise<TestDb> {
  // the creation time in the name lets global-setup drop databases a killed run left behind
  const name = `${TEST_DB_PREFIX}${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.unsafe(`create database ${name} template ${TEMPLATE_DB}`);
        break;
      } catch (error) {
        // another process may be connected to the template for an instant (its own clone or rebuild)
        const code = (error as { code?: string }).code;
        if (code !== "55006" || attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
      }
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = testDbUrl(name);
  const sql = createSql(url, { max: 5 });
  let dropped = false;
  return {
    url,
    sql,
    async drop() {
      if (dropped) return;
      dropped = true;
      await sql.end({ timeout: 5 });
      const a = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
      try {
        await a.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await a.end({ timeout: 5 });
      }
    },
  };
}

/** A unique Redis key prefix for one test (pass as GANTRY_REDIS_PREFIX). */
export function testRedisPrefix(): string {
  return `gantry-test-${randomBytes(6).toString("hex")}`;
}
