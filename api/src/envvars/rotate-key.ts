import type { Sql } from "postgres";
import { decrypt, encrypt } from "../crypto/encryption.js";

/** Every column holding a value encrypted with GANTRY_ENCRYPTION_KEY: table, its key columns, the encrypted columns. */
const ENCRYPTED_COLUMNS: ReadonlyArray<{ table: string; key: string[]; columns: string[] }> = [
  { table: "env_vars", key: ["environment_id", "name"], columns: ["value_encrypted"] },
  { table: "api_keys", key: ["id"], columns: ["key_encrypted"] },
  { table: "github_app_credentials", key: ["id"], columns: ["private_key_encrypted", "webhook_secret_encrypted"] },
];

/**
 * Re-encrypts every secret at rest from `oldKey` to `newKey` in one transaction (all or nothing). Run it with
 * the api stopped, then start the api with the new GANTRY_ENCRYPTION_KEY (README: "Rotating the encryption key").
 * Values that already decrypt with the new key are left alone, so a rerun after a partial failure is safe.
 * Run tokens and Gantry-signed public tokens are derived from the key: they stop verifying (clients fetch new ones).
 * Returns how many values were re-encrypted per table.
 */
export async function rotateEncryptionKey(sql: Sql, oldKey: Buffer, newKey: Buffer): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  await sql.begin(async (tx) => {
    for (const { table, key, columns } of ENCRYPTED_COLUMNS) {
      const exists = await tx`select to_regclass(${table}) is not null as ok`;
      if (!exists[0]?.ok) continue;
      const rows = await tx.unsafe(`select ${[...key, ...columns].join(", ")} from ${table} for update`);
      let n = 0;
      for (const row of rows) {
        const updates: Record<string, string> = {};
        for (const column of columns) {
          const value = row[column] as string;
          if (decryptsWith(newKey, value)) continue;
          updates[column] = encrypt(newKey, decrypt(oldKey, value));
        }
        if (Object.keys(updates).length === 0) continue;
        const set = Object.keys(updates).map((c, i) => `${c} = $${i + 1}`).join(", ");
        const where = key.map((k, i) => `${k} = $${Object.keys(updates).length + i + 1}`).join(" and ");
        await tx.unsafe(`update ${table} set ${set} where ${where}`, [...Object.values(updates), ...key.map((k) => row[k] as string)]);
        n++;
      }
      counts[table] = n;
    }
  });
  return counts;
}

function decryptsWith(key: Buffer, value: string): boolean {
  try {
    decrypt(key, value);
    return true;
  } catch {
    return false;
  }
}
