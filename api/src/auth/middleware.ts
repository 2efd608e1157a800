import type { Context, MiddlewareHandler } from "hono";
import { PERSONAL_ACCESS_TOKEN_PREFIX, RUNNER_TOKEN_PREFIX } from "@gantry/sdk/contracts";
import type { ApiDeps, AppEnv, AuthContext, AuthEnvironment } from "../context.js";
import { sha256Hex } from "../crypto/hash.js";
import { decodeJwt, verifyJwt } from "../crypto/jwt.js";
import { ApiError, forbidden, notFound, unauthorized } from "../errors.js";
import { branchEnvironment, environmentForSecretKey, environmentSigningKeys, loadAuthEnvironment, runnerTokenId } from "./environment-cache.js";
import { JWT_AUDIENCE, JWT_ISSUER, publicTokenKey } from "./public-token.js";
import { publicTokenAllows, runMatchesScopes, scopedRunRead } from "./public-token-scopes.js";
import { insertPublicTokenUse } from "./queries/public-token-uses.js";
import { selectRunScope } from "./queries/run-scope.js";
import { selectUserIdByPatHash } from "./queries/tokens.js";
import { verifyRunToken } from "./run-token.js";
import { sessionAuth } from "../dashboard/session-auth.js";

export type AuthKind = AuthContext["kind"];

export interface RequireAuthOptions {
  /**
   * "resolve" (default): a preview key acts in the branch named by `x-trigger-branch` (400 without one, 404 if
   * there is no such branch; writes refused if it is archived). "ignore": the route reads the branch itself
   * (deployments, env vars, artifacts).
   */
  branch?: "resolve" | "ignore";
}

const SECRET_KEY_RE = /^tr_(dev|stg|prod|preview)_[A-Za-z0-9_]+$/;
export { JWT_AUDIENCE, JWT_ISSUER };

/** One-time-use public tokens seen by authenticate(): consumed by requireAuth once the request is allowed. */
const oneTimeUses = new WeakMap<AuthContext, { tokenHash: string; expiresAt: Date }>();

const KIND_NAMES: Record<AuthKind, string> = {
  environment: "an environment secret key (tr_dev_…, tr_stg_…, tr_prod_…, tr_preview_…)",
  run: "a run token",
  user: "a personal access token (tr_pat_…)",
  runner: "a runner token (gr_runner_…)",
};

/** Authenticates `Authorization: Bearer …` as one of `kinds` and sets `c.var.auth`; 401 otherwise. */
export function requireAuth(kinds: AuthKind[], opts: RequireAuthOptions = {}): MiddlewareHandler<AppEnv> {
  const expected = kinds.map((k) => KIND_NAMES[k]).join(" or ");
  return async function requireAuthMiddleware(c, next) {
    const deps = c.get("deps");
    const token = bearerToken(c);
    // without Authorization, a dashboard session cookie may stand in (api/src/dashboard/session-auth.ts)
    const session = token ? undefined : await sessionAuth(c, kinds);
    if (!token && !session) throw unauthorized(`Missing API key: pass \`Authorization: Bearer <key>\` with ${expected}`);
    const auth = session ?? (await authenticate(deps, token!, c));
    if (!auth) throw unauthorized(`Invalid API key: this endpoint needs ${expected}`);
    if (!kinds.includes(auth.kind)) throw unauthorized(`Wrong kind of credential: this endpoint needs ${expected}`);
    if (auth.kind === "environment" && auth.via === "publicToken") await checkPublicToken(deps, auth, c);
    if ((auth.kind === "environment" || auth.kind === "run") && (opts.branch ?? "resolve") === "resolve") {
      auth.environment = await applyBranch(deps, auth.environment, c);
    }
    c.set("auth", auth);
    await next();
  };
}

export function bearerToken(c: Context): string | undefined {
  const header = c.req.header("authorization");
  if (!header) return undefined;
  const match = header.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/** Resolves a credential to an AuthContext, or undefined if it is unknown, revoked, expired or forged. */
export async function authenticate(deps: ApiDeps, token: string, c?: Context): Promise<AuthContext | undefined> {
  if (token.startsWith(PERSONAL_ACCESS_TOKEN_PREFIX)) {
    const userId = await selectUserIdByPatHash(deps.sql, sha256Hex(token));
    return userId ? { kind: "user", userId, via: "pat" } : undefined;
  }
  if (token.startsWith(RUNNER_TOKEN_PREFIX)) {
    const id = await runnerTokenId(deps, token);
    return id ? { kind: "runner", runnerTokenId: id } : undefined;
  }
  if (SECRET_KEY_RE.test(token)) {
    const environment = await environmentForSecretKey(deps, token);
    return environment ? { kind: "environment", via: "secretKey", environment: { ...environment } } : undefined;
  }
  const decoded = decodeJwt(token);
  if (!decoded || typeof decoded.payload.sub !== "string") return undefined;
  const nowMs = deps.clock().getTime();
  if (decoded.payload.typ === "run") {
    const claims = verifyRunToken(deps.config, token, nowMs);
    if (!claims) return undefined;
    const environment = await loadAuthEnvironment(deps, claims.environmentId).catch(() => undefined);
    return environment && { kind: "run", environment: { ...environment }, runId: claims.runId, attemptNumber: claims.attemptNumber };
  }
  return authenticatePublicToken(deps, token, decoded.payload.sub, nowMs, c);
}

/** Scopes first, then (for one-time tokens) the use, recorded in Postgres so a Redis loss cannot undo it. */
async function checkPublicToken(deps: ApiDeps, auth: Extract<AuthContext, { kind: "environment" }>, c: Context): Promise<void> {
  const scopes = auth.scopes ?? [];
  if (!publicTokenAllows(scopes, c.req.method, c.req.path, new URL(c.req.url).searchParams)) {
    const runId = scopedRunRead(scopes, c.req.method, c.req.path);
    const run = runId === undefined ? undefined : await selectRunScope(deps.sql, auth.environment.id, runId);
    if (!run || !runMatchesScopes(scopes, run)) throw forbidden("This public access token's scopes do not allow this request");
  }
  const otu = oneTimeUses.get(auth);
  if (otu && !(await insertPublicTokenUse(deps.sql, { ...otu, environmentId: auth.environment.id }))) {
    throw unauthorized("This one-time public access token was already used: create a new trigger token (auth.createTriggerPublicToken)");
  }
}

async function authenticatePublicToken(
  deps: ApiDeps,
  token: string,
  environmentId: string,
  nowMs: number,
  c?: Context,
): Promise<AuthContext | undefined> {
  const environment = await loadAuthEnvironment(deps, environmentId).catch(() => undefined);
  if (!environment) return undefined;
  const keys: Array<string | Buffer> = [...(await environmentSigningKeys(deps, environment.id)), publicTokenKey(deps.config)];
  for (const key of keys) {
    const result = verifyJwt(token, key, { nowSeconds: Math.floor(nowMs / 1000), issuer: JWT_ISSUER, audience: JWT_AUDIENCE });
    if (result.ok) {
      const scopes = Array.isArray(result.payload.scopes) ? result.payload.scopes.filter((s): s is string => typeof s === "string") : [];
      const auth: AuthContext = { kind: "environment", via: "publicToken", environment: { ...environment }, scopes };
      if (result.payload.otu === true) {
        // a token without exp never expires, so its use is kept for good (the reconciler prunes expired ones)
        const expiresAt = typeof result.payload.exp === "number" ? new Date(result.payload.exp * 1000) : new Date("9999-12-31T00:00:00Z");
        oneTimeUses.set(auth, { tokenHash: sha256Hex(token), expiresAt });
      }
      return auth;
    }
    if (result.reason === "expired") {
      if (c) throw unauthorized("Public access token expired: create a new one");
      return undefined;
    }
  }
  return undefined;
}

async function applyBranch(deps: ApiDeps, environment: AuthEnvironment, c: Context): Promise<AuthEnvironment> {
  const branch = c.req.header("x-trigger-branch")?.trim();
  let env = environment;
  if (env.type === "PREVIEW" && env.branchName === null) {
    if (!branch) {
      throw new ApiError(
        400,
        "bad_request",
        "The preview environment acts through its branches: send the branch name in the x-trigger-branch header (the SDK does this when GANTRY_PREVIEW_BRANCH or TRIGGER_PREVIEW_BRANCH is set)",
        "x-trigger-branch",
      );
    }
    const found = await branchEnvironment(deps, env.id, branch);
    if (!found) {
      throw notFound(`Preview branch "${branch}" not found in project ${env.projectRef}: deploy it first (gantry deploy --env preview --branch ${branch})`);
    }
    env = { ...found };
  }
  const method = c.req.method.toUpperCase();
  if (env.archivedAt && method !== "GET" && method !== "HEAD") {
    throw new ApiError(
      403,
      "forbidden",
      `Preview branch "${env.branchName ?? env.slug}" is archived: it can still be read, but not triggered or changed. Deploy the branch again to use it.`,
    );
  }
  return env;
}

/** The environment of an environment or run credential (throws 401 for other kinds). */
export function authEnvironment(auth: AuthContext): AuthEnvironment {
  if (auth.kind === "environment" || auth.kind === "run") return auth.environment;
  throw unauthorized("This endpoint needs an environment secret key");
}
