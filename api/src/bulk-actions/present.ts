import type { BulkActionObject } from "@gantry/sdk/contracts";
import type { BulkActionRow } from "./queries/bulk-actions.js";

const SHOWN_RUN_IDS = 100;

/** The wire shape (README.md): the official client's fields plus Gantry's `state`, `processed`, `selection`. */
export function presentBulkAction(row: BulkActionRow): BulkActionObject {
  return {
    id: row.id,
    ...(row.name !== null ? { name: row.name } : {}),
    type: row.kind,
    status: row.status === "RUNNING" ? "PENDING" : row.status,
    state: row.status,
    counts: { total: row.total, success: row.succeeded, failure: row.failed },
    processed: row.succeeded + row.failed,
    selection: row.run_ids ? { runIds: row.run_ids.slice(0, SHOWN_RUN_IDS) } : { filter: row.filter ?? {} },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.completed_at ? { completedAt: row.completed_at } : {}),
  };
}
