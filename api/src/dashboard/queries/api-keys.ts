import type { Sql } from "../../db/sql.js";

/** Revokes the environment's live keys and inserts the new one, in one transaction. */
export async function replaceApiKey(
  sql: Sql,
  k: { id: string; environmentId: string; keyHash: string; keyEncrypted: string; keyHint: string; now: Date },
): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`update api_keys set revoked_at = ${k.now} where environment_id = ${k.environmentId} and revoked_at is null`;
    await tx`
      insert into api_keys (id, environment_id, key_hash, key_encrypted, key_hint, created_at)
      values (${k.id}, ${k.environmentId}, ${k.keyHash}, ${k.keyEncrypted}, ${k.keyHint}, ${k.now})`;
  });
}
