import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBranchEnvironment } from "../projects/service.js";
import { call } from "../testing/fixtures.js";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { resolveEnvVars } from "./service.js";

describe("env vars", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api?.close();
  });
  const base = () => `/api/v1/projects/${api.seed.projectRef}/envvars`;

  it("create, list (bare array), retrieve, update, delete, with a PAT or the environment's key", async () => {
    const key = api.seed.environments.prod.apiKey;
    expect((await call(api.url, "POST", `${base()}/prod`, { token: key, body: { name: "API_URL", value: "https://x" } })).body).toEqual({ success: true });
    await call(api.url, "POST", `${base()}/prod/import`, { token: api.seed.accessToken, body: { variables: { B: "2", API_URL: "ignored" } } });
    const list = await call(api.url, "GET", `${base()}/prod`, { token: key });
    expect(list.body).toEqual([
      { name: "API_URL", value: "https://x", isSecret: false },
      { name: "B", value: "2", isSecret: false },
    ]);
    await call(api.url, "PUT", `${base()}/prod/B`, { token: key, body: { value: "3" } });
    expect((await call(api.url, "GET", `${base()}/prod/B`, { token: key })).body).toMatchObject({ value: "3" });
    expect((await call(api.url, "DELETE", `${base()}/prod/B`, { token: key })).status).toBe(200);
    expect((await call(api.url, "GET", `${base()}/prod/B`, { token: key })).status).toBe(404);
    expect(await resolveEnvVars(api.deps, api.seed.environments.prod.id)).toEqual({ API_URL: "https://x" });
    // other environments see nothing of it
    expect(await resolveEnvVars(api.deps, api.seed.environments.staging.id)).toEqual({});
    const stored = await api.deps.sql`select value_encrypted from env_vars`;
    expect(JSON.stringify(stored)).not.toContain("https://x");
  });

  it("a preview branch inherits the preview values and overrides them with its own", async () => {
    const preview = api.seed.environments.preview;
    const branchId = await ensureBranchEnvironment(api.deps, api.seed.projectId, preview.id, "pr-7", true);
    await call(api.url, "POST", `${base()}/preview/import`, { token: preview.apiKey, body: { variables: { A: "parent", B: "parent" } } });
    const own = await call(api.url, "POST", `${base()}/preview`, {
      token: preview.apiKey,
      headers: { "x-trigger-branch": "pr-7" },
      body: { name: "B", value: "branch" },
    });
    expect(own.status).toBe(200);
    expect(await resolveEnvVars(api.deps, branchId)).toEqual({ A: "parent", B: "branch" });
    expect(await resolveEnvVars(api.deps, preview.id)).toEqual({ A: "parent", B: "parent" });
  });

  it("rejects invalid names", async () => {
    const res = await call(api.url, "POST", `${base()}/prod`, { token: api.seed.accessToken, body: { name: "1-bad", value: "x" } });
    expect(res.status).toBe(400);
    expect(res.body.param).toBe("name");
  });
});
