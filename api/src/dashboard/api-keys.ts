import type { ApiDeps } from "../context.js";
import { invalidateAuthCaches, loadAuthEnvironment } from "../auth/environment-cache.js";
import { encrypt } from "../crypto/encryption.js";
import { hint, sha256Hex } from "../crypto/hash.js";
import { newId } from "../crypto/ids.js";
import { generateSecretKey } from "../crypto/tokens.js";
import { badRequest, notFound } from "../errors.js";
import { replaceApiKey } from "./queries/api-keys.js";
import { isOrganizationMember } from "./queries/membership.js";

/**
 * Rotates an environment's secret key: the old key stops working at once on this api instance (within the
 * auth cache's 30 s on others), the new one is returned. A preview branch uses its preview environment's key.
 */
export async function rotateApiKey(deps: ApiDeps, userId: string, environmentId: string): Promise<{ environmentId: string; apiKey: string }> {
  const env = await loadAuthEnvironment(deps, environmentId).catch(() => undefined);
  const allowed = env && (env.userId === null || env.userId === userId) && (await isOrganizationMember(deps.sql, env.organizationId, userId));
  if (!env || !allowed) throw notFound(`Environment ${environmentId} not found among your projects`, "environmentId");
  if (env.branchName !== null) throw badRequest("A preview branch has no key of its own: rotate the preview environment's key", "environmentId");
  const apiKey = generateSecretKey(env.slug);
  await replaceApiKey(deps.sql, {
    id: newId("key"),
    environmentId: env.id,
    keyHash: sha256Hex(apiKey),
    keyEncrypted: encrypt(deps.config.encryptionKey, apiKey),
    keyHint: hint(apiKey),
    now: deps.clock(),
  });
  invalidateAuthCaches(deps);
  return { environmentId: env.id, apiKey };
}
