import type { ApiDeps } from "../context.js";
import { decrypt, encrypt } from "../crypto/encryption.js";
import { badRequest, notFound } from "../errors.js";
import { deleteEnvVar, selectEnvVars, updateEnvVar, upsertEnvVars } from "./queries/env-vars.js";

export const ENV_VAR_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface EnvVar {
  name: string;
  value: string;
  isSecret: boolean;
}

/**
 * The variables an attempt in this environment gets, decrypted. A preview branch gets its parent preview
 * environment's values, overridden by its own.
 */
export async function resolveEnvVars(deps: ApiDeps, environmentId: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const v of await listEnvVars(deps, environmentId)) out[v.name] = v.value;
  return out;
}

/** Merged list (branch values override inherited ones), sorted by name. */
export async function listEnvVars(deps: ApiDeps, environmentId: string): Promise<EnvVar[]> {
  const merged = new Map<string, EnvVar>();
  for (const row of await selectEnvVars(deps.sql, environmentId)) {
    merged.set(row.name, { name: row.name, value: decrypt(deps.config.encryptionKey, row.value_encrypted), isSecret: row.is_secret });
  }
  return [...merged.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** What the API returns: a secret's value is never sent back once stored (it reads as ""). */
export function redact(v: EnvVar): EnvVar {
  return v.isSecret ? { name: v.name, value: "", isSecret: true } : v;
}

export async function getEnvVar(deps: ApiDeps, environmentId: string, name: string): Promise<EnvVar> {
  const found = (await listEnvVars(deps, environmentId)).find((v) => v.name === name);
  if (!found) throw notFound(`Environment variable ${name} not found`, "name");
  return found;
}

/** Creates or (with override) replaces variables of this environment. */
export async function setEnvVars(deps: ApiDeps, environmentId: string, vars: EnvVar[], override: boolean): Promise<void> {
  for (const v of vars) {
    if (!ENV_VAR_NAME_RE.test(v.name)) throw badRequest(`Invalid variable name ${JSON.stringify(v.name)}: use letters, digits and _`, "name");
  }
  await upsertEnvVars(
    deps.sql,
    environmentId,
    vars.map((v) => ({ name: v.name, valueEncrypted: encrypt(deps.config.encryptionKey, v.value), isSecret: v.isSecret })),
    override,
  );
}

export async function updateEnvVarValue(deps: ApiDeps, environmentId: string, name: string, value: string): Promise<void> {
  if (!(await updateEnvVar(deps.sql, environmentId, name, encrypt(deps.config.encryptionKey, value)))) {
    // a branch overriding an inherited value gets its own row
    const inherited = (await selectEnvVars(deps.sql, environmentId)).find((r) => r.name === name);
    if (!inherited) throw notFound(`Environment variable ${name} not found`, "name");
    await setEnvVars(deps, environmentId, [{ name, value, isSecret: inherited.is_secret }], true);
  }
}

export async function removeEnvVar(deps: ApiDeps, environmentId: string, name: string): Promise<void> {
  if (!(await deleteEnvVar(deps.sql, environmentId, name))) throw notFound(`Environment variable ${name} not found`, "name");
}
