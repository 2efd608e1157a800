import { MACHINE_SPECS, type MachinePreset, type PacketType, type StartAttemptResult, type TaskRunExecution } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { signRunToken } from "../auth/run-token.js";
import { resolveEnvVars } from "../envvars/service.js";
import { loadDeployments, type CachedDeployment } from "../engine/deployment-cache.js";
import { loadEnvironmentContext } from "../engine/environment-context.js";
import { readLeases, takeLeases } from "../queue/leases.js";
import { releaseSlots } from "../queue/gate.js";
import { resolveStoredPayloads } from "../packets/service.js";
import { publishRunChanges } from "../realtime/publish.js";
import { selectLastWaitResults } from "../waitpoints/queries/run-steps.js";
import { waitpointResult } from "../waitpoints/present.js";
import { resumeElsewhere } from "./forward-resume.js";
import { closeLostSuspendedAttempts, resumeAttempts } from "./queries/resume-attempts.js";
import { selectStartFailures, startAttempts, type StartSelection, type StartedRunRow } from "./queries/start-attempts.js";

/** The machine of a run whose trigger, task and config name none. */
export const DEFAULT_MACHINE: MachinePreset = "small-1x";
/** Statuses in which a run whose start failed keeps its gate slot. */
const KEEPS_SLOT = new Set<string>(["QUEUED", "DELAYED", "DEQUEUED", "EXECUTING"]);
/** Environments whose variables one start request reads ahead (a runner's batch rarely spans more). */
const MAX_ENVIRONMENT_HINTS = 8;

/**
 * Starts attempts (runner "start many", dev claim): one statement, then the lease per run in Redis, then the
 * full execution each attempt needs. Runs that could not start say why.
 */
export async function startRuns(
  deps: ApiDeps,
  selection: StartSelection,
  runnerId: string,
  /** environments the runs are expected in (from their jobs): their variables are read alongside the start */
  environmentHints: string[] = [],
  /** runs whose attempt this runner holds suspended at a wait (run id → attempt number): resumed in place */
  resumable: Map<string, number> = new Map(),
): Promise<StartAttemptResult[]> {
  const envVars = new Map<string, Promise<Record<string, string>>>();
  for (const id of environmentHints.slice(0, MAX_ENVIRONMENT_HINTS)) {
    const vars = resolveEnvVars(deps, id);
    vars.catch(() => undefined); // a hint that turns out unused must not become an unhandled rejection
    envVars.set(id, vars);
  }
  // the suspended attempts this runner holds continue where they waited; every other run starts an attempt
  const resumed =
    selection.kind === "ids" && resumable.size > 0
      ? await resumeAttempts(deps.sql, [...resumable].map(([runId, attemptNumber]) => ({ runId, attemptNumber })), selection.scope)
      : [];
  if (resumed.length > 0 && selection.kind === "ids") {
    const done = new Set(resumed.map((r) => r.id));
    selection = { ...selection, runIds: selection.runIds.filter((id) => !done.has(id)) };
  }
  const rows: StartedRunRow[] = selection.kind === "ids" && selection.runIds.length === 0 ? [] : await startAttempts(deps.sql, selection, runnerId);
  const failures: StartAttemptResult[] = [];
  if (selection.kind === "ids") {
    const started = new Set(rows.map((r) => r.id));
    let failed = selection.runIds.filter((id) => !started.has(id));
    let statuses = await selectStartFailures(deps.sql, failed);
    // the rare path: an EXECUTING run whose runner vanished (its lease is gone) starts again as a new attempt
    const executing = failed.filter((id) => statuses.get(id) === "EXECUTING");
    if (executing.length > 0) {
      const leases = await readLeases(deps, executing);
      const leaseLost = executing.filter((_, i) => leases[i] === null);
      if (leaseLost.length > 0) {
        const redriven = await startAttempts(
          deps.sql,
          { ...selection, runIds: leaseLost, leaseLost, quietMs: deps.config.GANTRY_HEARTBEAT_TIMEOUT_MS },
          runnerId,
        );
        rows.push(...redriven);
        const again = new Set(redriven.map((r) => r.id));
        failed = failed.filter((id) => !again.has(id));
        statuses = new Map([...statuses].filter(([id]) => !again.has(id)));
      }
    }
    // the rare path of waits: a QUEUED run left alone because another runner holds its suspended attempt is
    // handed to that runner to resume in place, or replayed here if that runner is gone
    const parked = failed.filter((id) => statuses.get(id) === "QUEUED");
    const forwarded = new Set<string>();
    if (parked.length > 0) {
      const elsewhere = await resumeElsewhere(deps, parked);
      for (const id of elsewhere.forwarded) forwarded.add(id);
      if (elsewhere.replayable.length > 0) {
        const replayed = await startAttempts(deps.sql, { ...selection, runIds: elsewhere.replayable, replayAny: elsewhere.replayable }, runnerId);
        rows.push(...replayed);
        const again = new Set(replayed.map((r) => r.id));
        failed = failed.filter((id) => !again.has(id));
      }
    }
    // a run that cannot start any more gives its gate slot back (one still QUEUED or DELAYED keeps it: its
    // start only lost a race, and the reconciler gives it a new job)
    const leaving = failed.filter((id) => !KEEPS_SLOT.has(statuses.get(id) ?? "gone"));
    if (leaving.length > 0) releaseSlots(deps, leaving).catch((error: unknown) => console.error("[engine] releasing slots of unstartable runs failed (the reconciler frees them):", error));
    for (const runId of failed) {
      const status = statuses.get(runId);
      const reason = forwarded.has(runId)
        ? "resumed_elsewhere"
        : status === undefined ? "not_found" : status === "PENDING_VERSION" ? "pending_version" : status === "DELAYED" ? "delayed" : "not_startable";
      failures.push({ runId, ok: false, reason });
    }
  }
  // new attempts of runs that were suspended at a wait (their holder is gone): they replay from the record
  const replays = rows.filter((r) => r.suspended_attempt !== null);
  if (replays.length > 0) await closeLostSuspendedAttempts(deps.sql, replays.map((r) => ({ runId: r.id, suspendedAttempt: r.suspended_attempt! })));
  rows.push(...resumed);
  publishRunChanges(deps, rows.map((r) => ({ runId: r.id, environmentId: r.environment_id })));
  const [, executions, waits] = await Promise.all([
    takeLeases(deps, rows.map((r) => ({ runId: r.id, attemptNumber: r.attempt_number }))),
    // offloaded payloads become the packet's content here (no statement when none is offloaded)
    resolveStoredPayloads(deps, rows).then(() => buildExecutions(deps, rows, envVars)),
    // a resumed attempt continues with the result of the wait it was suspended on
    selectLastWaitResults(deps.sql, resumed.map((r) => r.id)),
  ]);
  return [
    ...rows.map((row, i) => {
      const wait = waits.get(row.id);
      return { runId: row.id, ok: true as const, execution: executions[i]!, ...(wait ? { resume: { waitpoint: waitpointResult(wait) } } : {}) };
    }),
    ...failures,
  ];
}

async function buildExecutions(
  deps: ApiDeps,
  rows: StartedRunRow[],
  prefetched: Map<string, Promise<Record<string, string>>>,
): Promise<TaskRunExecution[]> {
  if (rows.length === 0) return [];
  const envIds = [...new Set(rows.map((r) => r.environment_id))];
  const [deployments, contexts, envVars] = await Promise.all([
    loadDeployments(deps, rows.map((r) => r.locked_deployment_id)),
    Promise.all(envIds.map(async (id) => [id, await loadEnvironmentContext(deps, id)] as const)).then((e) => new Map(e)),
    Promise.all(envIds.map(async (id) => [id, await (prefetched.get(id) ?? resolveEnvVars(deps, id))] as const)).then((e) => new Map(e)),
  ]);
  return rows.map((row) => {
    const deployment = deployments.get(row.locked_deployment_id);
    if (!deployment) throw new Error(`deployment ${row.locked_deployment_id} of run ${row.id} vanished`);
    return executionFor(deps, row, deployment, contexts.get(row.environment_id)!, envVars.get(row.environment_id) ?? {});
  });
}

function executionFor(
  deps: ApiDeps,
  row: StartedRunRow,
  deployment: CachedDeployment,
  context: Awaited<ReturnType<typeof loadEnvironmentContext>>,
  env: Record<string, string>,
): TaskRunExecution {
  const task = deployment.tasks.get(row.task_identifier);
  const config = deployment.config;
  const machine = (row.machine ?? task?.machine ?? config.machine ?? DEFAULT_MACHINE) as MachinePreset;
  const spec = MACHINE_SPECS[machine] ?? MACHINE_SPECS[DEFAULT_MACHINE];
  const maxDuration = row.max_duration ?? task?.maxDuration ?? config.maxDuration;
  return {
    task: { id: row.task_identifier, filePath: task?.filePath ?? "", exportName: task?.exportName },
    attempt: { id: row.attempt_id, number: row.attempt_number, startedAt: row.attempt_started_at, status: "EXECUTING" },
    run: {
      id: row.id,
      payload: row.payload ?? undefined,
      payloadType: row.payload_type as PacketType,
      tags: row.tags,
      isTest: row.is_test,
      createdAt: row.created_at,
      startedAt: row.started_at,
      idempotencyKey: row.idempotency_key ?? undefined,
      maxAttempts: row.max_attempts,
      maxDuration: maxDuration ?? undefined,
      metadata: row.metadata ?? undefined,
      version: deployment.version,
      durationMs: Number(row.usage_duration_ms),
      costInCents: 0,
      baseCostInCents: 0,
      parentTaskRunId: row.parent_run_id ?? undefined,
      rootTaskRunId: row.root_run_id ?? undefined,
      depth: row.depth,
    },
    queue: { id: `queue_${row.queue_name}`, name: row.queue_name },
    environment: context.environment,
    organization: context.organization,
    project: context.project,
    deployment: {
      id: deployment.id,
      shortCode: deployment.shortCode,
      version: deployment.version,
      artifactHash: deployment.artifactHash,
      entryPoint: deployment.entryPoint,
      git: deployment.git,
    },
    machine: { name: machine, cpu: spec.cpu, memory: spec.memoryGb },
    ...(row.batch_id ? { batch: { id: row.batch_id } } : {}),
    retry: { ...config.retries?.default, ...task?.retry, maxAttempts: row.max_attempts },
    env,
    runToken: signRunToken(deps.config, { environmentId: row.environment_id, runId: row.id, attemptNumber: row.attempt_number }),
    apiUrl: deps.config.publicUrl,
  };
}
