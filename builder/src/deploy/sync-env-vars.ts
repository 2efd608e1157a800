import { z } from "zod";
import type { EnvironmentSlug } from "@gantry/sdk/contracts";
import type { SyncEnvVarsFunction, SyncEnvVarsResult } from "@gantry/sdk";
import type { ResolvedConfig } from "../config/config-schema.js";
import { CliError } from "../errors.js";
import type { BuildExtension } from "../extensions/types.js";
import type { ApiClient } from "./api-client.js";

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The reference's `syncEnvVars` build extension: before a deploy becomes current, the variables `fn` returns are
 * upserted into the environment deployed to (the branch, for previews). Only their names are printed.
 *
 * @example
 * // gantry.config.ts
 * import { syncEnvVars } from "@gantry/builder/extensions";
 * export default defineConfig({
 *   project: "proj_abc",
 *   build: { extensions: [syncEnvVars(async (ctx) => ({ DATABASE_URL: await secrets.get(ctx.environment, "db") }))] },
 * });
 */
export function syncEnvVars(fn: SyncEnvVarsFunction, options: { override?: boolean } = {}): BuildExtension {
  return { name: "syncEnvVars", syncEnvVars: fn, ...(options.override === false ? { syncEnvVarsOverride: false } : {}) };
}

export interface SyncedVar {
  name: string;
  value: string;
  /** preview deploys: goes on the preview environment every branch inherits */
  parent: boolean;
  override: boolean;
  /** where it came from: "--env-file" or the extension's name */
  source: string;
}

export interface CollectOptions {
  config: ResolvedConfig;
  env: EnvironmentSlug;
  branch?: string;
  /** `--env-file`'s variables: synced first, a hook's value for the same name wins */
  fileVars?: Record<string, string>;
  /** what hooks see as `ctx.env` */
  processEnv?: Record<string, string | undefined>;
  /** false: only the file's variables (dev deploys) */
  hooks?: boolean;
}

/** Runs every extension's `syncEnvVars` hook and gathers their variables with `--env-file`'s. */
export async function collectSyncVars(opts: CollectOptions): Promise<SyncedVar[]> {
  const byName = new Map<string, SyncedVar>();
  const add = (v: SyncedVar) => {
    if (!NAME_RE.test(v.name)) throw new CliError(`${v.source} gives an invalid variable name "${v.name}": use letters, digits and _ (not starting with a digit)`, "sync_env_vars_invalid");
    byName.delete(`${v.parent}:${v.name}`);
    byName.set(`${v.parent}:${v.name}`, v);
  };
  for (const [name, value] of Object.entries(opts.fileVars ?? {})) add({ name, value, parent: false, override: true, source: "--env-file" });

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.processEnv ?? {})) if (v !== undefined) env[k] = v;
  for (const extension of opts.hooks === false ? [] : opts.config.build.extensions) {
    if (typeof extension.syncEnvVars !== "function") continue;
    const source = `syncEnvVars (extension "${extension.name}")`;
    let result: SyncEnvVarsResult;
    try {
      result = await extension.syncEnvVars({ environment: opts.env, projectRef: opts.config.project, env: { ...env }, ...(opts.branch ? { branch: opts.branch } : {}) });
    } catch (error) {
      throw new CliError(`${source} failed: ${(error as Error)?.message ?? String(error)}. Fix the callback in ${opts.config.configFile} (nothing was synced, the deploy stopped)`, "sync_env_vars_failed", { cause: error });
    }
    for (const v of normalize(result, source)) add({ ...v, override: extension.syncEnvVarsOverride !== false, source });
  }
  return [...byName.values()];
}

const ResultShape = z.union([
  z.undefined(),
  z.null(),
  z.record(z.string(), z.string()),
  z.array(z.object({ name: z.string(), value: z.string(), isParentEnv: z.boolean().optional() })),
]);

function normalize(result: unknown, source: string): Array<{ name: string; value: string; parent: boolean }> {
  const parsed = ResultShape.safeParse(result);
  if (!parsed.success) {
    throw new CliError(`${source} returned ${describe(result)}: return { NAME: "value" } or [{ name, value }] with string values`, "sync_env_vars_invalid");
  }
  const value = parsed.data;
  if (!value) return [];
  if (Array.isArray(value)) return value.map((v) => ({ name: v.name, value: v.value, parent: v.isParentEnv === true }));
  return Object.entries(value).map(([name, v]) => ({ name, value: v, parent: false }));
}

/** Names what is wrong with a result, e.g. `PORT: a number`. */
function describe(value: unknown): string {
  if (value === null || typeof value !== "object") return `a ${typeof value}`;
  if (Array.isArray(value)) {
    const i = value.findIndex((v) => !v || typeof v !== "object" || typeof v.name !== "string" || typeof v.value !== "string");
    const item = value[i] as { name?: unknown; value?: unknown } | undefined;
    return `a list whose item ${i}${typeof item?.name === "string" ? ` (${item.name})` : ""} is not { name: string, value: string }`;
  }
  const bad = Object.entries(value).find(([, v]) => typeof v !== "string");
  return bad ? `${bad[0]}: a ${typeof bad[1]}, not a string` : "an unexpected object";
}

/**
 * Upserts the gathered variables through the api's env var service (`/api/v1/projects/:ref/envvars/:env/import`),
 * on the branch for preview deploys (its parent for `isParentEnv`). Returns the names synced.
 */
export async function pushSyncVars(client: ApiClient, projectRef: string, env: EnvironmentSlug, branch: string | undefined, vars: SyncedVar[]): Promise<string[]> {
  const groups = new Map<string, { parent: boolean; override: boolean; vars: SyncedVar[] }>();
  for (const v of vars) {
    const parent = v.parent && env === "preview";
    const key = `${parent}:${v.override}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { parent, override: v.override, vars: [] }));
    group.vars.push(v);
  }
  const path = `/api/v1/projects/${encodeURIComponent(projectRef)}/envvars/${env}/import`;
  for (const group of groups.values()) {
    const target = group.parent || !branch ? client : client.withBranch(branch);
    const variables = Object.fromEntries(group.vars.map((v) => [v.name, v.value]));
    await target.json("POST", path, z.unknown(), { variables, override: group.override });
  }
  return vars.map((v) => v.name);
}
