import { RunWaitResponse, type RunWaitRequest, type WaitpointResult } from "../contracts/index.js";
import { apiClient } from "../client/config.js";
import { parsePacket } from "../client/packets.js";
import { currentExecution, type ExecutionStore, type WaitInfo } from "../runtime/current.js";

/**
 * One durable step of the current run (a wait, a child run, a token): the api answers from the record when a
 * replayed attempt reaches it again, otherwise does it and records it. When the answer is WAITING the attempt
 * suspends here until the runner resumes it with the waitpoint's result.
 */
export async function durableStep(
  fn: string,
  wait: RunWaitRequest["wait"],
  info: (response: RunWaitResponse) => WaitInfo,
): Promise<{ response: RunWaitResponse; result?: WaitpointResult }> {
  const store = requireTask(fn);
  const steps = store.steps!;
  if (steps.waiting) {
    throw Object.assign(new Error(`Parallel waits are not supported: ${fn} was called while another wait of this run is in progress (use the batch functions instead of Promise.all)`), {
      name: "TASK_DID_CONCURRENT_WAIT",
    });
  }
  steps.waiting = true;
  try {
    const step = steps.next();
    const runId = store.execution.run.id;
    const { data: response } = await apiClient().request(RunWaitResponse, "POST", `/api/v1/runs/${encodeURIComponent(runId)}/waits`, {
      body: { step, wait },
    });
    if (response.status === "COMPLETED") return { response, result: response.waitpoint };
    if (response.status === "WAITING") return { response, result: await steps.suspend(info(response)) };
    return { response };
  } finally {
    steps.waiting = false;
  }
}

/** The current attempt, or a clear error for a call that only makes sense inside a task. */
export function requireTask(fn: string): ExecutionStore {
  const store = currentExecution();
  if (!store?.steps) throw new Error(`${fn} can only be used from inside a task's run function (it waits durably, which needs the run's worker)`);
  return store;
}

/** A waitpoint's output as a value (its packet decoded). */
export function waitpointOutput(result: WaitpointResult): unknown {
  return parsePacket({ ...(result.output !== undefined ? { data: result.output } : {}), dataType: result.outputType as never });
}
