/**
 * Where tests find Postgres and Redis. Tests are an edge of their own, so this is the one place in the
 * test helpers that reads the environment (defaults: the local services `.ci/run` starts).
 */
export const TEST_POSTGRES_URL = process.env.GANTRY_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const TEST_REDIS_URL = process.env.GANTRY_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
export const TEMPLATE_DB = "gantry_test_template";
/** Per-file databases: `gantry_t_<created, base36 ms>_<random>`. */
export const TEST_DB_PREFIX = "gantry_t_";

/** URL of database `name` on the test server. */
export function testDbUrl(name: string): string {
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
