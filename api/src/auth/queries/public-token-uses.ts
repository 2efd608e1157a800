import type { Db } from "../../db/sql.js";

/** Records the use of a one-time token; false if it was already used. */
export async function insertPublicTokenUse(
  db: Db,
  use: { tokenHash: string; environmentId: string; expiresAt: Date },
): Promise<boolean> {
  const rows = await db`
    insert into public_token_uses (token_hash, environment_id, expires_at)
    values (${use.tokenHash}, ${use.environmentId}, ${use.expiresAt})
    on conflict (token_hash) do nothing
    returning token_hash`;
  return rows.length === 1;
}
