import type { RunStatus } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";

/** A run that has just reached a final status, after the commit that put it there. */
export interface FinishedRun {
  runId: string;
  environmentId: string;
  status: RunStatus;
}

/**
 * What must happen after runs finish, whoever finished them (a completion, a cancel, an expiry, the
 * reconciler giving up on a lost runner). Each listener is one capability's reaction (a parent waiting on the
 * run, its batch, an alert) and must be idempotent: Postgres already holds the final status, so a listener
 * that fails here is repaired by the reconciler, never by the caller retrying the whole finish.
 */
export type RunsFinishedListener = (deps: ApiDeps, runs: FinishedRun[]) => Promise<void>;

const listeners: Array<{ name: string; listener: RunsFinishedListener }> = [];

/** Registers a reaction to finished runs; `name` appears in the log when it fails. */
export function onRunsFinished(name: string, listener: RunsFinishedListener): void {
  if (!listeners.some((l) => l.name === name)) listeners.push({ name, listener });
}

/** Runs every listener for these runs in the background (the caller's answer does not wait for them). */
export function afterRunsFinished(deps: ApiDeps, runs: FinishedRun[]): void {
  if (runs.length === 0) return;
  void notifyRunsFinished(deps, runs);
}

/** Same, awaited (tests and the reconciler want to know it happened). Never throws. */
export async function notifyRunsFinished(deps: ApiDeps, runs: FinishedRun[]): Promise<void> {
  if (runs.length === 0) return;
  await Promise.all(
    listeners.map(async ({ name, listener }) => {
      try {
        await listener(deps, runs);
      } catch (error) {
        console.error(`[engine] after ${runs.length} run(s) finished, ${name} failed:`, error);
      }
    }),
  );
}
