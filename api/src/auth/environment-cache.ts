import type { ApiDeps, AuthEnvironment } from "../context.js";
import { decrypt } from "../crypto/encryption.js";
import { sha256Hex } from "../crypto/hash.js";
import { notFound } from "../errors.js";
import {
  selectBranchEnvironment,
  selectEncryptedKeys,
  selectEnvironmentById,
  selectEnvironmentByKeyHash,
} from "./queries/environments.js";
import { selectRunnerTokenIdByHash } from "./queries/tokens.js";
import { TtlCache } from "./ttl-cache.js";

/**
 * In-memory caches behind auth, so a trigger or a runner call does no extra read. Entries live 30 s: a revoked key or an
 * archived branch stops working within that time on other api instances (at once on the one that changed it,
 * which calls invalidateAuthCaches).
 */
const TTL_MS = 30_000;

interface AuthCaches {
  byId: TtlCache<AuthEnvironment>;
  byKeyHash: TtlCache<AuthEnvironment>;
  byBranch: TtlCache<AuthEnvironment>;
  signingKeys: TtlCache<string[]>;
  runnerTokens: TtlCache<string>;
}

const cachesByDeps = new WeakMap<ApiDeps, AuthCaches>();

function caches(deps: ApiDeps): AuthCaches {
  let c = cachesByDeps.get(deps);
  if (!c) {
    c = {
      byId: new TtlCache(TTL_MS),
      byKeyHash: new TtlCache(TTL_MS),
      byBranch: new TtlCache(TTL_MS),
      signingKeys: new TtlCache(TTL_MS),
      runnerTokens: new TtlCache(TTL_MS),
    };
    cachesByDeps.set(deps, c);
  }
  return c;
}

/** The environment with this id (cached). Throws 404 if there is none. */
export async function loadAuthEnvironment(deps: ApiDeps, environmentId: string): Promise<AuthEnvironment> {
  const env = await caches(deps).byId.get(environmentId, () => selectEnvironmentById(deps.sql, environmentId));
  if (!env) throw notFound(`Environment ${environmentId} not found`);
  return env;
}

/** The environment a secret key belongs to, or undefined for an unknown or revoked key. */
export function environmentForSecretKey(deps: ApiDeps, secretKey: string): Promise<AuthEnvironment | undefined> {
  const hash = sha256Hex(secretKey);
  return caches(deps).byKeyHash.get(hash, () => selectEnvironmentByKeyHash(deps.sql, hash));
}

/**
 * The id of an unrevoked runner token (cached: every start, completion and heartbeat of a runner authenticates
 * with it), or undefined.
 */
export function runnerTokenId(deps: ApiDeps, token: string): Promise<string | undefined> {
  const hash = sha256Hex(token);
  return caches(deps).runnerTokens.get(hash, () => selectRunnerTokenIdByHash(deps.sql, hash));
}

/** A preview branch environment under `parent`, or undefined. */
export function branchEnvironment(deps: ApiDeps, parentId: string, branchName: string): Promise<AuthEnvironment | undefined> {
  return caches(deps).byBranch.get(`${parentId}\0${branchName}`, () => selectBranchEnvironment(deps.sql, parentId, branchName));
}

/** The decrypted secret keys of an environment: JWTs the official client signs itself are verified with them. */
export async function environmentSigningKeys(deps: ApiDeps, environmentId: string): Promise<string[]> {
  const keys = await caches(deps).signingKeys.get(environmentId, async () => {
    const encrypted = await selectEncryptedKeys(deps.sql, environmentId);
    return encrypted.length ? encrypted.map((k) => decrypt(deps.config.encryptionKey, k)) : undefined;
  });
  return keys ?? [];
}

/** Forget cached auth lookups (after revoking keys, archiving branches, ...). */
export function invalidateAuthCaches(deps: ApiDeps): void {
  const c = cachesByDeps.get(deps);
  if (!c) return;
  c.byId.clear();
  c.byKeyHash.clear();
  c.byBranch.clear();
  c.signingKeys.clear();
  c.runnerTokens.clear();
}
