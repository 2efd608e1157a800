import pg from "pg";

/** The URL of database `name` on the server `baseUrl` points at. */
export function databaseUrl(baseUrl: string, name: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs `fn` with a client on the server's `postgres` database (for CREATE/DROP DATABASE). */
async function withAdmin<T>(baseUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl(baseUrl, "postgres") });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `Postgres at ${new URL(baseUrl).host} refused the connection (${(error as Error).message}): start Postgres or set DATABASE_URL`,
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates a fresh, empty database (dropping a leftover of the same name) and returns its URL. */
export async function createFreshDatabase(baseUrl: string, name: string): Promise<string> {
  assertName(name);
  await withAdmin(baseUrl, async (client) => {
    await client.query(`drop database if exists "${name}" with (force)`);
    await client.query(`create database "${name}"`);
  });
  return databaseUrl(baseUrl, name);
}

export async function dropDatabase(baseUrl: string, name: string): Promise<void> {
  assertName(name);
  await withAdmin(baseUrl, (client) => client.query(`drop database if exists "${name}" with (force)`));
}

function assertName(name: string): void {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bench database name "${name}" must be [a-z0-9_]+`);
}
