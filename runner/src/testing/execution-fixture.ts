import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { MachinePreset, TaskRunExecution } from "@gantry/sdk/contracts";

/** runner/test/fixtures: hand-written workers that speak the IPC protocol. */
export const FIXTURES_DIR = fileURLToPath(new URL("../../test/fixtures/", import.meta.url));

/** A complete TaskRunExecution, as the api would hand it out, for a payload the fixture worker understands. */
export function makeExecution(
  payload: Record<string, unknown>,
  overrides: { runId?: string; maxDuration?: number; machine?: MachinePreset; env?: Record<string, string> } = {},
): TaskRunExecution {
  const runId = overrides.runId ?? `run_${randomBytes(8).toString("hex")}`;
  const now = new Date();
  const machine = overrides.machine ?? "small-1x";
  return {
    task: { id: "fixture-task", filePath: "src/trigger/fixture.ts" },
    attempt: { id: `attempt_${randomBytes(6).toString("hex")}`, number: 1, startedAt: now, status: "EXECUTING" },
    run: {
      id: runId,
      payload: JSON.stringify(payload),
      payloadType: "application/json",
      tags: [],
      isTest: false,
      createdAt: now,
      startedAt: now,
      maxDuration: overrides.maxDuration,
      version: "20260101.1",
      durationMs: 0,
      costInCents: 0,
      baseCostInCents: 0,
      depth: 0,
    },
    queue: { id: "queue_1", name: "task/fixture-task" },
    environment: { id: "env_1", slug: "prod", type: "PRODUCTION" },
    organization: { id: "org_1", slug: "demo", name: "Demo" },
    project: { id: "proj_1", ref: "proj_gantrydemo", slug: "demo", name: "Demo" },
    deployment: { id: "dep_1", shortCode: "abc", version: "20260101.1", artifactHash: "0".repeat(64), entryPoint: "worker.mjs" },
    machine: { name: machine, cpu: 0.5, memory: 0.5 },
    env: overrides.env ?? {},
    runToken: "run-token-for-this-run",
    apiUrl: "http://127.0.0.1:1",
  };
}
