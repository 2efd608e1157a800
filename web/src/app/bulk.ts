import { api } from "./api.js";

export interface BulkProgress {
  action: "cancel" | "replay";
  /** the bulk action (`bulk_…`): its runs are listed with filter[bulkAction] */
  id?: string;
  done: number;
  total: number;
  failed: number;
  finished: boolean;
  aborted: boolean;
}

interface BulkAction {
  id: string;
  status: "PENDING" | "COMPLETED" | "ABORTED";
  counts: { total: number; success: number; failure: number };
  processed: number;
}

const POLL_MS = 500;

const toProgress = (action: BulkProgress["action"], b: BulkAction): BulkProgress => ({
  action,
  id: b.id,
  done: b.processed,
  total: b.counts.total,
  failed: b.counts.failure,
  finished: b.status !== "PENDING",
  aborted: b.status === "ABORTED",
});

/**
 * Cancels or replays runs as one bulk action on the server (it goes on if the page closes), reporting its
 * progress until it completes or is aborted.
 */
export async function runBulk(action: "cancel" | "replay", ids: string[], onProgress: (p: BulkProgress) => void): Promise<BulkProgress> {
  onProgress({ action, done: 0, total: ids.length, failed: 0, finished: false, aborted: false });
  let bulk = await api<BulkAction>("/api/v1/bulk-actions", { method: "POST", body: { action, runIds: ids } });
  onProgress(toProgress(action, bulk));
  while (bulk.status === "PENDING") {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    bulk = await api<BulkAction>(`/api/v1/bulk-actions/${bulk.id}`);
    onProgress(toProgress(action, bulk));
  }
  return toProgress(action, bulk);
}

/** Stops a running bulk action between two chunks (runs already done stay done). */
export async function abortBulk(id: string): Promise<void> {
  await api(`/api/v1/bulk-actions/${id}/abort`, { method: "POST" });
}

export function describeProgress(p: BulkProgress): string {
  const verb = p.action === "cancel" ? ["Canceling", "Canceled"] : ["Replaying", "Replayed"];
  if (!p.finished) return `${verb[0]} ${p.done}/${p.total}…`;
  const ok = p.done - p.failed;
  const failures = p.failed > 0 ? `; ${p.failed} could not be ${p.action === "cancel" ? "canceled (already finished?)" : "replayed"}` : "";
  return `${verb[1]} ${ok} of ${p.total} runs${p.aborted ? " (aborted)" : ""}${failures}`;
}
