import type { EnvironmentType, MachinePreset, TaskRunExecution } from "../contracts/index.js";

/** Git details of the deployment, with the reference's field names. */
export interface GitContext {
  commitAuthorName?: string;
  commitMessage?: string;
  commitRef?: string;
  commitSha?: string;
  dirty?: boolean;
  remoteUrl?: string;
  pullRequestNumber?: number;
  pullRequestTitle?: string;
  pullRequestState?: "open" | "closed" | "merged";
}

/**
 * `ctx`: what a task knows about the run it is executing (the reference's context page). Frozen.
 *
 * @example
 * task({ id: "who-am-i", run: async (_p, { ctx }) => ({ run: ctx.run.id, attempt: ctx.attempt.number }) });
 */
export interface Context {
  task: { id: string; filePath: string };
  attempt: { number: number; startedAt: Date };
  run: {
    id: string;
    context?: unknown;
    tags: string[];
    isTest: boolean;
    createdAt: Date;
    startedAt: Date;
    idempotencyKey?: string;
    maxAttempts?: number;
    durationMs: number;
    costInCents: number;
    baseCostInCents: number;
    version?: string;
    maxDuration?: number;
    parentTaskRunId?: string;
    rootTaskRunId?: string;
    depth: number;
  };
  queue: { id: string; name: string };
  environment: { id: string; slug: string; type: EnvironmentType; branchName?: string; git?: GitContext };
  organization: { id: string; slug: string; name: string };
  project: { id: string; ref: string; slug: string; name: string };
  batch?: { id: string };
  machine: { name: MachinePreset; cpu: number; memory: number; centsPerMs: number };
  /** every Gantry attempt runs a deployed (or dev) version, so this is always set */
  deployment: { id: string; shortCode: string; version: string; runtime: string; runtimeVersion: string; git?: GitContext };
}

/** Builds `ctx` from the execution the runner hands over. */
export function buildContext(execution: TaskRunExecution): Context {
  const git = toGitContext(execution.deployment.git);
  const run = execution.run;
  const ctx: Context = {
    task: { id: execution.task.id, filePath: execution.task.filePath },
    attempt: { number: execution.attempt.number, startedAt: execution.attempt.startedAt },
    run: omitUndefined({
      id: run.id,
      context: run.context,
      tags: run.tags,
      isTest: run.isTest,
      createdAt: run.createdAt,
      startedAt: run.startedAt,
      idempotencyKey: run.idempotencyKey,
      maxAttempts: run.maxAttempts,
      durationMs: run.durationMs,
      costInCents: run.costInCents,
      baseCostInCents: run.baseCostInCents,
      version: run.version,
      maxDuration: run.maxDuration,
      parentTaskRunId: run.parentTaskRunId,
      rootTaskRunId: run.rootTaskRunId,
      depth: run.depth,
    }),
    queue: { ...execution.queue },
    environment: omitUndefined({ ...execution.environment, git }),
    organization: { ...execution.organization },
    project: { ...execution.project },
    ...(execution.batch ? { batch: { id: execution.batch.id } } : {}),
    machine: { name: execution.machine.name, cpu: execution.machine.cpu, memory: execution.machine.memory, centsPerMs: 0 },
    deployment: omitUndefined({
      id: execution.deployment.id,
      shortCode: execution.deployment.shortCode,
      version: execution.deployment.version,
      runtime: "node",
      runtimeVersion: typeof process !== "undefined" ? process.versions.node : "",
      git,
    }),
  };
  return deepFreeze(ctx);
}

function toGitContext(git: Record<string, unknown> | undefined): GitContext | undefined {
  if (!git) return undefined;
  const str = (k: string) => (typeof git[k] === "string" ? (git[k] as string) : undefined);
  const state = str("pullRequestState");
  const pullRequestState: GitContext["pullRequestState"] = state === "open" || state === "closed" || state === "merged" ? state : undefined;
  return omitUndefined<GitContext>({
    commitAuthorName: str("commitAuthorName") ?? str("authorName"),
    commitMessage: str("commitMessage"),
    commitRef: str("commitRef"),
    commitSha: str("commitSha"),
    dirty: typeof git.dirty === "boolean" ? git.dirty : undefined,
    remoteUrl: str("remoteUrl"),
    pullRequestNumber: typeof git.pullRequestNumber === "number" ? git.pullRequestNumber : undefined,
    pullRequestTitle: str("pullRequestTitle"),
    pullRequestState,
  });
}

function omitUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !(value instanceof Date) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
