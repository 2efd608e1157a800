import type { Sql } from "postgres";
import { col } from "../../batching/arrays.js";
import { runColumns, runJoins, type RunRow } from "./select-runs.js";

export interface RunFilters {
  statuses?: string[];
  taskIdentifiers?: string[];
  versions?: string[];
  tags?: string[];
  isTest?: boolean;
  createdFrom?: Date;
  createdTo?: Date;
  batchId?: string;
  queues?: string[];
  machines?: string[];
  scheduleId?: string;
  /** runs a bulk action acted on */
  bulkActionId?: string;
  /**
   * `versions` already resolved to the environments' deployment ids (listRuns does it first): the condition is
   * then on the run's own column, which runs_locked_deployment orders by created_at.
   */
  lockedDeploymentIds?: string[];
}

/** A keyset position: (created_at in µs, id). */
export interface Cursor {
  createdUs: string;
  id: string;
}

/**
 * `column = value` for one value, `column = any(values)` for several. With one value Postgres can walk an index
 * whose next columns are (created_at desc, id desc) in the page's order; `= any` on a non-leading index column
 * gives up that order (before Postgres 17), so for values clustered in time (a version, a queue used for a day)
 * it would scan the environment newest first until it found a page.
 */
function oneOf(sql: Sql, column: ReturnType<Sql>, values: string[]) {
  return values.length === 1 ? sql`${column} = ${values[0]!}` : sql`${column} = any(${col(sql, values)}::text[])`;
}

/** The WHERE conditions of a run filter (runs table as `r`, deployments as `d`), shared by the list and bulk actions. */
export function filterConditions(sql: Sql, environmentIds: string[], filters: RunFilters) {
  const conds = [
    environmentIds.length === 1
      ? sql`r.environment_id = ${environmentIds[0]!}`
      : sql`r.environment_id = any(${col(sql, environmentIds)}::text[])`,
  ];
  if (filters.statuses) conds.push(oneOf(sql, sql`r.status`, filters.statuses));
  if (filters.taskIdentifiers) conds.push(oneOf(sql, sql`r.task_identifier`, filters.taskIdentifiers));
  if (filters.lockedDeploymentIds) conds.push(oneOf(sql, sql`r.locked_deployment_id`, filters.lockedDeploymentIds));
  else if (filters.versions) conds.push(sql`d.version = any(${col(sql, filters.versions)}::text[])`);
  if (filters.tags) conds.push(sql`r.tags && ${col(sql, filters.tags)}::text[]`);
  if (filters.isTest !== undefined) conds.push(sql`r.is_test = ${filters.isTest}`);
  if (filters.createdFrom) conds.push(sql`r.created_at >= ${filters.createdFrom}`);
  if (filters.createdTo) conds.push(sql`r.created_at <= ${filters.createdTo}`);
  if (filters.batchId) conds.push(sql`r.batch_id = ${filters.batchId}`);
  if (filters.queues) conds.push(oneOf(sql, sql`r.queue_name`, filters.queues));
  if (filters.machines) conds.push(oneOf(sql, sql`r.machine`, filters.machines));
  if (filters.scheduleId) conds.push(sql`r.schedule_id = ${filters.scheduleId}`);
  if (filters.bulkActionId) {
    conds.push(sql`r.id in (select b.run_id from bulk_action_runs b where b.bulk_action_id = ${filters.bulkActionId})`);
  }
  return conds;
}

/** Up to this many versions in one filter are listed one by one and merged. */
const MERGED_VERSIONS = 8;

const newestFirst = (a: RunRow, b: RunRow) => {
  const byTime = BigInt(b.created_us) - BigInt(a.created_us);
  return byTime !== 0n ? (byTime > 0n ? 1 : -1) : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
};

/**
 * The deployments of these environments carrying any of `versions`: a version filter becomes a condition on
 * runs.locked_deployment_id (runs_locked_deployment), with the ids as values the planner can see.
 */
async function deploymentIdsOf(sql: Sql, environmentIds: string[], versions: string[]): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select id from deployments
    where environment_id = any(${col(sql, environmentIds)}::text[]) and version = any(${col(sql, versions)}::text[])`;
  return rows.map((r) => r.id);
}

/**
 * Newest first, keyset-paginated on (created_at, id) over runs_environment_created, or over the index of a
 * one-value filter that continues in created_at order: task, version, queue (migration 0018).
 * `after`: older than the cursor; `before`: newer (fetched oldest-first, then reversed). Fetches `limit` rows.
 */
export async function listRuns(
  sql: Sql,
  environmentIds: string[],
  filters: RunFilters,
  page: { limit: number; after?: Cursor; before?: Cursor },
): Promise<RunRow[]> {
  if (filters.versions && !filters.lockedDeploymentIds) {
    const lockedDeploymentIds = await deploymentIdsOf(sql, environmentIds, filters.versions);
    // no deployment has the version: no run was locked to it
    if (lockedDeploymentIds.length === 0) return [];
    filters = { ...filters, lockedDeploymentIds };
  }
  const ids = filters.lockedDeploymentIds;
  if (ids && ids.length > 1 && ids.length <= MERGED_VERSIONS) {
    // one ordered index range per version, merged: `= any` would scan the environment (see oneOf)
    const lists = await Promise.all(ids.map((id) => listRuns(sql, environmentIds, { ...filters, lockedDeploymentIds: [id] }, page)));
    const merged = lists.flat().sort(newestFirst);
    return page.before ? merged.slice(-page.limit) : merged.slice(0, page.limit);
  }
  const conds = filterConditions(sql, environmentIds, filters);
  const at = (c: Cursor) => sql`(timestamptz 'epoch' + ${c.createdUs}::bigint * interval '1 microsecond', ${c.id}::text)`;
  if (page.after) conds.push(sql`(r.created_at, r.id) < ${at(page.after)}`);
  if (page.before) conds.push(sql`(r.created_at, r.id) > ${at(page.before)}`);
  const where = conds.reduce((acc, cond) => sql`${acc} and ${cond}`);
  const order = page.before ? sql`r.created_at asc, r.id asc` : sql`r.created_at desc, r.id desc`;
  const rows = await sql<RunRow[]>`
    select ${runColumns(sql, false)} from runs r ${runJoins(sql)}
    where ${where}
    order by ${order}
    limit ${page.limit}`;
  return page.before ? [...rows].reverse() : [...rows];
}
