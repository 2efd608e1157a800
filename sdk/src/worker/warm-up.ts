import SuperJSON from "superjson";
import { ParentToWorker, type TaskRunExecution } from "../contracts/index.js";
import { parsePacket } from "../client/packets.js";
import { executeAttempt } from "./execute-attempt.js";

/** No task has this id, so the dry execution below runs no user code, hooks included. */
const WARM_UP_TASK_ID = "__gantry_warm_up__";

/**
 * A dry execution before the worker says `ready`: the first `execute` in a fresh process otherwise pays for V8
 * compiling the execute path (the message's schema parse, the attempt machinery, packet and output encoding)
 * while a run waits. The execution names a task that is not registered, so nothing of the user's runs and
 * nothing is sent to the runner.
 */
export async function warmUp(): Promise<void> {
  const raw = JSON.parse(JSON.stringify({ type: "execute", execution: warmUpExecution() })) as unknown;
  for (let i = 0; i < 3; i++) {
    const parsed = ParentToWorker.safeParse(raw);
    if (!parsed.success || parsed.data.type !== "execute") return;
    await executeAttempt(parsed.data.execution, { emit: () => {} }).result;
    SuperJSON.stringify(parsePacket({ data: '{"warm":true}', dataType: "application/json" }));
    JSON.stringify({ type: "completed", runId: parsed.data.execution.run.id, attemptNumber: 1, result: { ok: true } });
  }
}

function warmUpExecution(): TaskRunExecution {
  const now = new Date();
  return {
    task: { id: WARM_UP_TASK_ID, filePath: "" },
    attempt: { id: "attempt_warm_up", number: 1, startedAt: now, status: "EXECUTING" },
    run: {
      id: "run_warm_up",
      payload: "{}",
      payloadType: "application/json",
      tags: [],
      isTest: false,
      createdAt: now,
      startedAt: now,
      version: "0",
      durationMs: 0,
      costInCents: 0,
      baseCostInCents: 0,
      depth: 0,
    },
    queue: { id: "queue_warm_up", name: `task/${WARM_UP_TASK_ID}` },
    environment: { id: "env_warm_up", slug: "prod", type: "PRODUCTION" },
    organization: { id: "org_warm_up", slug: "warm-up", name: "warm-up" },
    project: { id: "proj_warm_up", ref: "proj_warm_up", slug: "warm-up", name: "warm-up" },
    deployment: { id: "deployment_warm_up", shortCode: "warm", version: "0", artifactHash: "0".repeat(64), entryPoint: "index.mjs" },
    machine: { name: "small-1x", cpu: 0.5, memory: 0.5 },
    env: {},
    runToken: "warm-up",
    apiUrl: "http://127.0.0.1:1",
  };
}
