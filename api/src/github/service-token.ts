import type { MiddlewareHandler } from "hono";
import { GITHUB_SERVICE_TOKEN_PREFIX } from "@gantry/sdk/contracts";
import type { ApiDeps, AppEnv } from "../context.js";
import { bearerToken } from "../auth/middleware.js";
import { sha256Hex } from "../crypto/hash.js";
import { deriveToken } from "../crypto/tokens.js";
import { newId } from "../crypto/ids.js";
import { unauthorized } from "../errors.js";
import { insertServiceToken, selectServiceTokenIdByHash } from "./queries/service-tokens.js";

/**
 * The token the github-app and the build worker send to /api/v1/github/* (`gs_github_…`). Derived from
 * GANTRY_ENCRYPTION_KEY and `name`, so the launcher gets the same token on every start without storing it;
 * only its hash is kept.
 */
export async function issueGitHubServiceToken(deps: ApiDeps, name = "github"): Promise<string> {
  const token = deriveToken(deps.config.encryptionKey, GITHUB_SERVICE_TOKEN_PREFIX, `github-service/${name}`);
  const hash = sha256Hex(token);
  if (!(await selectServiceTokenIdByHash(deps.sql, hash))) {
    await insertServiceToken(deps.sql, { id: newId("ghst"), name, tokenHash: hash });
  }
  return token;
}

/** 401 unless the request carries a live GitHub service token. */
export function requireGitHubService(): MiddlewareHandler<AppEnv> {
  return async function requireGitHubServiceMiddleware(c, next) {
    const token = bearerToken(c);
    if (!token?.startsWith(GITHUB_SERVICE_TOKEN_PREFIX)) {
      throw unauthorized("This endpoint needs a GitHub service token (gs_github_…): the launcher issues one to the github-app and the build worker");
    }
    const id = await selectServiceTokenIdByHash(c.get("deps").sql, sha256Hex(token));
    if (!id) throw unauthorized("Unknown or revoked GitHub service token");
    await next();
  };
}
