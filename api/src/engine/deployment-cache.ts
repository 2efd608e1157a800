import type { MachinePreset, RuntimeConfig, TaskRetryOptions } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { col } from "../batching/arrays.js";

export interface CachedTask {
  slug: string;
  filePath: string;
  exportName: string | undefined;
  queueName: string;
  /** with `outOfMemory.machine` when the task sets one */
  retry: TaskRetryOptions | undefined;
  maxDuration: number | undefined;
  machine: MachinePreset | undefined;
}

export interface CachedDeployment {
  id: string;
  shortCode: string;
  version: string;
  artifactHash: string;
  entryPoint: string;
  config: Partial<RuntimeConfig>;
  git: Record<string, unknown> | undefined;
  tasks: Map<string, CachedTask>;
}

/**
 * Deployed versions never change (a new version is a new deployment), so what an attempt needs from one is
 * read once per api process and kept: a start does no per-run read of manifests.
 */
const MAX_ENTRIES = 500;
const caches = new WeakMap<ApiDeps, Map<string, CachedDeployment>>();

export async function loadDeployments(deps: ApiDeps, ids: string[]): Promise<Map<string, CachedDeployment>> {
  let cache = caches.get(deps);
  if (!cache) {
    cache = new Map();
    caches.set(deps, cache);
  }
  const out = new Map<string, CachedDeployment>();
  const missing: string[] = [];
  for (const id of new Set(ids)) {
    const hit = cache.get(id);
    if (hit) out.set(id, hit);
    else missing.push(id);
  }
  if (missing.length === 0) return out;
  const rows = await deps.sql<
    { id: string; short_code: string; version: string; artifact_hash: string | null; entry_point: string | null; config: Partial<RuntimeConfig> | null; git: Record<string, unknown> | null }[]
  >`
    select id, short_code, version, artifact_hash, manifest ->> 'entryPoint' as entry_point, manifest -> 'config' as config, git
    from deployments where id = any(${col(deps.sql, missing)}::text[])`;
  const tasks = await deps.sql<
    { deployment_id: string; slug: string; file_path: string; export_name: string | null; queue_name: string; retry: TaskRetryOptions | null; max_duration: number | null; machine: MachinePreset | null }[]
  >`
    select deployment_id, slug, file_path, export_name, queue_name, retry, max_duration, machine
    from tasks where deployment_id = any(${col(deps.sql, missing)}::text[])`;
  for (const row of rows) {
    const entry: CachedDeployment = {
      id: row.id,
      shortCode: row.short_code,
      version: row.version,
      artifactHash: row.artifact_hash ?? "",
      entryPoint: row.entry_point ?? "index.mjs",
      config: row.config ?? {},
      git: row.git ?? undefined,
      tasks: new Map(),
    };
    for (const t of tasks) {
      if (t.deployment_id !== row.id) continue;
      entry.tasks.set(t.slug, {
        slug: t.slug,
        filePath: t.file_path,
        exportName: t.export_name ?? undefined,
        queueName: t.queue_name,
        retry: t.retry ?? undefined,
        maxDuration: t.max_duration ?? undefined,
        machine: t.machine ?? undefined,
      });
    }
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
    // only finished deployments are immutable; others are re-read next time
    if (row.artifact_hash) cache.set(row.id, entry);
    out.set(row.id, entry);
  }
  return out;
}
