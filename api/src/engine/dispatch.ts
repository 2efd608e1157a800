import type { EnvironmentType } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { wakeDevClaims } from "../dev/notifier.js";
import { enqueueRunsInBackground, enqueueRuns } from "../queue/run-queue.js";

/** A run committed as QUEUED that some runner (or `gantry dev`) should now start. */
export interface ReadyRun {
  runId: string;
  environmentId: string;
  environmentType: EnvironmentType;
  attemptNumberToStart: number;
  /** not before (retry backoff) */
  availableAt?: Date;
}

/**
 * Hands committed QUEUED runs to whoever starts them: deployed environments' runs go on the BullMQ runs
 * queue; dev runs never do, their `gantry dev` session is woken to claim them from Postgres.
 * In the background: Postgres already holds the truth and the reconciler repairs anything lost here.
 */
export function afterRunsReady(deps: ApiDeps, runs: ReadyRun[]): void {
  const { queued, devEnvs } = split(runs);
  enqueueRunsInBackground(deps, queued);
  for (const envId of devEnvs) {
    wakeDevClaims(deps, envId).catch((error: unknown) => console.error("[engine] dev wake-up failed:", error));
  }
}

/** Same, awaited (the reconciler wants to know it worked). */
export async function dispatchRuns(deps: ApiDeps, runs: ReadyRun[]): Promise<void> {
  const { queued, devEnvs } = split(runs);
  await enqueueRuns(deps, queued);
  await Promise.all([...devEnvs].map((envId) => wakeDevClaims(deps, envId)));
}

function split(runs: ReadyRun[]) {
  const queued = runs
    .filter((r) => r.environmentType !== "DEVELOPMENT")
    .map((r) => ({ runId: r.runId, environmentId: r.environmentId, attemptNumberToStart: r.attemptNumberToStart, availableAt: r.availableAt }));
  const devEnvs = new Set(runs.filter((r) => r.environmentType === "DEVELOPMENT").map((r) => r.environmentId));
  return { queued, devEnvs };
}
