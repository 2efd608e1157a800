import type { DevRunWait } from "@gantry/sdk/contracts";

/** The "⏸ waiting for …" wording of a dev run's wait: the token, the time, or the child runs it waits for. */
export function describeWait(wait: DevRunWait | undefined): string {
  switch (wait?.type) {
    case undefined:
      return "a wait";
    case "duration":
      return wait.until ? `a duration, until ${wait.until.toISOString()} (wait.for/until)` : "a duration (wait.for/until)";
    case "token":
      return `token ${wait.tokenId}${wait.timeoutAt ? ` (times out ${wait.timeoutAt.toISOString()})` : ""} (wait.forToken)`;
    case "task":
      return `child run ${wait.runIds.join(", ")} (triggerAndWait)`;
    case "batch":
      return `${wait.runIds.length} child run${wait.runIds.length === 1 ? "" : "s"}${wait.batchId ? ` of batch ${wait.batchId}` : ""} (batchTriggerAndWait)`;
  }
}
