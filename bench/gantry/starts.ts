import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { TaskRunExecution } from "@gantry/sdk/contracts";
import { ProcessExecutor } from "../../runner/src/executor/index.js";
import { summarise, type Summary } from "../lib/stats.js";

const KEEPALIVE_WARMUP = 100;

export interface StartFigures {
  /** a process spawned ahead (bundle loaded, never used): the default, a fresh process per run */
  warmFresh: Summary;
  /** a process reused across runs (processKeepAlive), after KEEPALIVE_WARMUP untimed runs */
  warmKeepAlive: Summary;
  /** nothing spawned ahead: spawn + load the bundle + the run */
  cold: Summary;
  /** reference point: spawning `node -e ""` until it exits (Node's own start-up on this machine) */
  nodeStartup: Summary;
}

/**
 * Start latencies through the runner's ProcessExecutor, directly (no api, no queue): the time from
 * `execute()` to the no-op task's result.
 */
export async function measureStarts(opts: { workerDir: string; entryPoint: string; taskId: string; filePath: string; warmSamples: number; coldSamples: number }): Promise<StartFigures> {
  const quiet = { warn: () => {} };
  const request = () => ({
    execution: execution(opts.taskId, opts.filePath, opts.entryPoint),
    workerDir: opts.workerDir,
    entryPoint: opts.entryPoint,
    onLog: () => {},
  });
  const timed = async (executor: ProcessExecutor, keepAlive: boolean): Promise<number> => {
    const t0 = performance.now();
    const result = await executor.execute({ ...request(), keepAlive: { enabled: keepAlive, maxExecutionsPerProcess: 1_000_000 } });
    const ms = performance.now() - t0;
    if (!result.ok) throw new Error(`the no-op task failed in the executor: ${JSON.stringify(result.error)}`);
    return ms;
  };

  const cold: number[] = [];
  for (let i = 0; i < opts.coldSamples; i++) {
    const executor = new ProcessExecutor({ ...quiet, warmProcesses: 0 });
    try {
      cold.push(await timed(executor, false));
    } finally {
      await executor.close();
    }
  }

  const warmFresh: number[] = [];
  const warmKeepAlive: number[] = [];
  const executor = new ProcessExecutor({ ...quiet, warmProcesses: 1 });
  try {
    const machine = "small-1x" as const;
    // each of these waits (untimed) for a fresh process to spawn, so fewer than the keep-alive samples
    for (let i = 0; i < opts.coldSamples * 2; i++) {
      await executor.prewarm({ workerDir: opts.workerDir, entryPoint: opts.entryPoint, machine });
      warmFresh.push(await timed(executor, false));
    }
    await executor.prewarm({ workerDir: opts.workerDir, entryPoint: opts.entryPoint, machine });
    // The first runs of a kept process pay for V8's warm-up (JIT) of the SDK's execute path: untimed.
    for (let i = 0; i < KEEPALIVE_WARMUP; i++) await timed(executor, true);
    for (let i = 0; i < opts.warmSamples; i++) warmKeepAlive.push(await timed(executor, true));
  } finally {
    await executor.close();
  }
  const nodeStartup: number[] = [];
  for (let i = 0; i < opts.coldSamples; i++) {
    const t0 = performance.now();
    await new Promise((resolve) => spawn(process.execPath, ["-e", ""], { stdio: "ignore" }).once("exit", resolve));
    nodeStartup.push(performance.now() - t0);
  }
  return { warmFresh: summarise(warmFresh), warmKeepAlive: summarise(warmKeepAlive), cold: summarise(cold), nodeStartup: summarise(nodeStartup) };
}

function execution(taskId: string, filePath: string, entryPoint: string): TaskRunExecution {
  const now = new Date();
  const id = randomBytes(8).toString("hex");
  return {
    task: { id: taskId, filePath },
    attempt: { id: `attempt_${id}`, number: 1, startedAt: now, status: "EXECUTING" },
    run: {
      id: `run_${id}`,
      payload: "{}",
      payloadType: "application/json",
      tags: [],
      isTest: false,
      createdAt: now,
      startedAt: now,
      version: "bench",
      durationMs: 0,
      costInCents: 0,
      baseCostInCents: 0,
      depth: 0,
    },
    queue: { id: "queue_bench", name: `task/${taskId}` },
    environment: { id: "env_bench", slug: "prod", type: "PRODUCTION" },
    organization: { id: "org_bench", slug: "bench", name: "Bench" },
    project: { id: "proj_bench", ref: "proj_gantrydemo", slug: "bench", name: "Bench" },
    deployment: { id: "dep_bench", shortCode: "bench", version: "bench", artifactHash: "0".repeat(64), entryPoint },
    machine: { name: "small-1x", cpu: 0.5, memory: 0.5 },
    env: {},
    runToken: "bench-run-token",
    apiUrl: "http://127.0.0.1:1",
  };
}
