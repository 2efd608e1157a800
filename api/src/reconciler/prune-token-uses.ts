import type { Db } from "../db/sql.js";

/**
 * How long a one-time token's use is kept past the token's `exp`: tokens are checked with 30 s of leeway, and
 * api instances' clocks may differ, so a row outlives its token by far more than either.
 */
export const TOKEN_USE_RETENTION_MS = 60 * 60 * 1000;

/**
 * Deletes up to `limit` records of one-time public token uses whose token expired more than
 * TOKEN_USE_RETENTION_MS ago (the token itself is refused by then, so the record guards nothing). One
 * statement; a backlog goes over several reconciler passes. Returns how many were deleted.
 */
export async function pruneExpiredTokenUses(db: Db, limit: number): Promise<number> {
  const rows = await db`
    delete from public_token_uses where token_hash in (
      select token_hash from public_token_uses
      where expires_at < now() - ${TOKEN_USE_RETENTION_MS} * interval '1 millisecond'
      limit ${limit}
    )
    returning 1`;
  return rows.length;
}
