import postgres, { type Sql } from "postgres";

export type { Sql } from "postgres";

export interface CreateSqlOptions {
  /** pool size (default 10) */
  max?: number;
  /** seconds an idle connection is kept (default 30) */
  idleTimeout?: number;
}

/**
 * The Postgres pool. Every connection runs with `plan_cache_mode = force_custom_plan`: on a fresh, small
 * `runs` table a cached generic plan turns the batched statements into sequential scans that stay as the
 * table grows (PERFORMANCE.md, choice 2).
 */
export function createSql(url: string, opts: CreateSqlOptions = {}): Sql {
  return postgres(url, {
    max: opts.max ?? 10,
    idle_timeout: opts.idleTimeout ?? 30,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { plan_cache_mode: "force_custom_plan", application_name: "gantry-api" },
  });
}

/**
 * What queries take: the pool or a transaction (`sql.begin(tx => …)`), so a service decides the transaction
 * and a query runs in either.
 */
export type Db = import("postgres").ISql<{}>;
