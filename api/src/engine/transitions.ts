import { FINAL_RUN_STATUSES, type RunStatus } from "@gantry/sdk/contracts";

/**
 * The one table of allowed run status changes. Every writer asks it: SQL `where status = any(...)` clauses
 * are built from `sourcesOf(to)`, and per-row targets are checked with `assertTransition`.
 * Diagram and rationale: ./README.md.
 */
const ALLOWED: Record<RunStatus, readonly RunStatus[]> = {
  // no deployed version has the task yet; released when one becomes current
  PENDING_VERSION: ["QUEUED", "DELAYED", "CANCELED", "EXPIRED"],
  // waiting for `delay`: its delayed BullMQ job starts it once due (or the reconciler queues it)
  DELAYED: ["QUEUED", "EXECUTING", "PENDING_VERSION", "CANCELED", "EXPIRED"],
  // ready (or waiting for a retry's backoff: available_at); start takes it
  QUEUED: ["EXECUTING", "DEQUEUED", "PENDING_VERSION", "CANCELED", "EXPIRED"],
  // handed to a runner (kept in Redis only today; allowed here for the record)
  DEQUEUED: ["EXECUTING", "QUEUED", "CANCELED", "SYSTEM_FAILURE"],
  // an attempt holds the lease; retries and redrives go back to QUEUED; EXECUTING → EXECUTING is a start of
  // the next attempt after the lease was lost (the runner vanished)
  EXECUTING: ["COMPLETED", "FAILED", "CRASHED", "TIMED_OUT", "SYSTEM_FAILURE", "CANCELED", "QUEUED", "WAITING", "EXECUTING"],
  WAITING: ["QUEUED", "EXECUTING", "CANCELED", "FAILED", "SYSTEM_FAILURE", "TIMED_OUT"],
  COMPLETED: [],
  CANCELED: [],
  FAILED: [],
  CRASHED: [],
  SYSTEM_FAILURE: [],
  EXPIRED: [],
  TIMED_OUT: [],
};

export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return ALLOWED[from].includes(to);
}

/** Throws for a change the table forbids: a bug in the caller, never user input. */
export function assertTransition(from: RunStatus, to: RunStatus): void {
  if (!canTransition(from, to)) throw new Error(`run status ${from} → ${to} is not an allowed transition`);
}

const SOURCES = new Map<RunStatus, RunStatus[]>();
for (const [from, tos] of Object.entries(ALLOWED) as [RunStatus, readonly RunStatus[]][]) {
  for (const to of tos) SOURCES.set(to, [...(SOURCES.get(to) ?? []), from]);
}

/** Every status a run may move to `to` from (for `where status = any(${sourcesOf(to)})`). */
export function sourcesOf(to: RunStatus): RunStatus[] {
  return SOURCES.get(to) ?? [];
}

export function isFinal(status: RunStatus): boolean {
  return FINAL_RUN_STATUSES.includes(status);
}

/** The statuses a run may be in while nothing has finished it (cancel, reconcile). */
export const LIVE_STATUSES: readonly RunStatus[] = ["PENDING_VERSION", "DELAYED", "QUEUED", "DEQUEUED", "EXECUTING", "WAITING"];
