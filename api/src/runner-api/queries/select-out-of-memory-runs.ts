import type { Sql } from "postgres";
import { col } from "../../batching/arrays.js";

export interface OutOfMemoryRunRow {
  id: string;
  attempt_number: number;
  locked_deployment_id: string | null;
  task_identifier: string;
  machine: string | null;
}

/** What an out-of-memory completion's retry depends on: the run's version, task and machine (rare path, by primary key). */
export async function selectOutOfMemoryRuns(sql: Sql, runIds: string[]): Promise<OutOfMemoryRunRow[]> {
  if (runIds.length === 0) return [];
  return sql<OutOfMemoryRunRow[]>`
    select id, attempt_number, locked_deployment_id, task_identifier, machine
    from runs where id = any(${col(sql, runIds)}::text[]) and status = 'EXECUTING'`;
}
