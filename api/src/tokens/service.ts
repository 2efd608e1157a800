import type { ApiDeps } from "../context.js";
import { hint, sha256Hex } from "../crypto/hash.js";
import { newId } from "../crypto/ids.js";
import { generatePersonalAccessToken, generateRunnerToken } from "../crypto/tokens.js";
import { insertPersonalAccessToken, insertRunnerToken } from "./queries/insert-tokens.js";
import { upsertUser, type UserRow } from "./queries/users.js";

export type { UserRow };

/** Creates a user (or returns the one with that email). */
export function createUser(deps: ApiDeps, input: { email: string; name?: string | null; isAdmin?: boolean }): Promise<UserRow> {
  return upsertUser(deps.sql, { id: newId("user"), email: input.email.trim().toLowerCase(), name: input.name, isAdmin: input.isAdmin });
}

/** Issues a personal access token (`tr_pat_…`). Only its hash is stored: the token is returned once. */
export async function createPersonalAccessToken(
  deps: ApiDeps,
  userId: string,
  name: string,
  token = generatePersonalAccessToken(),
): Promise<{ id: string; name: string; token: string }> {
  const id = newId("pat");
  await insertPersonalAccessToken(deps.sql, { id, userId, name, tokenHash: sha256Hex(token), tokenHint: hint(token) });
  return { id, name, token };
}

/** Issues a runner token (`gr_runner_…`). Only its hash is stored: the token is returned once. */
export async function createRunnerToken(
  deps: ApiDeps,
  name: string,
  token = generateRunnerToken(),
): Promise<{ id: string; name: string; token: string }> {
  const id = newId("runner");
  await insertRunnerToken(deps.sql, { id, name, tokenHash: sha256Hex(token) });
  return { id, name, token };
}
