import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { DEMO_EMAIL } from "../seed/seed-demo.js";
import { fakeGithubOAuthEnv, startFakeGithubOAuth, type FakeGithubAccount, type FakeGithubOAuth } from "./fake-github-oauth.js";

let github: FakeGithubOAuth;
let api: TestApi;

beforeAll(async () => {
  github = await startFakeGithubOAuth();
  api = await startTestApi({ env: fakeGithubOAuthEnv(github) });
});
afterAll(async () => {
  await api?.close();
  await github?.close();
});

const accounts = { set: (code: string, account: FakeGithubAccount) => github.accounts.set(code, account), get: (code: string) => github.accounts.get(code) };
const githubUrl = () => github.url;

/** Starts the flow like the sign-in button does and comes back from GitHub with `code`. */
async function signInWithGithub(code: string, opts: { tamperState?: boolean } = {}) {
  const start = await fetch(`${api.url}/api/v1/dashboard/github/authorize`, { redirect: "manual" });
  const location = new URL(start.headers.get("location")!);
  const stateCookie = (start.headers.get("set-cookie") ?? "").split(";")[0]!;
  const state = opts.tamperState ? "forged" : location.searchParams.get("state")!;
  const back = await fetch(`${api.url}/api/v1/dashboard/github/callback?code=${code}&state=${state}`, { headers: { cookie: stateCookie }, redirect: "manual" });
  const session = (back.headers.get("set-cookie") ?? "").split(/,(?=\s*\w+=)/).find((c) => c.trim().startsWith("gantry_session="));
  const cookie = session?.split(";")[0]?.trim();
  const me = cookie ? await fetch(`${api.url}/api/v1/dashboard/session`, { headers: { cookie } }).then((r) => r.json() as Promise<any>) : undefined;
  return { start, location, back, me };
}

describe("Sign in with GitHub", () => {
  it("the sign-in page offers it when configured, and authorize redirects to GitHub with a state bound to a cookie", async () => {
    expect(await (await fetch(`${api.url}/api/v1/dashboard/auth-methods`)).json()).toEqual({ password: true, github: true });
    const { start, location } = await signInWithGithub("nobody");
    expect(start.status).toBe(302);
    expect(`${location.origin}${location.pathname}`).toBe(`${githubUrl()}/login/oauth/authorize`);
    expect(location.searchParams.get("client_id")).toBe("Iv1.test");
    expect(location.searchParams.get("redirect_uri")).toBe(`${api.url}/api/v1/dashboard/github/callback`);
    expect(start.headers.get("set-cookie")).toMatch(/gantry_oauth_state=.+HttpOnly/i);
  });

  it("links a GitHub account to the existing user with that verified email, who then sees their projects", async () => {
    accounts.set("code-demo", { id: 1001, login: "demo-gh", name: "Demo", emails: [{ email: DEMO_EMAIL, primary: true, verified: true, visibility: "public" }] });
    const { back, me } = await signInWithGithub("code-demo");
    expect(back.headers.get("location")).toBe("/#/runs");
    expect(me.user.id).toBe(api.seed.userId);
    expect(me.projects.map((p: { ref: string }) => p.ref)).toEqual([api.seed.projectRef]);
    const [row] = await api.deps.sql<{ github_id: string; github_login: string }[]>`select github_id, github_login from users where id = ${api.seed.userId}`;
    expect(row).toEqual({ github_id: "1001", github_login: "demo-gh" });
  });

  it("a new GitHub user gets an account with an organization of their own and none of anyone else's projects", async () => {
    accounts.set("code-new", { id: 2002, login: "newbie", name: "New Person", emails: [{ email: "newbie@example.com", primary: true, verified: true, visibility: null }] });
    const first = await signInWithGithub("code-new");
    expect(first.me.user.email).toBe("newbie@example.com");
    expect(first.me.projects).toEqual([]);
    // later sign-ins find the same user by GitHub id, even after the email changed on GitHub
    accounts.set("code-new-2", { ...accounts.get("code-new")!, emails: [{ email: "renamed@example.com", primary: true, verified: true, visibility: null }] });
    const second = await signInWithGithub("code-new-2");
    expect(second.me.user.id).toBe(first.me.user.id);
  });

  it("refuses a forged state, a bad code, and an unverified email that matches an existing account", async () => {
    accounts.set("code-x", { id: 3003, login: "x", name: "X", emails: [{ email: "x@example.com", primary: true, verified: true, visibility: null }] });
    const forged = await signInWithGithub("code-x", { tamperState: true });
    expect(forged.back.headers.get("location")).toMatch(/^\/#sign-in-error=/);
    expect(forged.me).toBeUndefined();

    const bad = await signInWithGithub("never-issued");
    expect(decodeURIComponent(bad.back.headers.get("location")!)).toMatch(/GitHub refused the sign-in code/);
    expect(bad.me).toBeUndefined();

    accounts.set("code-squat", { id: 4004, login: "squatter", name: "S", emails: [{ email: DEMO_EMAIL, primary: true, verified: false, visibility: null }] });
    const squat = await signInWithGithub("code-squat");
    expect(decodeURIComponent(squat.back.headers.get("location")!)).toMatch(/no verified email/);
    expect(squat.me).toBeUndefined();
  });
});
