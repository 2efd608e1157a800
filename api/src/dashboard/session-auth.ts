import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { ApiDeps, AppEnv, AuthContext } from "../context.js";
import { loadAuthEnvironment } from "../auth/environment-cache.js";
import { safeEqual, sha256Hex } from "../crypto/hash.js";
import { ApiError, forbidden, notFound, unauthorized } from "../errors.js";
import { isOrganizationMember } from "./queries/membership.js";
import { selectLiveSession, touchSession, type SessionRow } from "./queries/sessions.js";

export const SESSION_COOKIE = "gantry_session";
/** The dashboard echoes its session's CSRF token here on every state-changing request. */
export const CSRF_HEADER = "x-gantry-csrf";
/** The environment a dashboard request acts in, on endpoints that take a secret key. */
export const ENVIRONMENT_HEADER = "x-gantry-environment";
export const ENVIRONMENT_QUERY = "gantryEnvironment";
export const SESSION_TTL_MS = 14 * 24 * 3600_000;
const TOUCH_EVERY_MS = 60_000;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The live session of a cookie token, sliding its expiry forward; undefined if unknown or expired. */
export async function loadSession(deps: ApiDeps, token: string): Promise<SessionRow | undefined> {
  const now = deps.clock();
  const session = await selectLiveSession(deps.sql, sha256Hex(token), now);
  if (session && now.getTime() - session.last_seen_at.getTime() > TOUCH_EVERY_MS) {
    await touchSession(deps.sql, session.id, now, new Date(now.getTime() + SESSION_TTL_MS));
  }
  return session;
}

/**
 * A dashboard session as a credential, for requests without `Authorization`: undefined when there is no
 * session cookie. Where a route takes a personal access token the session acts as its user; where it takes
 * only a secret key, the session acts in the environment named by `x-gantry-environment` once membership is
 * checked. Writes need the session's CSRF token and, when the browser sends one, a same-origin Origin.
 */
export async function sessionAuth(c: Context<AppEnv>, kinds: AuthContext["kind"][]): Promise<AuthContext | undefined> {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token) return undefined;
  const deps = c.get("deps");
  const session = await loadSession(deps, token);
  if (!session) throw unauthorized("Your dashboard session expired or was signed out: sign in again");
  if (!SAFE_METHODS.has(c.req.method.toUpperCase())) checkCsrf(c, session);

  if (kinds.includes("user")) return { kind: "user", userId: session.user_id, via: "session" };
  if (!kinds.includes("environment")) throw unauthorized("The dashboard session cannot call this endpoint: it needs a runner or run token");
  // EventSource cannot send headers: reads may name the environment in ?gantryEnvironment= instead
  const fromQuery = SAFE_METHODS.has(c.req.method.toUpperCase()) ? c.req.query(ENVIRONMENT_QUERY) : undefined;
  const environmentId = (c.req.header(ENVIRONMENT_HEADER) ?? fromQuery)?.trim();
  if (!environmentId) {
    throw new ApiError(400, "bad_request", `Choose an environment: send its id in the ${ENVIRONMENT_HEADER} header`, ENVIRONMENT_HEADER);
  }
  const environment = await loadAuthEnvironment(deps, environmentId).catch(() => undefined);
  const allowed =
    environment !== undefined &&
    (environment.userId === null || environment.userId === session.user_id) &&
    (await isOrganizationMember(deps.sql, environment.organizationId, session.user_id));
  if (!environment || !allowed) throw notFound(`Environment ${environmentId} not found among your projects`, ENVIRONMENT_HEADER);
  return { kind: "environment", via: "session", environment: { ...environment } };
}

function checkCsrf(c: Context<AppEnv>, session: SessionRow): void {
  const sent = c.req.header(CSRF_HEADER) ?? "";
  if (!safeEqual(sent, session.csrf_token)) {
    throw forbidden(`Missing or wrong CSRF token: the dashboard sends it in ${CSRF_HEADER}; reload the page and try again`);
  }
  const origin = c.req.header("origin");
  if (origin && origin !== "null" && !sameOrigin(origin, c)) {
    throw forbidden(`Cross-site request refused: Origin ${origin} is not this dashboard`);
  }
}

function sameOrigin(origin: string, c: Context<AppEnv>): boolean {
  try {
    const host = c.req.header("x-forwarded-host") ?? c.req.header("host");
    return new URL(origin).host === host || origin === c.get("deps").config.publicUrl;
  } catch {
    return false;
  }
}
