// `GANTRY_OLD_ENCRYPTION_KEY=<old> GANTRY_ENCRYPTION_KEY=<new> DATABASE_URL=… npx tsx api/src/envvars/rotate-key-main.ts`
// Re-encrypts every secret at rest with the new key (see README.md next to this file). Stop the api first.
import { z } from "zod";
import { loadConfig } from "../config.js";
import { createSql } from "../db/sql.js";
import { rotateEncryptionKey } from "./rotate-key.js";

const env = z.object({ GANTRY_OLD_ENCRYPTION_KEY: z.string().min(32) }).safeParse(process.env);
if (!env.success) {
  console.error("GANTRY_OLD_ENCRYPTION_KEY: set it to the key the values are encrypted with now (GANTRY_ENCRYPTION_KEY is the new one)");
  process.exit(2);
}
const config = loadConfig();
const oldKey = loadConfig({ ...process.env, GANTRY_ENCRYPTION_KEY: env.data.GANTRY_OLD_ENCRYPTION_KEY }).encryptionKey;
const sql = createSql(config.DATABASE_URL, { max: 1 });
try {
  const counts = await rotateEncryptionKey(sql, oldKey, config.encryptionKey);
  console.log(`Re-encrypted with the new key: ${JSON.stringify(counts)}. Start the api with the new GANTRY_ENCRYPTION_KEY.`);
} catch (error) {
  console.error(`Nothing was changed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await sql.end({ timeout: 5 });
}
