import { randomBytes } from "node:crypto";
import type { ApiDeps } from "../context.js";
import { ApiError, badRequest, forbidden, notFound } from "../errors.js";
import { organizationsOf } from "../projects/service.js";
import { createUser } from "../tokens/service.js";
import { linkGithubAccount, selectUserByGithubId } from "./queries/github-users.js";
import { selectUserForSignIn } from "./queries/users.js";

export const OAUTH_STATE_COOKIE = "gantry_oauth_state";
export const CALLBACK_PATH = "/api/v1/dashboard/github/callback";

interface OAuthApp {
  clientId: string;
  clientSecret: string;
  webUrl: string;
  apiUrl: string;
}

export function githubOAuthApp(deps: ApiDeps): OAuthApp | undefined {
  const c = deps.config;
  if (!c.GANTRY_GITHUB_OAUTH_CLIENT_ID || !c.GANTRY_GITHUB_OAUTH_CLIENT_SECRET) return undefined;
  return {
    clientId: c.GANTRY_GITHUB_OAUTH_CLIENT_ID,
    clientSecret: c.GANTRY_GITHUB_OAUTH_CLIENT_SECRET,
    webUrl: c.GANTRY_GITHUB_OAUTH_URL.replace(/\/+$/, ""),
    apiUrl: c.GANTRY_GITHUB_OAUTH_API_URL.replace(/\/+$/, ""),
  };
}

function requireApp(deps: ApiDeps): OAuthApp {
  const app = githubOAuthApp(deps);
  if (!app) throw notFound("Sign in with GitHub is not configured: set GANTRY_GITHUB_OAUTH_CLIENT_ID and GANTRY_GITHUB_OAUTH_CLIENT_SECRET (a GitHub OAuth app)");
  return app;
}

/** Where to send the browser, and the state to remember in a cookie until GitHub sends it back. */
export function authorizeRedirect(deps: ApiDeps, baseUrl: string): { url: string; state: string } {
  const app = requireApp(deps);
  const state = randomBytes(24).toString("base64url");
  const query = new URLSearchParams({
    client_id: app.clientId,
    redirect_uri: `${baseUrl}${CALLBACK_PATH}`,
    scope: "read:user user:email",
    state,
    allow_signup: "false",
  });
  return { url: `${app.webUrl}/login/oauth/authorize?${query}`, state };
}

interface GithubUser {
  id: number;
  login: string;
  name: string | null;
}

/**
 * The OAuth callback: exchanges the code, reads the GitHub user and their verified primary email, and finds
 * (by GitHub id, else by that email: the account is then linked) or creates the Gantry user. A new user gets a
 * personal organization of their own and sees nobody else's projects until invited.
 */
export async function completeGithubSignIn(deps: ApiDeps, code: string, baseUrl: string, fetchImpl: typeof fetch = fetch) {
  const app = requireApp(deps);
  const tokenResponse = await fetchImpl(`${app.webUrl}/login/oauth/access_token`, {
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify({ client_id: app.clientId, client_secret: app.clientSecret, code, redirect_uri: `${baseUrl}${CALLBACK_PATH}` }),
  });
  const token = (await tokenResponse.json().catch(() => ({}))) as { access_token?: string; error?: string; error_description?: string };
  if (!tokenResponse.ok || !token.access_token) {
    throw badRequest(`GitHub refused the sign-in code (${token.error_description ?? token.error ?? tokenResponse.status}): try signing in again`);
  }
  const headers = { authorization: `Bearer ${token.access_token}`, accept: "application/vnd.github+json", "user-agent": "gantry" };
  const [userResponse, emailsResponse] = await Promise.all([fetchImpl(`${app.apiUrl}/user`, { headers }), fetchImpl(`${app.apiUrl}/user/emails`, { headers })]);
  if (!userResponse.ok || !emailsResponse.ok) {
    throw new ApiError(503, "internal_error", `GitHub did not return the user's profile (${userResponse.status}/${emailsResponse.status}): try again`);
  }
  const gh = (await userResponse.json()) as GithubUser;
  const emails = (await emailsResponse.json()) as Array<{ email: string; primary: boolean; verified: boolean }>;
  const email = emails.find((e) => e.primary && e.verified)?.email ?? emails.find((e) => e.verified)?.email;

  const linked = await selectUserByGithubId(deps.sql, gh.id);
  if (linked) return linked;
  if (!email) throw forbidden(`GitHub account ${gh.login} has no verified email: verify one on GitHub, then sign in again`);
  const existing = await selectUserForSignIn(deps.sql, email);
  const user = existing ? { id: existing.id, email: existing.email, name: existing.name } : await createUser(deps, { email, name: gh.name ?? gh.login });
  await linkGithubAccount(deps.sql, user.id, gh.id, gh.login);
  if (!existing) await organizationsOf(deps, user.id, user.email);
  return { id: user.id, email: user.email, name: user.name ?? null };
}
