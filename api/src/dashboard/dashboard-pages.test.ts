import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handlePush } from "../github/events.js";
import { reportBuildStatus } from "../github/builds.js";
import { recordInstallation } from "../github/installations.js";
import { createUser } from "../tokens/service.js";
import { insertOrgMember } from "../projects/queries/organizations.js";
import { updatePasswordHash } from "./queries/users.js";
import { client, deployTasks, fakeRunner, success, type Client } from "../runner-api/test-helpers.js";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { hashPassword } from "./passwords.js";
import { ensureAdminAccount } from "./admin-account.js";

let api: TestApi;
let http: Client;

type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number; body: any }>;

async function signIn(email: string, password: string): Promise<Call> {
  const res = await fetch(`${api.url}/api/v1/dashboard/sign-in`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }) });
  expect(res.status).toBe(200);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return async (method, path, body, headers = {}) => {
    const r = await fetch(`${api.url}${path}`, {
      method,
      headers: { cookie, "content-type": "application/json", "x-gantry-csrf": csrfToken, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  };
}

let admin: Call;
const REPO = { id: 4242, fullName: "acme/tasks", defaultBranch: "main" };

beforeAll(async () => {
  api = await startTestApi();
  http = client(api.url);
  const creds = await ensureAdminAccount(api.deps, { organizationId: api.seed.organizationId });
  admin = await signIn(creds.email, creds.password);
  await recordInstallation(api.deps, { installationId: 77, account: { login: "acme", id: 9 }, repositories: [REPO, { id: 4243, fullName: "acme/other" }] });
});
afterAll(async () => {
  await api?.close();
});

describe("GitHub page", () => {
  it("connects a repository, edits its tracked branches and build settings; members who are not admins only read", async () => {
    const path = `/api/v1/dashboard/projects/${api.seed.projectRef}/github`;
    const empty = await admin("GET", path);
    expect(empty.body).toMatchObject({ canEdit: true, connection: null, builds: [] });
    expect(empty.body.repositories.map((r: { fullName: string }) => r.fullName)).toEqual(["acme/other", "acme/tasks"]);

    const connect = await admin("POST", "/api/v1/github/connections", { projectRef: api.seed.projectRef, repository: REPO.fullName, stagingBranch: "develop" });
    expect(connect.status).toBe(201);
    const edit = await admin("POST", "/api/v1/github/connections", {
      projectRef: api.seed.projectRef,
      repository: REPO.fullName,
      productionBranch: "release",
      stagingBranch: null,
      previews: false,
      rootDir: "apps/worker",
      installCommand: "pnpm install --frozen-lockfile",
    });
    expect(edit.status).toBe(201);
    const after = (await admin("GET", path)).body;
    expect(after.connection).toMatchObject({
      repository: "acme/tasks",
      productionBranch: "release",
      stagingBranch: null,
      previews: false,
      rootDir: "apps/worker",
      installCommand: "pnpm install --frozen-lockfile",
      usable: true,
    });
    // a push to the new production branch builds; one to the old default does not
    const push = (ref: string, sha: string) =>
      handlePush(api.deps, { deliveryId: sha, installationId: 77, repository: REPO, ref, before: "0".repeat(40), after: sha, deleted: false, headCommit: { message: `commit ${sha}` }, sender: { login: "dev", id: 1 } });
    expect((await push("refs/heads/main", "a".repeat(40))).builds).toEqual([]);
    expect((await push("refs/heads/release", "b".repeat(40))).builds).toHaveLength(1);

    // a member who is not an organization admin sees the settings but cannot change them
    const member = await createUser(api.deps, { email: "member@example.com" });
    await insertOrgMember(api.deps.sql, api.seed.organizationId, member.id, "MEMBER");
    await updatePasswordHash(api.deps.sql, member.id, await hashPassword("member-password-1"));
    const asMember = await signIn("member@example.com", "member-password-1");
    const seen = await asMember("GET", path);
    expect(seen.body.canEdit).toBe(false);
    expect(seen.body.connection.productionBranch).toBe("release");
    const refused = await asMember("POST", "/api/v1/github/connections", { projectRef: api.seed.projectRef, repository: REPO.fullName, productionBranch: "hack" });
    expect(refused.status).toBe(403);
    expect((await admin("GET", path)).body.connection.productionBranch).toBe("release");
  });

  it("a build's log is readable while it builds (from an offset) and afterwards from its deployment", async () => {
    const base = `/api/v1/dashboard/projects/${api.seed.projectRef}`;
    const [build] = (await admin("GET", `${base}/github`)).body.builds as Array<{ id: string; status: string }>;
    expect(build?.status).toBe("PENDING");
    await reportBuildStatus(api.deps, build!.id, { status: "BUILDING", logs: "$ pnpm install\n" });
    const first = (await admin("GET", `${base}/builds/${build!.id}/logs?offset=0`)).body;
    expect(first).toMatchObject({ logs: "$ pnpm install\n", final: false, build: { status: "BUILDING" } });

    await reportBuildStatus(api.deps, build!.id, { status: "BUILDING", logs: "$ gantry deploy\nBundled 1 task\n" });
    const next = (await admin("GET", `${base}/builds/${build!.id}/logs?offset=${first.nextOffset}`)).body;
    expect(next.logs).toBe("$ gantry deploy\nBundled 1 task\n");
    expect(next.final).toBe(false);

    const deployment = await deployTasks(http, api.seed.environments.prod.apiKey, [{ id: "hello" }]);
    await reportBuildStatus(api.deps, build!.id, { status: "DEPLOYED", deploymentId: deployment.id, version: deployment.version, logs: "Deployed\n" });
    const done = (await admin("GET", `${base}/builds/${build!.id}/logs?offset=${next.nextOffset}`)).body;
    expect(done).toMatchObject({ logs: "Deployed\n", final: true, build: { status: "DEPLOYED", version: deployment.version } });

    const fromDeployment = (await admin("GET", `${base}/deployments/${deployment.id}/logs`)).body;
    expect(fromDeployment).toMatchObject({ source: "github", final: true });
    expect(fromDeployment.logs).toBe("$ pnpm install\n$ gantry deploy\nBundled 1 task\nDeployed\n");

    expect((await admin("GET", `${base}/builds/${build!.id}/logs?offset=-1`)).status).toBe(400);
    expect((await admin("GET", `${base}/builds/ghb_nope/logs`)).status).toBe(404);
    // a CLI deployment has no GitHub build: its own (empty) log, final
    const cli = await deployTasks(http, api.seed.environments.staging.apiKey, [{ id: "hello" }]);
    expect((await admin("GET", `${base}/deployments/${cli.id}/logs`)).body).toMatchObject({ source: "deploy", logs: "", final: true });
  });
});

describe("run page streams and the test panel's schema", () => {
  it("lists the streams a run wrote (read live over SSE with the session)", async () => {
    const key = api.seed.environments.prod.apiKey;
    await deployTasks(http, key, [{ id: "writer" }]);
    const run = await http.call("POST", "/api/v1/tasks/writer/trigger", { key, body: { payload: {} } });
    const runner = fakeRunner(http, api.seed.runnerToken);
    const started = await runner.start([run.body.id]);
    const runToken = started.body.results[0].execution.runToken as string;
    // the run appends to two streams (as its SDK would, with the environment's key here)
    for (const [streamKey, lines] of [["tokens", ['"Hel"', '"lo"']], ["progress", ['{"pct":50}']]] as const) {
      const r = await fetch(`${api.url}/realtime/v1/streams/${run.body.id}/${streamKey}`, { method: "POST", headers: { authorization: `Bearer ${runToken}` }, body: lines.join("\n") });
      expect(r.status).toBe(200);
    }
    const prod = { "x-gantry-environment": api.seed.environments.prod.id };
    const listed = await admin("GET", `/api/v1/dashboard/runs/${run.body.id}/streams`, undefined, prod);
    expect(listed.body.data.map((s: { key: string; chunks: number }) => [s.key, s.chunks])).toEqual([["tokens", 2], ["progress", 1]]);
    // not from another environment
    const staging = await admin("GET", `/api/v1/dashboard/runs/${run.body.id}/streams`, undefined, { "x-gantry-environment": api.seed.environments.staging.id });
    expect(staging.status).toBe(404);

    await runner.complete(run.body.id, started.body.results[0].execution.attempt.number, success({ ok: true }));
    // the SSE the run page opens: chunks, then `end` once the run finished
    const sse = await fetch(`${api.url}/realtime/v1/streams/${run.body.id}/tokens?gantryEnvironment=${api.seed.environments.prod.id}`, {
      headers: { cookie: await sessionCookie() },
    });
    const text = await sse.text();
    expect(text).toMatch(/event: chunk\ndata: "Hel"/);
    expect(text).toMatch(/data: "lo"/);
    expect(text).toMatch(/event: end/);
  });

  it("a deployed schemaTask's JSON schema reaches the tasks page", async () => {
    const key = api.seed.environments.prod.apiKey;
    const payloadSchema = { type: "object", properties: { email: { type: "string" } }, required: ["email"] };
    await deployTasks(http, key, [{ id: "signup", payloadSchema }, { id: "plain" }]);
    const tasks = await admin("GET", "/api/v1/dashboard/tasks", undefined, { "x-gantry-environment": api.seed.environments.prod.id });
    const byId = Object.fromEntries(tasks.body.data.map((t: { id: string; payloadSchema?: unknown }) => [t.id, t.payloadSchema]));
    expect(byId.signup).toEqual(payloadSchema);
    expect(byId.plain).toBeUndefined();
  });
});

let cookieCache: string | undefined;
async function sessionCookie(): Promise<string> {
  if (cookieCache) return cookieCache;
  const creds = await ensureAdminAccount(api.deps, { organizationId: api.seed.organizationId, email: "sse-admin@gantry.local" });
  const res = await fetch(`${api.url}/api/v1/dashboard/sign-in`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(creds) });
  cookieCache = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
  return cookieCache;
}
