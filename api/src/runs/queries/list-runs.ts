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
}

/** A keyset position: (created_at in µs, id). */
export interface Cursor {
  createdUs: string;
  id: string;
}

/** The WHERE conditions of a run filter (runs table as `r`, deployments as `d`), shared by the list and bulk actions. */
export function filterConditions(sql: Sql, environmentIds: string[], filters: RunFilters) {
  const conds = [
    environmentIds.length === 1
      ? sql`r.environment_id = ${environmentIds[0]!}`
      : sql`r.environment_id = any(${col(sql, environmentIds)}::text[])`,
  ];
  if (filters.statuses) conds.push(sql`r.status = any(${col(sql, filters.statuses)}::text[])`);
  if (filters.taskIdentifiers) conds.push(sql`r.task_identifier = any(${col(sql, filters.taskIdentifiers)}::text[])`);
  if (filters.versions) conds.push(sql`d.version = any(${col(sql, filters.versions)}::text[])`);
  if (filters.tags) conds.push(sql`r.tags && ${col(sql, filters.tags)}::text[]`);
  if (filters.isTest !== undefined) conds.push(sql`r.is_test = ${filters.isTest}`);
  if (filters.createdFrom) conds.push(sql`r.created_at >= ${filters.createdFrom}`);
  if (filters.createdTo) conds.push(sql`r.created_at <= ${filters.createdTo}`);
  if (filters.batchId) conds.push(sql`r.batch_id = ${filters.batchId}`);
  if (filters.queues) conds.push(sql`r.queue_name = any(${col(sql, filters.queues)}::text[])`);
  if (filters.machines) conds.push(sql`r.machine = any(${col(sql, filters.machines)}::text[])`);
  if (filters.scheduleId) conds.push(sql`r.schedule_id = ${filters.scheduleId}`);
  if (filters.bulkActionId) {
    conds.push(sql`r.id in (select b.run_id from bulk_action_runs b where b.bulk_action_id = ${filters.bulkActionId})`);
  }
  return conds;
}

/**
 * Newest first, keyset-paginated on (created_at, id) over the runs_environment_created index.
 * `after`: older than the cursor; `before`: newer (fetched oldest-first, then reversed). Fetches `limit` rows.
 */
export async function listRuns(
  sql: Sql,
  environmentIds: string[],
  filters: RunFilters,
  page: { limit: number; after?: Cursor; before?: Cursor },
): Promise<RunRow[]> {
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
