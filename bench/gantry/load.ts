import { sleep } from "../lib/stats.js";
import type { TriggerClient, TriggerOutcome } from "./trigger-client.js";

export interface LoadResult {
  kind: "closed" | "open";
  /** closed: requests in flight; open: triggers per second asked for */
  level: number;
  startedAt: number;
  endedAt: number;
  sent: number;
  accepted: number;
  /** open loop: sends skipped because `maxInFlight` requests were already outstanding */
  skipped: number;
  /** requests still unanswered `tailMs` after the window closed (not waited for) */
  unanswered: number;
  errors: Record<string, number>;
  firstError?: string;
  /** client round trips of accepted triggers, ms */
  latencies: number[];
  /** accepted run ids with the time each request was sent */
  runs: Array<{ id: string; sentAt: number }>;
}

/** Collects outcomes until `freeze()`; answers arriving later are ignored (counted as unanswered). */
function collector(kind: LoadResult["kind"], level: number) {
  const result: LoadResult = { kind, level, startedAt: Date.now(), endedAt: 0, sent: 0, accepted: 0, skipped: 0, unanswered: 0, errors: {}, latencies: [], runs: [] };
  let frozen = false;
  let answered = 0;
  return {
    result,
    record(o: TriggerOutcome) {
      if (frozen) return;
      answered += 1;
      if (o.id) {
        result.accepted += 1;
        result.latencies.push(o.ms);
        result.runs.push({ id: o.id, sentAt: o.sentAt });
      } else {
        const key = o.status === 0 ? "no answer" : String(o.status);
        result.errors[key] = (result.errors[key] ?? 0) + 1;
        result.firstError ??= `${o.status}: ${o.error ?? ""}`;
      }
    },
    freeze() {
      frozen = true;
      result.unanswered = result.sent - answered;
      result.endedAt = Date.now();
    },
  };
}

/** `concurrency` loops, each sending its next trigger when the last one answers, for `durationMs`. */
export async function closedLoop(client: TriggerClient, concurrency: number, durationMs: number, tailMs: number): Promise<LoadResult> {
  const c = collector("closed", concurrency);
  const deadline = performance.now() + durationMs;
  let stop = false;
  const loop = async () => {
    while (!stop && performance.now() < deadline) {
      c.result.sent += 1;
      c.record(await client.trigger());
    }
  };
  await Promise.race([Promise.all(Array.from({ length: concurrency }, loop)), sleep(durationMs + tailMs)]);
  stop = true;
  c.freeze();
  return c.result;
}

/**
 * Sends at a fixed `rate` per second for `durationMs`, whatever the answers (open loop: a slow server gets a
 * queue, not a lighter load), with at most `maxInFlight` outstanding; sends beyond it are counted as skipped.
 */
export async function openLoop(client: TriggerClient, rate: number, durationMs: number, maxInFlight: number, tailMs: number): Promise<LoadResult> {
  const c = collector("open", rate);
  const total = Math.round((rate * durationMs) / 1000);
  const t0 = performance.now();
  const pending = new Set<Promise<void>>();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait >= 1) await sleep(wait);
    if (pending.size >= maxInFlight) {
      c.result.skipped += 1;
      continue;
    }
    c.result.sent += 1;
    const p: Promise<void> = client.trigger().then((o) => {
      c.record(o);
      pending.delete(p);
    });
    pending.add(p);
  }
  await Promise.race([Promise.all(pending), sleep(tailMs)]);
  c.freeze();
  return c.result;
}
