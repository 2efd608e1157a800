import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBranchEnvironment } from "../projects/service.js";
import { client, deployTasks, type Client } from "../runner-api/test-helpers.js";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { ensureAdminAccount } from "./admin-account.js";

let api: TestApi;
let http: Client;
let cookie: string;
let csrf: string;

beforeAll(async () => {
  api = await startTestApi();
  http = client(api.url);
  const creds = await ensureAdminAccount(api.deps, { organizationId: api.seed.organizationId });
  const res = await fetch(`${api.url}/api/v1/dashboard/sign-in`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(creds) });
  cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
  csrf = ((await res.json()) as { csrfToken: string }).csrfToken;
});
afterAll(async () => {
  await api?.close();
});

/** Reads an SSE response's text until `until` matches (or the stream ends). */
async function readUntil(res: Response, until: RegExp, seen = { text: "" }): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  try {
    while (!until.test(seen.text)) {
      const { done, value } = await reader.read();
      if (done) break;
      seen.text += decoder.decode(value, { stream: true });
    }
  } finally {
    reader.releaseLock();
  }
  return seen.text;
}

describe("the runs list's change stream", () => {
  it("pings `changed` when a run of the environment changes, after `ready`", async () => {
    const key = api.seed.environments.prod.apiKey;
    await deployTasks(http, key, [{ id: "echo" }]);
    const controller = new AbortController();
    const res = await fetch(`${api.url}/api/v1/dashboard/runs/changes?gantryEnvironment=${api.seed.environments.prod.id}`, { headers: { cookie }, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const seen = { text: "" };
    await readUntil(res, /event: ready/, seen);
    expect(seen.text).not.toContain("event: changed");
    const triggered = await http.call("POST", "/api/v1/tasks/echo/trigger", { key, body: { payload: {} } });
    expect(triggered.status).toBe(200);
    await readUntil(res, /event: changed/, seen);
    expect(seen.text).toMatch(/event: changed\ndata: \{\}/);
    controller.abort();
  });

  it("refuses an environment the user is not a member of, and a request without a session", async () => {
    const other = await fetch(`${api.url}/api/v1/dashboard/runs/changes?gantryEnvironment=env_doesnotexist`, { headers: { cookie } });
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ param: "x-gantry-environment" });
    const anonymous = await fetch(`${api.url}/api/v1/dashboard/runs/changes?gantryEnvironment=${api.seed.environments.prod.id}`);
    expect(anonymous.status).toBe(401);
  });
});

describe("the env vars page's list", () => {
  it("marks a preview branch's inherited variables; its own value overrides the preview environment's", async () => {
    const ref = api.seed.projectRef;
    const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const r = await fetch(`${api.url}${path}`, {
        method,
        headers: { cookie, "x-gantry-csrf": csrf, "content-type": "application/json", ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: r.status, body: await r.json() };
    };
    await ensureBranchEnvironment(api.deps, api.seed.projectId, api.seed.environments.preview.id, "feat-x", true);
    const branch = { "x-trigger-branch": "feat-x" };
    expect((await call("POST", `/api/v1/projects/${ref}/envvars/preview`, { name: "SHARED", value: "parent" })).status).toBe(200);
    expect((await call("POST", `/api/v1/projects/${ref}/envvars/preview`, { name: "OVERRIDDEN", value: "parent" })).status).toBe(200);
    expect((await call("POST", `/api/v1/projects/${ref}/envvars/preview`, { name: "TOKEN", value: "hidden", isSecret: true })).status).toBe(200);
    expect((await call("POST", `/api/v1/projects/${ref}/envvars/preview`, { name: "OVERRIDDEN", value: "branch" }, branch)).status).toBe(200);

    const onBranch = await call("GET", `/api/v1/dashboard/projects/${ref}/envvars/preview`, undefined, branch);
    expect(onBranch.body).toEqual([
      { name: "OVERRIDDEN", value: "branch", isSecret: false, inherited: false },
      { name: "SHARED", value: "parent", isSecret: false, inherited: true },
      { name: "TOKEN", value: "", isSecret: true, inherited: true },
    ]);
    const onParent = await call("GET", `/api/v1/dashboard/projects/${ref}/envvars/preview`);
    expect(onParent.body.map((v: { name: string; value: string; inherited: boolean }) => [v.name, v.value, v.inherited])).toEqual([
      ["OVERRIDDEN", "parent", false],
      ["SHARED", "parent", false],
      ["TOKEN", "", false],
    ]);
    const bad = await call("GET", `/api/v1/dashboard/projects/${ref}/envvars/qa`);
    expect(bad).toMatchObject({ status: 400, body: { param: "env" } });
  });
});
