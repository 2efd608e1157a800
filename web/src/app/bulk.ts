import { api, errorText } from "./api.js";

export interface BulkProgress {
  action: "cancel" | "replay";
  done: number;
  total: number;
  failed: Array<{ id: string; error: string }>;
  finished: boolean;
}

/** Cancels or replays runs a few at a time, reporting progress after each one. */
export async function runBulk(action: "cancel" | "replay", ids: string[], onProgress: (p: BulkProgress) => void): Promise<BulkProgress> {
  const progress: BulkProgress = { action, done: 0, total: ids.length, failed: [], finished: false };
  onProgress({ ...progress });
  const queue = [...ids];
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      try {
        const path = action === "cancel" ? `/api/v2/runs/${id}/cancel` : `/api/v1/runs/${id}/replay`;
        await api(path, { method: "POST", body: {} });
      } catch (e) {
        progress.failed.push({ id, error: errorText(e) });
      }
      progress.done += 1;
      onProgress({ ...progress });
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  progress.finished = true;
  onProgress({ ...progress });
  return progress;
}

export function describeProgress(p: BulkProgress): string {
  const verb = p.action === "cancel" ? ["Canceling", "Canceled"] : ["Replaying", "Replayed"];
  if (!p.finished) return `${verb[0]} ${p.done}/${p.total}…`;
  const ok = p.total - p.failed.length;
  const failures = p.failed.length > 0 ? `; ${p.failed.length} failed (${p.failed[0]!.error})` : "";
  return `${verb[1]} ${ok} of ${p.total} runs${failures}`;
}
