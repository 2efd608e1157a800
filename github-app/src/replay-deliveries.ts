import type { Probot } from "probot";
import { honourSecondaryRateLimits } from "./rate-limits.js";

interface DeliverySummary {
  id: number;
  guid: string;
  status_code: number;
  redelivery: boolean;
  delivered_at: string;
}

/**
 * GitHub does not redeliver by itself: ask it to redeliver every recent delivery that never succeeded (no
 * attempt of its guid got a 2xx). Deliveries handled once are deduplicated by the api, so replaying is safe.
 * Returns how many were redelivered.
 */
export async function replayFailedDeliveries(probot: Probot, opts: { sinceMs?: number; now?: () => number } = {}): Promise<number> {
  const octokit = honourSecondaryRateLimits(await probot.auth());
  const since = (opts.now ?? Date.now)() - (opts.sinceMs ?? 24 * 60 * 60 * 1000);
  const { data } = (await octokit.request("GET /app/hook/deliveries", { per_page: 100 })) as { data: DeliverySummary[] };
  const byGuid = new Map<string, DeliverySummary[]>();
  for (const d of data) {
    if (new Date(d.delivered_at).getTime() < since) continue;
    byGuid.set(d.guid, [...(byGuid.get(d.guid) ?? []), d]);
  }
  let replayed = 0;
  for (const attempts of byGuid.values()) {
    if (attempts.some((a) => a.status_code >= 200 && a.status_code < 300)) continue;
    const latest = attempts.reduce((a, b) => (new Date(b.delivered_at) > new Date(a.delivered_at) ? b : a));
    await octokit.request("POST /app/hook/deliveries/{delivery_id}/attempts", { delivery_id: latest.id });
    replayed++;
  }
  return replayed;
}
