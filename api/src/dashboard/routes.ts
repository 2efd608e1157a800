import { Hono, type Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import type { AppEnv } from "../context.js";
import { authEnvironment, requireAuth } from "../auth/middleware.js";
import { safeEqual } from "../crypto/hash.js";
import { ApiError, badRequest, unauthorized } from "../errors.js";
import { readJson } from "../http/read-json.js";
import { selectUserById } from "../tokens/queries/users.js";
import { rotateApiKey } from "./api-keys.js";
import { buildLogTail, deploymentLogs, githubOverview } from "./github-settings.js";
import { authorizeRedirect, CALLBACK_PATH, completeGithubSignIn, githubOAuthApp, OAUTH_STATE_COOKIE } from "./github-oauth.js";
import { createSession, navigation, previewBranches, queueOverview, runEvents, runStreams, signIn, signOut, taskOverview } from "./service.js";
import { dashboardEnvVars } from "./envvars.js";
import { serveRunChanges } from "./run-changes.js";
import { upcomingCount, upcomingRuns } from "./schedule-upcoming.js";
import { loadSession, SESSION_COOKIE, SESSION_TTL_MS } from "./session-auth.js";

const SignInBody = z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(1000) });

/** Secure only over https: a plain-http self-host on localhost would otherwise never get its cookie back. */
function isHttps(c: Context<AppEnv>): boolean {
  return new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https" || c.get("deps").config.publicUrl.startsWith("https:");
}

/** GANTRY_PUBLIC_URL when set (behind a proxy), else the origin the browser used; GitHub checks it against the OAuth app's callback URL. */
function baseUrl(c: Context<AppEnv>): string {
  const config = c.get("deps").config;
  return config.GANTRY_PUBLIC_URL ? config.publicUrl : new URL(c.req.url).origin;
}

function setSessionCookie(c: Context<AppEnv>, token: string): void {
  setCookie(c, SESSION_COOKIE, token, { path: "/", httpOnly: true, sameSite: "Lax", secure: isHttps(c), maxAge: Math.floor(SESSION_TTL_MS / 1000) });
}

/**
 * The dashboard's own endpoints: sign-in/out with sessions in an HttpOnly SameSite=Lax cookie, who am I with
 * the projects and environments to switch between, the tasks overview and a run's logs and spans.
 */
export function dashboardRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/api/v1/dashboard/sign-in", async (c) => {
    const body = await readJson(c, SignInBody);
    const session = await signIn(c.get("deps"), { ...body, userAgent: c.req.header("user-agent") });
    setSessionCookie(c, session.token);
    return c.json({ user: session.user, csrfToken: session.csrfToken });
  });

  app.get("/api/v1/dashboard/auth-methods", (c) => c.json({ password: true, github: githubOAuthApp(c.get("deps")) !== undefined }));

  app.get("/api/v1/dashboard/github/authorize", (c) => {
    const { url, state } = authorizeRedirect(c.get("deps"), baseUrl(c));
    setCookie(c, OAUTH_STATE_COOKIE, state, { path: "/api/v1/dashboard/github", httpOnly: true, sameSite: "Lax", secure: isHttps(c), maxAge: 600 });
    return c.redirect(url, 302);
  });

  app.get(CALLBACK_PATH, async (c) => {
    const deps = c.get("deps");
    const expected = getCookie(c, OAUTH_STATE_COOKIE) ?? "";
    deleteCookie(c, OAUTH_STATE_COOKIE, { path: "/api/v1/dashboard/github", secure: isHttps(c) });
    const fail = (message: string) => c.redirect(`/#sign-in-error=${encodeURIComponent(message)}`, 302);
    const state = c.req.query("state") ?? "";
    if (!expected || !safeEqual(state, expected)) return fail("The GitHub sign-in expired or did not start here: sign in again");
    const code = c.req.query("code");
    if (!code) return fail(`GitHub did not authorize the sign-in (${c.req.query("error_description") ?? c.req.query("error") ?? "no code"})`);
    try {
      const user = await completeGithubSignIn(deps, code, baseUrl(c));
      const session = await createSession(deps, user, c.req.header("user-agent"));
      setSessionCookie(c, session.token);
      return c.redirect("/#/runs", 302);
    } catch (error) {
      if (error instanceof ApiError) return fail(error.message);
      throw error;
    }
  });

  app.post("/api/v1/dashboard/sign-out", requireAuth(["user"]), async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (token) await signOut(c.get("deps"), token);
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: isHttps(c) });
    return c.json({ ok: true });
  });

  app.get("/api/v1/dashboard/session", async (c) => {
    const deps = c.get("deps");
    const token = getCookie(c, SESSION_COOKIE);
    const session = token ? await loadSession(deps, token) : undefined;
    if (!session) throw unauthorized("Not signed in to the dashboard");
    const user = await selectUserById(deps.sql, session.user_id);
    if (!user) throw unauthorized("The user of this session no longer exists");
    return c.json({
      user: { id: user.id, email: user.email, name: user.name },
      csrfToken: session.csrf_token,
      projects: await navigation(deps, user.id),
    });
  });

  app.get("/api/v1/dashboard/tasks", requireAuth(["environment"]), async (c) =>
    c.json(await taskOverview(c.get("deps"), authEnvironment(c.get("auth")).id)),
  );

  app.get("/api/v1/dashboard/queues", requireAuth(["environment"]), async (c) =>
    c.json(await queueOverview(c.get("deps"), authEnvironment(c.get("auth")).id)),
  );

  app.get("/api/v1/dashboard/projects/:ref/branches", requireAuth(["user"]), async (c) => {
    const auth = c.get("auth");
    if (auth.kind !== "user") throw unauthorized("Sign in to the dashboard or use a personal access token");
    return c.json(await previewBranches(c.get("deps"), auth.userId, c.req.param("ref")));
  });

  app.post("/api/v1/dashboard/environments/:id/api-keys/rotate", requireAuth(["user"]), async (c) => {
    const auth = c.get("auth");
    if (auth.kind !== "user") throw unauthorized("Sign in to the dashboard or use a personal access token");
    return c.json(await rotateApiKey(c.get("deps"), auth.userId, c.req.param("id")));
  });

  const userOf = (c: Context<AppEnv>) => {
    const auth = c.get("auth");
    if (auth.kind !== "user") throw unauthorized("Sign in to the dashboard or use a personal access token");
    return auth.userId;
  };
  const offsetOf = (c: Context<AppEnv>) => {
    const raw = c.req.query("offset") ?? "0";
    if (!/^\d{1,12}$/.test(raw)) throw badRequest("offset must be a character count (0, 1, …)", "offset");
    return Number(raw);
  };

  app.get("/api/v1/dashboard/projects/:ref/github", requireAuth(["user"]), async (c) => c.json(await githubOverview(c.get("deps"), userOf(c), c.req.param("ref"))));

  app.get("/api/v1/dashboard/projects/:ref/builds/:id/logs", requireAuth(["user"]), async (c) =>
    c.json(await buildLogTail(c.get("deps"), userOf(c), c.req.param("ref"), c.req.param("id"), offsetOf(c))),
  );

  app.get("/api/v1/dashboard/projects/:ref/deployments/:id/logs", requireAuth(["user"]), async (c) =>
    c.json(await deploymentLogs(c.get("deps"), userOf(c), c.req.param("ref"), c.req.param("id"), offsetOf(c))),
  );

  app.get("/api/v1/dashboard/runs/:runId/streams", requireAuth(["environment"]), async (c) =>
    c.json(await runStreams(c.get("deps"), authEnvironment(c.get("auth")).id, c.req.param("runId"))),
  );

  // the runs list follows this (EventSource: the environment in ?gantryEnvironment=)
  app.get("/api/v1/dashboard/runs/changes", requireAuth(["environment"]), (c) => serveRunChanges(c));

  app.get("/api/v1/dashboard/schedules/:id/upcoming", requireAuth(["environment"]), async (c) =>
    c.json(await upcomingRuns(c.get("deps"), authEnvironment(c.get("auth")), c.req.param("id"), upcomingCount(c.req.query("count")))),
  );

  app.get("/api/v1/dashboard/projects/:ref/envvars/:env", requireAuth(["user"]), async (c) =>
    c.json(await dashboardEnvVars(c.get("deps"), c.get("auth"), c.req.param("ref"), c.req.param("env"), c.req.header("x-trigger-branch")?.trim() || undefined)),
  );

  app.get("/api/v1/runs/:runId/events", requireAuth(["environment", "run"]), async (c) =>
    c.json(await runEvents(c.get("deps"), authEnvironment(c.get("auth")).id, c.req.param("runId"))),
  );

  return app;
}
