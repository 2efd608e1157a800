import { sleep, summarise, waitFor, type Summary } from "../lib/stats.js";
import type { LoadResult } from "./load.js";
import { statsDelta, type Observer, type TableStats } from "./observe.js";

/** One load phase, as Postgres recorded it. */
export interface PhaseFigures {
  kind: "closed" | "open";
  /** closed: requests in flight; open: triggers/s asked for */
  level: number;
  windowS: number;
  sent: number;
  accepted: number;
  skipped: number;
  unanswered: number;
  errors: Record<string, number>;
  firstError?: string;
  /** accepted triggers per second of the window */
  triggersPerS: number;
  /** runs of earlier phases still queued or running when this one began (they delay this phase's runs) */
  backlogBefore: number;
  /** runs of any phase whose completed_at falls inside the window, per second */
  completedPerS: number;
  /** this phase's runs not yet final when the window closed, and after waiting up to the drain time */
  backlogAtEnd: number;
  backlogAfterDrain: number;
  drainS: number;
  /** client round trip of POST /trigger */
  triggerApiMs: Summary;
  /** runs.created_at → first attempt started_at */
  triggerToStartMs: Summary;
  /** client send → first attempt started_at (includes the trigger request itself) */
  sendToStartMs: Summary;
  notStarted: number;
  /** growth of pg_stat_user_tables counters over the load window (seq_tup_read should stay near zero) */
  tables: Record<string, TableStats>;
}

/**
 * Runs one load phase and reads what Postgres recorded. `allRuns` holds every run the bench has triggered in
 * this database (this phase's are added), so completions inside the window count whichever phase's runs they are.
 */
export async function measurePhase(
  observer: Observer,
  allRuns: string[],
  drainMs: number,
  run: () => Promise<LoadResult>,
  log: (line: string) => void,
): Promise<PhaseFigures> {
  const backlogBefore = allRuns.length > 0 ? await observer.countLive(allRuns) : 0;
  const before = await observer.tableStats();
  const load = await run();
  log(`    load done: ${load.accepted}/${load.sent} accepted in ${((load.endedAt - load.startedAt) / 1000).toFixed(1)} s${load.firstError ? `, first error ${load.firstError.slice(0, 200)}` : ""}`);
  // Backends flush their table statistics at most once a second: wait that long, then read them before this
  // observer's own queries (which may scan `runs`) can count.
  await sleep(1_100);
  const after = await observer.tableStats();
  const windowS = (load.endedAt - load.startedAt) / 1000;
  const ids = load.runs.map((r) => r.id);
  for (const id of ids) allRuns.push(id);
  const completed = await observer.completedBetween(allRuns, load.startedAt, load.endedAt);
  const backlogAtEnd = ids.length > 0 ? await observer.countLive(ids) : 0;
  const drainStart = Date.now();
  const left = backlogAtEnd === 0 ? 0 : await waitFor(async () => {
    const n = await observer.countLive(ids);
    return n === 0 ? "drained" : false;
  }, drainMs, 200);
  const backlogAfterDrain = left === "drained" || backlogAtEnd === 0 ? 0 : await observer.countLive(ids);
  const drainS = (Date.now() - drainStart) / 1000;
  const starts = await observer.startLatencies(load.runs);
  log(
    `    completed ${(completed / windowS).toFixed(0)}/s in the window, backlog ${backlogAtEnd} → ${backlogAfterDrain}, ` +
      `trigger API p99 ${summarise(load.latencies).p99} ms, trigger→start p50 ${summarise(starts.fromCreated).p50} ms`,
  );
  return {
    kind: load.kind,
    level: load.level,
    windowS,
    sent: load.sent,
    accepted: load.accepted,
    skipped: load.skipped,
    unanswered: load.unanswered,
    errors: load.errors,
    firstError: load.firstError,
    triggersPerS: load.accepted / windowS,
    backlogBefore,
    completedPerS: completed / windowS,
    backlogAtEnd,
    backlogAfterDrain,
    drainS,
    triggerApiMs: summarise(load.latencies),
    triggerToStartMs: summarise(starts.fromCreated),
    sendToStartMs: summarise(starts.fromSent),
    notStarted: starts.notStarted,
    tables: statsDelta(before, after),
  };
}
