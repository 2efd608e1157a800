import {
  LIMITS,
  outOfMemoryError,
  type CompleteAttemptsRequest,
  type TaskRunError,
  type TaskRunExecutionResult,
} from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { createBatcher, type Batcher } from "../batching/batcher.js";
import { afterRunsReady } from "../engine/dispatch.js";
import { assertTransition } from "../engine/transitions.js";
import { dropLeases } from "../queue/leases.js";
import { publishRunChanges } from "../realtime/publish.js";
import { afterRunsFinished, type FinishedRun } from "../engine/run-finished.js";
import { completeAttempts, type CompletedRow, type CompletionRow } from "./queries/complete-attempts.js";
import type { AttemptScope } from "./queries/start-attempts.js";
import { isOutOfMemoryCompletion, planOutOfMemoryRetries, type OutOfMemoryRetryPlan } from "./out-of-memory-retry.js";

export type Completion = CompleteAttemptsRequest["completions"][number];
export interface CompleteResult {
  runId: string;
  action: "done" | "retrying" | "stale";
  status?: string;
}

/**
 * What an attempt's result means for its run, before the fence is checked. An out-of-memory attempt retries
 * only with `oom` (its task's `retry.outOfMemory.machine`, see out-of-memory-retry.ts), on that machine;
 * without, it ends the run: CRASHED when its process ran out, FAILED when the task threw `OutOfMemoryError`.
 */
export function decideCompletion(c: Completion, oom?: OutOfMemoryRetryPlan): CompletionRow {
  const durationMs = c.result.usage?.durationMs ?? 0;
  const base = { runId: c.runId, attemptNumber: c.attemptNumber, durationMs };
  const result: TaskRunExecutionResult = c.result;
  if (result.ok) {
    const bytes = result.output === undefined ? 0 : Buffer.byteLength(result.output, "utf8");
    if (bytes > LIMITS.outputBytes) {
      const error: TaskRunError = {
        type: "INTERNAL_ERROR",
        code: "TASK_OUTPUT_TOO_LARGE",
        message: `The task's output is ${bytes} bytes; the limit is ${LIMITS.outputBytes} bytes (10 MB). Return less data, or store it elsewhere and return a reference.`,
      };
      return { ...base, finalStatus: "FAILED", attemptStatus: "FAILED", error: JSON.stringify(error) };
    }
    return { ...base, finalStatus: "COMPLETED", attemptStatus: "COMPLETED", output: result.output, outputType: result.outputType };
  }
  if (isOutOfMemoryCompletion(c)) {
    const status = result.outcome === "CRASHED" ? "CRASHED" : "FAILED";
    // the reference's code and message whoever reported it (an older worker's OutOfMemoryError included)
    const error = result.error.type === "INTERNAL_ERROR" ? result.error : outOfMemoryError(result.error.stackTrace);
    return { ...base, finalStatus: status, attemptStatus: status, error: JSON.stringify(error), ...(oom ? { retryAt: oom.retryAt, retryMachine: oom.machine } : {}) };
  }
  const error = JSON.stringify(result.error);
  const outcome = result.outcome ?? "FAILED";
  if (outcome !== "FAILED") return { ...base, finalStatus: outcome, attemptStatus: outcome, error };
  const retryAt = result.retry && !result.skippedRetrying ? new Date(result.retry.timestamp) : undefined;
  return { ...base, finalStatus: "FAILED", attemptStatus: "FAILED", error, retryAt };
}

interface Item {
  row: CompletionRow;
  scope: AttemptScope;
}

const batchers = new WeakMap<ApiDeps, Batcher<Item, CompletedRow | undefined>>();

function batcher(deps: ApiDeps): Batcher<Item, CompletedRow | undefined> {
  let b = batchers.get(deps);
  if (!b) {
    // one statement per scope in a flush: runner completions share it, dev sessions have their own
    b = createBatcher(async (items) => {
      const groups = new Map<string, Item[]>();
      for (const item of items) {
        const key = item.scope.kind === "runner" ? "runner" : item.scope.environmentId;
        groups.set(key, [...(groups.get(key) ?? []), item]);
      }
      const done = new Map<string, CompletedRow>();
      for (const group of groups.values()) {
        const rows = await completeAttempts(deps.sql, group.map((g) => g.row), group[0]!.scope);
        for (const row of rows) done.set(`${row.id}:${row.attempt_number}`, row);
      }
      publishRunChanges(deps, [...done.values()].map((r) => ({ runId: r.id, environmentId: r.environment_id })));
      return items.map((item) => done.get(`${item.row.runId}:${item.row.attemptNumber}`));
    });
    batchers.set(deps, b);
  }
  return b;
}

/** Complete many: fenced writes, then leases dropped and retries re-dispatched (with their backoff). */
export async function completeRuns(deps: ApiDeps, completions: Completion[], scope: AttemptScope): Promise<CompleteResult[]> {
  const oom = await planOutOfMemoryRetries(deps, completions);
  const rows = completions.map((c) => decideCompletion(c, oom.get(c.runId)));
  for (const row of rows) {
    assertTransition("EXECUTING", row.finalStatus);
    if (row.retryAt) assertTransition("EXECUTING", "QUEUED");
  }
  const written = await Promise.all(rows.map((row) => batcher(deps).add({ row, scope })));
  const results: CompleteResult[] = [];
  const finished: string[] = [];
  const retrying: CompletedRow[] = [];
  const final: FinishedRun[] = [];
  rows.forEach((row, i) => {
    const w = written[i];
    if (!w) {
      results.push({ runId: row.runId, action: "stale" });
      return;
    }
    finished.push(w.id);
    if (w.status === "QUEUED") retrying.push(w);
    else final.push({ runId: w.id, environmentId: w.environment_id, status: w.status });
    results.push({ runId: w.id, action: w.status === "QUEUED" ? "retrying" : "done", status: w.status });
  });
  // not awaited: the run is final (or re-queued) in Postgres already, and a lease left behind expires by itself
  dropLeases(deps, finished).catch((error: unknown) => console.error("[engine] dropping leases failed (they expire on their own):", error));
  afterRunsFinished(deps, final);
  // the gate reads each retry's backoff (available_at) from Postgres
  afterRunsReady(deps, retrying.map((w) => ({ runId: w.id, environmentId: w.environment_id, attemptNumberToStart: w.attempt_number + 1 })));
  return results;
}
