import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrganization, createProject, ensureBranchEnvironment } from "../projects/service.js";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { createUser } from "../tokens/service.js";
import { ensureAdminAccount } from "./admin-account.js";

let api: TestApi;
let admin: { email: string; password: string };

beforeAll(async () => {
  api = await startTestApi();
  admin = await ensureAdminAccount(api.deps, { organizationId: api.seed.organizationId });
});
afterAll(async () => {
  await api?.close();
});

/** A browser-like client: keeps the session cookie, sends the CSRF token it was given. */
async function browser(credentials = admin) {
  const signIn = await fetch(`${api.url}/api/v1/dashboard/sign-in`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(credentials),
  });
  const setCookie = signIn.headers.get("set-cookie") ?? "";
  const body = (await signIn.json()) as { csrfToken?: string; error?: string };
  const cookie = setCookie.split(";")[0] ?? "";
  const call = async (method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}) => {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: { cookie, "content-type": "application/json", ...opts.headers },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  return { status: signIn.status, setCookie, csrf: body.csrfToken ?? "", error: body.error, call };
}

describe("dashboard sign-in and sessions", () => {
  it("the admin account signs in; the session cookie is HttpOnly and SameSite=Lax; a wrong password is refused", async () => {
    const b = await browser();
    expect(b.status).toBe(200);
    expect(b.setCookie).toMatch(/^gantry_session=[^;]+;/);
    expect(b.setCookie).toMatch(/HttpOnly/i);
    expect(b.setCookie).toMatch(/SameSite=Lax/i);
    expect(b.setCookie).not.toMatch(/Secure/i); // plain http on loopback
    const session = await b.call("GET", "/api/v1/dashboard/session");
    expect(session.body.user.email).toBe(admin.email);
    expect(session.body.csrfToken).toBe(b.csrf);

    const wrong = await browser({ email: admin.email, password: "not-it" });
    expect(wrong.status).toBe(401);
    expect(wrong.setCookie).toBe("");
  });

  it("keeps the recorded credentials on the next start, and sets new ones when they no longer sign in", async () => {
    const again = await ensureAdminAccount(api.deps, { organizationId: api.seed.organizationId, known: admin });
    expect(again).toEqual({ ...admin, created: false });
    const lost = await ensureAdminAccount(api.deps, { organizationId: api.seed.organizationId, known: { email: admin.email, password: "forgotten" } });
    expect(lost.created).toBe(true);
    expect((await browser()).status).toBe(401);
    expect((await browser(lost)).status).toBe(200);
    admin = lost;
  });

  it("after 10 wrong passwords for an email, sign-in answers 429 even with the right one", async () => {
    const other = await ensureAdminAccount(api.deps, { organizationId: api.seed.organizationId, email: "second-admin@gantry.local" });
    for (let i = 0; i < 10; i++) expect((await browser({ email: other.email, password: `guess-${i}` })).status).toBe(401);
    const blocked = await browser(other);
    expect(blocked.status).toBe(429);
    expect(blocked.error).toMatch(/Too many failed sign-ins/);
    // other accounts are not affected
    expect((await browser()).status).toBe(200);
  });

  it("signing out ends the session", async () => {
    const b = await browser();
    expect((await b.call("POST", "/api/v1/dashboard/sign-out", { headers: { "x-gantry-csrf": b.csrf } })).status).toBe(200);
    expect((await b.call("GET", "/api/v1/dashboard/session")).status).toBe(401);
    expect((await b.call("GET", "/api/v1/projects")).status).toBe(401);
  });
});

describe("what a session may see and do", () => {
  it("lists only the projects of the user's organizations and refuses other organizations' environments", async () => {
    const stranger = await createUser(api.deps, { email: "stranger@example.com" });
    const org = await createOrganization(api.deps, { slug: "other-org", title: "Other", userId: stranger.id });
    const other = await createProject(api.deps, { userId: stranger.id, organizationId: org.id, name: "Theirs", ref: "proj_theirs0000000" });

    const b = await browser();
    const session = await b.call("GET", "/api/v1/dashboard/session");
    const refs = session.body.projects.map((p: { ref: string }) => p.ref);
    expect(refs).toEqual([api.seed.projectRef]);
    const envs = session.body.projects[0].environments.map((e: { slug: string }) => e.slug);
    expect(envs).toEqual(expect.arrayContaining(["dev", "staging", "prod", "preview"]));

    const [theirProd] = await api.deps.sql<{ id: string }[]>`select id from environments where project_id = ${other.id} and slug = 'prod'`;
    const denied = await b.call("GET", "/api/v1/runs", { headers: { "x-gantry-environment": theirProd!.id } });
    expect(denied.status).toBe(404);
    expect((await b.call("GET", `/api/v1/projects/${other.ref}`)).status).toBe(404);
    expect((await b.call("GET", `/api/v1/projects/${api.seed.projectRef}`)).status).toBe(200);
  });

  it("acts in the chosen environment, and state-changing requests need the CSRF token", async () => {
    const b = await browser();
    const prod = { "x-gantry-environment": api.seed.environments.prod.id };
    const body = { payload: { from: "dashboard" }, options: { test: true, delay: "1h" } };

    const noToken = await b.call("POST", "/api/v1/tasks/echo/trigger", { body, headers: prod });
    expect(noToken.status).toBe(403);
    expect(noToken.body.error).toMatch(/CSRF/);
    const wrongToken = await b.call("POST", "/api/v1/tasks/echo/trigger", { body, headers: { ...prod, "x-gantry-csrf": "guess" } });
    expect(wrongToken.status).toBe(403);
    const crossSite = await b.call("POST", "/api/v1/tasks/echo/trigger", {
      body,
      headers: { ...prod, "x-gantry-csrf": b.csrf, origin: "https://evil.example" },
    });
    expect(crossSite.status).toBe(403);

    const ok = await b.call("POST", "/api/v1/tasks/echo/trigger", { body, headers: { ...prod, "x-gantry-csrf": b.csrf } });
    expect(ok.status).toBe(200);
    const listed = await b.call("GET", "/api/v1/runs?filter[taskIdentifier]=echo", { headers: prod });
    expect(listed.body.data.map((r: { id: string }) => r.id)).toContain(ok.body.id);
    // the same run is not visible from staging
    const staging = await b.call("GET", `/api/v3/runs/${ok.body.id}`, { headers: { "x-gantry-environment": api.seed.environments.staging.id } });
    expect(staging.status).toBe(404);
    // no environment chosen: the error names the header
    const none = await b.call("GET", "/api/v1/runs");
    expect(none.status).toBe(400);
    expect(none.body.param).toBe("x-gantry-environment");
  });

  it("the session cookie is Secure when the dashboard is served over https", async () => {
    const secure = await startTestApi({ env: { GANTRY_PUBLIC_URL: "https://gantry.example.com" } });
    try {
      const creds = await ensureAdminAccount(secure.deps, { organizationId: secure.seed.organizationId });
      const response = await fetch(`${secure.url}/api/v1/dashboard/sign-in`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(creds),
      });
      expect(response.headers.get("set-cookie")).toMatch(/;\s*Secure/i);
    } finally {
      await secure.close();
    }
  });
});

describe("realtime for the dashboard", () => {
  it("a session follows a run over SSE, naming the environment in the query (EventSource cannot send headers)", async () => {
    const b = await browser();
    const prod = api.seed.environments.prod.id;
    const run = await b.call("POST", "/api/v1/tasks/echo/trigger", { body: { payload: {}, options: { delay: "1h" } }, headers: { "x-gantry-environment": prod, "x-gantry-csrf": b.csrf } });
    const cookie = (await fetch(`${api.url}/api/v1/dashboard/sign-in`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(admin) })).headers
      .get("set-cookie")!
      .split(";")[0]!;
    const controller = new AbortController();
    const response = await fetch(`${api.url}/realtime/v1/runs/${run.body.id}?gantryEnvironment=${prod}`, { headers: { cookie }, signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader();
    let text = "";
    while (!text.includes(run.body.id)) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain("event: run");
    controller.abort();
    // the run is not visible from another environment named in the query
    const other = await fetch(`${api.url}/realtime/v1/runs/${run.body.id}?gantryEnvironment=${api.seed.environments.staging.id}`, { headers: { cookie } });
    expect(other.status).toBe(404);
  });
});

describe("preview branches", () => {
  it("a session acts in a branch like its preview key does, lists branches with PR links, and archiving stops triggers", async () => {
    const preview = api.seed.environments.preview;
    const branchId = await ensureBranchEnvironment(api.deps, api.seed.projectId, preview.id, "feature-x", true);
    await api.deps.sql`update environments set git = ${api.deps.sql.json({ pullRequestNumber: 42, pullRequestUrl: "https://github.com/acme/app/pull/42", pullRequestTitle: "Feature X" })} where id = ${branchId}`;
    const b = await browser();
    const session = await b.call("GET", "/api/v1/dashboard/session");
    const envs = session.body.projects[0].environments as Array<{ id: string; branchName: string | null }>;
    expect(envs.find((e) => e.id === branchId)?.branchName).toBe("feature-x");

    const inBranch = { "x-gantry-environment": branchId, "x-gantry-csrf": b.csrf };
    const run = await b.call("POST", "/api/v1/tasks/echo/trigger", { body: { payload: {}, options: { delay: "1h" } }, headers: inBranch });
    expect(run.status).toBe(200);
    // the preview key with the branch header sees the same run
    const viaKey = await fetch(`${api.url}/api/v3/runs/${run.body.id}`, { headers: { authorization: `Bearer ${preview.apiKey}`, "x-trigger-branch": "feature-x" } });
    expect(viaKey.status).toBe(200);

    const listed = await b.call("GET", `/api/v1/dashboard/projects/${api.seed.projectRef}/branches`);
    expect(listed.body.data).toEqual([
      expect.objectContaining({ id: branchId, branchName: "feature-x", archivedAt: null, pullRequest: { number: 42, url: "https://github.com/acme/app/pull/42", title: "Feature X" } }),
    ]);

    const archived = await b.call("POST", `/api/v1/projects/${api.seed.projectRef}/branches/archive`, { body: { branch: "feature-x" }, headers: { "x-gantry-csrf": b.csrf } });
    expect(archived.status).toBe(200);
    expect((await b.call("GET", `/api/v1/dashboard/projects/${api.seed.projectRef}/branches`)).body.data[0].archivedAt).not.toBeNull();
    const refused = await b.call("POST", "/api/v1/tasks/echo/trigger", { body: { payload: {} }, headers: inBranch });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatch(/archived/);
    // still readable
    expect((await b.call("GET", `/api/v3/runs/${run.body.id}`, { headers: inBranch })).status).toBe(200);
  });
});

describe("API keys", () => {
  it("rotating a key makes the old one stop working and the new one work; members only", async () => {
    const b = await browser();
    const staging = api.seed.environments.staging;
    const rotated = await b.call("POST", `/api/v1/dashboard/environments/${staging.id}/api-keys/rotate`, { headers: { "x-gantry-csrf": b.csrf } });
    expect(rotated.status).toBe(200);
    expect(rotated.body.apiKey).toMatch(/^tr_stg_/);
    const list = (key: string) => fetch(`${api.url}/api/v1/runs`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
    expect(await list(staging.apiKey)).toBe(401);
    expect(await list(rotated.body.apiKey)).toBe(200);
    const info = await b.call("GET", `/api/v1/projects/${api.seed.projectRef}`);
    expect(info.body.environments.find((e: { id: string }) => e.id === staging.id).apiKey).toBe(rotated.body.apiKey);

    const [theirs] = await api.deps.sql<{ id: string }[]>`
      select e.id from environments e join projects p on p.id = e.project_id where p.ref = 'proj_theirs0000000' and e.slug = 'prod'`;
    const denied = await b.call("POST", `/api/v1/dashboard/environments/${theirs!.id}/api-keys/rotate`, { headers: { "x-gantry-csrf": b.csrf } });
    expect(denied.status).toBe(404);
  });
});

describe("tasks and queues overviews", () => {
  it("counts an environment's runs per task and status, and live runs per queue", async () => {
    const key = api.seed.environments.dev.apiKey;
    const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    for (const task of ["alpha", "alpha", "beta"]) {
      await fetch(`${api.url}/api/v1/tasks/${task}/trigger`, { method: "POST", headers, body: JSON.stringify({ payload: {}, options: { delay: "1h" } }) });
    }
    const tasks = (await (await fetch(`${api.url}/api/v1/dashboard/tasks`, { headers })).json()) as { data: Array<{ id: string; runs: number; byStatus: Record<string, number>; deployed: boolean }> };
    expect(tasks.data.map((t) => [t.id, t.runs, t.byStatus, t.deployed])).toEqual([
      ["alpha", 2, { DELAYED: 2 }, false],
      ["beta", 1, { DELAYED: 1 }, false],
    ]);
    // no deployment yet in dev, so no queues rows; the environment's totals still count nothing running
    const queues = (await (await fetch(`${api.url}/api/v1/dashboard/queues`, { headers })).json()) as { environment: { running: number } };
    expect(queues.environment.running).toBe(0);
  });
});

describe("GET /api/v1/runs/:id/events", () => {
  it("returns the run's logs and spans oldest first, only to the run's environment", async () => {
    const key = api.seed.environments.prod.apiKey;
    const trigger = await fetch(`${api.url}/api/v1/tasks/echo/trigger`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ payload: {}, options: { delay: "1h" } }),
    });
    const { id } = (await trigger.json()) as { id: string };
    // what the runner's log endpoint writes (the engine is not what is tested here)
    await api.deps.sql`
      insert into task_events (run_id, attempt_number, kind, level, message, attributes, span_id, duration_ms, time) values
        (${id}, 1, 'span', 'info', 'fetch page', ${api.deps.sql.json({ url: "https://x" })}, 'span_1', 120.5, '2026-01-01T00:00:01Z'),
        (${id}, 1, 'log', 'info', 'first', null, null, null, '2026-01-01T00:00:00Z'),
        (${id}, 2, 'log', 'error', 'second attempt failed', null, null, null, '2026-01-01T00:00:02Z')`;
    const response = await fetch(`${api.url}/api/v1/runs/${id}/events`, { headers: { authorization: `Bearer ${key}` } });
    const body = (await response.json()) as { data: Array<Record<string, unknown>> };
    expect(body.data.map((e) => e.message)).toEqual(["first", "fetch page", "second attempt failed"]);
    expect(body.data[1]).toMatchObject({ kind: "span", level: "info", attemptNumber: 1, durationMs: 120.5, attributes: { url: "https://x" } });
    expect(body.data[2]).toMatchObject({ level: "error", attemptNumber: 2 });

    const other = await fetch(`${api.url}/api/v1/runs/${id}/events`, { headers: { authorization: `Bearer ${api.seed.environments.dev.apiKey}` } });
    expect(other.status).toBe(404);
  });
});
