import type { EnvironmentType } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { col } from "../batching/arrays.js";
import { publishRunChanges } from "../realtime/publish.js";
import { dispatchRuns } from "./dispatch.js";
import { sourcesOf } from "./transitions.js";

/**
 * Moves PENDING_VERSION runs whose task the target deployment now has (the requested version, else the
 * environment's current one) to QUEUED and dispatches them. `environmentId` undefined: every environment
 * (the reconciler's sweep, which repairs a release a crashed deploy never made). Returns how many moved.
 */
export async function releasePendingVersionRuns(deps: ApiDeps, environmentId?: string, limit = 1000): Promise<number> {
  const sql = deps.sql;
  const from = sourcesOf("QUEUED").filter((s) => s === "PENDING_VERSION");
  const rows = await sql<{ id: string; environment_id: string; env_type: EnvironmentType; attempt_number: number }[]>`
    with due as (
      select r.id, e.type as env_type from runs r
      join environments e on e.id = r.environment_id
      left join deployments dv on r.requested_version is not null
        and dv.environment_id = r.environment_id and dv.version = r.requested_version
      join tasks t on t.slug = r.task_identifier
        and t.deployment_id = case when r.requested_version is null then e.current_deployment_id else dv.id end
      where r.status = any(${col(sql, from)}::text[])
        and ${environmentId === undefined ? sql`true` : sql`r.environment_id = ${environmentId}`}
      order by r.created_at
      limit ${limit}
      for update of r skip locked
    )
    update runs r set status = 'QUEUED', queued_at = now(), available_at = now(), updated_at = now()
    from due where r.id = due.id
    returning r.id, r.environment_id, due.env_type, r.attempt_number`;
  publishRunChanges(deps, rows.map((r) => ({ runId: r.id, environmentId: r.environment_id })));
  await dispatchRuns(
    deps,
    rows.map((r) => ({ runId: r.id, environmentId: r.environment_id, attemptNumberToStart: r.attempt_number + 1 })),
  );
  return rows.length;
}
