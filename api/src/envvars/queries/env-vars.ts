import type { Db as Sql } from "../../db/sql.js";

export interface EnvVarRow {
  name: string;
  value_encrypted: string;
  is_secret: boolean;
  /** false when inherited from the parent preview environment */
  own: boolean;
}

/** An environment's variables and, for a preview branch, its parent's (own rows listed after inherited ones). */
export async function selectEnvVars(sql: Sql, environmentId: string): Promise<EnvVarRow[]> {
  return sql<EnvVarRow[]>`
    select v.name, v.value_encrypted, v.is_secret, (v.environment_id = e.id) as own
    from environments e
    join env_vars v on v.environment_id = e.id or v.environment_id = e.parent_environment_id
    where e.id = ${environmentId}
    order by own, v.name`;
}

export async function upsertEnvVars(
  sql: Sql,
  environmentId: string,
  vars: { name: string; valueEncrypted: string; isSecret: boolean }[],
  override: boolean,
): Promise<void> {
  if (vars.length === 0) return;
  const rows = vars.map((v) => ({ name: v.name, value_encrypted: v.valueEncrypted, is_secret: v.isSecret }));
  if (override) {
    await sql`
      insert into env_vars (environment_id, name, value_encrypted, is_secret)
      select ${environmentId}, r.name, r.value_encrypted, r.is_secret
      from jsonb_to_recordset(${sql.json(rows as never)}) as r(name text, value_encrypted text, is_secret boolean)
      on conflict (environment_id, name) do update
        set value_encrypted = excluded.value_encrypted, is_secret = env_vars.is_secret or excluded.is_secret, updated_at = now()`;
  } else {
    await sql`
      insert into env_vars (environment_id, name, value_encrypted, is_secret)
      select ${environmentId}, r.name, r.value_encrypted, r.is_secret
      from jsonb_to_recordset(${sql.json(rows as never)}) as r(name text, value_encrypted text, is_secret boolean)
      on conflict (environment_id, name) do nothing`;
  }
}

export async function updateEnvVar(sql: Sql, environmentId: string, name: string, valueEncrypted: string): Promise<boolean> {
  const rows = await sql`
    update env_vars set value_encrypted = ${valueEncrypted}, updated_at = now()
    where environment_id = ${environmentId} and name = ${name} returning name`;
  return rows.length === 1;
}

export async function deleteEnvVar(sql: Sql, environmentId: string, name: string): Promise<boolean> {
  const rows = await sql`delete from env_vars where environment_id = ${environmentId} and name = ${name} returning name`;
  return rows.length === 1;
}
