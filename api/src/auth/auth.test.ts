import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateTokenResponse, ProjectInfo, WhoAmIResponse } from "@gantry/sdk/contracts";
import { signJwt } from "../crypto/jwt.js";
import { createPersonalAccessToken, createUser } from "../tokens/service.js";
import { call, testArtifact } from "../testing/fixtures.js";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { authenticate, JWT_AUDIENCE, JWT_ISSUER } from "./middleware.js";
import { signRunToken, verifyRunToken } from "./run-token.js";

describe("auth", () => {
  let api: TestApi;
  let outsiderToken: string;
  beforeAll(async () => {
    api = await startTestApi();
    const outsider = await createUser(api.deps, { email: "outsider@example.com" });
    outsiderToken = (await createPersonalAccessToken(api.deps, outsider.id, "cli")).token;
  });
  afterAll(async () => {
    await api?.close();
  });

  const claims = (token?: string, headers?: Record<string, string>) =>
    call(api.url, "POST", "/api/v1/auth/jwt/claims", { token, headers });

  it("answers 401 with {error, code} for a missing, wrong or revoked key", async () => {
    const missing = await claims();
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ code: "unauthorized", error: expect.stringContaining("Authorization: Bearer") });
    const wrong = await claims("tr_prod_thisisnotarealkey000000000");
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe("unauthorized");

    const stagingKey = api.seed.environments.staging.apiKey;
    expect((await claims(stagingKey)).status).toBe(200);
    await api.deps.sql`update api_keys set revoked_at = now() where environment_id = ${api.seed.environments.staging.id}`;
    const { invalidateAuthCaches } = await import("./environment-cache.js");
    invalidateAuthCaches(api.deps);
    expect((await claims(stagingKey)).status).toBe(401);
    await api.deps.sql`update api_keys set revoked_at = null where environment_id = ${api.seed.environments.staging.id}`;
    invalidateAuthCaches(api.deps);
  });

  it("a key of one environment cannot read or change another environment's deployments or variables", async () => {
    const { seed } = api;
    const created = await call(api.url, "POST", "/api/v1/deployments", {
      token: seed.environments.prod.apiKey,
      body: { sdkVersion: (await import("../deployments/sdk-version.js")).PLATFORM_SDK_VERSION },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await call(api.url, "GET", `/api/v1/deployments/${id}`, { token: seed.environments.prod.apiKey })).status).toBe(200);
    const other = await call(api.url, "GET", `/api/v1/deployments/${id}`, { token: seed.environments.staging.apiKey });
    expect(other.status).toBe(404);
    const fin = await call(api.url, "POST", `/api/v1/deployments/${id}/fail`, {
      token: seed.environments.dev.apiKey,
      body: { error: { message: "x" } },
    });
    expect(fin.status).toBe(404);
    const vars = await call(api.url, "GET", `/api/v1/projects/${seed.projectRef}/envvars/prod`, { token: seed.environments.staging.apiKey });
    expect(vars.status).toBe(403);
  });

  it("a personal access token acts only on projects of its user's organizations", async () => {
    const ref = api.seed.projectRef;
    const member = await call(api.url, "GET", `/api/v1/projects/${ref}`, { token: api.seed.accessToken });
    expect(member.status).toBe(200);
    expect(member.body.environments.find((e: { slug: string }) => e.slug === "prod").apiKey).toBe(api.seed.environments.prod.apiKey);

    const outsider = await call(api.url, "GET", `/api/v1/projects/${ref}`, { token: outsiderToken });
    expect(outsider.status).toBe(404);
    const deploy = await call(api.url, "POST", "/api/v1/deployments", {
      token: outsiderToken,
      body: { projectRef: ref, environment: "prod", sdkVersion: "0.0.0" },
    });
    expect([400, 404]).toContain(deploy.status);
    const deploy2 = await call(api.url, "POST", "/api/v1/deployments", {
      token: outsiderToken,
      body: { projectRef: ref, environment: "prod", sdkVersion: (await import("../deployments/sdk-version.js")).PLATFORM_SDK_VERSION },
    });
    expect(deploy2.status).toBe(404);
    const list = await call(api.url, "GET", "/api/v1/projects", { token: outsiderToken });
    expect(list.body).toEqual([]);
    // a secret key is not a PAT
    expect((await call(api.url, "GET", "/api/v1/whoami", { token: api.seed.environments.prod.apiKey })).status).toBe(401);
  });

  it("accepts a JWT the official client signs with the secret key, and rejects expired or forged ones", async () => {
    const env = api.seed.environments.prod;
    const now = Math.floor(Date.now() / 1000);
    const payload = { sub: env.id, pub: true, scopes: ["read:runs:run_abc"], iss: JWT_ISSUER, aud: JWT_AUDIENCE, iat: now, exp: now + 900 };
    const good = signJwt(payload, env.apiKey);
    const auth = await authenticate(api.deps, good);
    expect(auth).toMatchObject({ kind: "environment", via: "publicToken", environment: { id: env.id }, scopes: ["read:runs:run_abc"] });
    // authenticated, but its scopes do not cover minting claims
    expect((await claims(good)).status).toBe(403);

    const expired = signJwt({ ...payload, iat: now - 7200, exp: now - 3600 }, env.apiKey);
    const res = await claims(expired);
    expect(res.status).toBe(401);
    expect(res.body.error).toMatch(/expired/);

    const forged = signJwt(payload, api.seed.environments.staging.apiKey);
    expect((await claims(forged)).status).toBe(401);
    expect(await authenticate(api.deps, forged)).toBeUndefined();
  });

  it("run tokens are scoped to their run and cannot be forged with a secret key", async () => {
    const env = api.seed.environments.prod;
    const token = signRunToken(api.deps.config, { environmentId: env.id, runId: "run_1", attemptNumber: 2 });
    expect(verifyRunToken(api.deps.config, token)).toEqual({ environmentId: env.id, runId: "run_1", attemptNumber: 2 });
    expect(await authenticate(api.deps, token)).toMatchObject({ kind: "run", runId: "run_1", attemptNumber: 2, environment: { id: env.id } });
    const forged = signJwt({ typ: "run", sub: env.id, run: "run_1", att: 2, exp: Math.floor(Date.now() / 1000) + 60 }, env.apiKey);
    expect(await authenticate(api.deps, forged)).toBeUndefined();
    const expired = signRunToken(api.deps.config, { environmentId: env.id, runId: "run_1", attemptNumber: 1 }, -120);
    expect(verifyRunToken(api.deps.config, expired)).toBeUndefined();
  });

  it("runner tokens authenticate as runners only", async () => {
    expect(await authenticate(api.deps, api.seed.runnerToken)).toMatchObject({ kind: "runner" });
    expect(await authenticate(api.deps, "gr_runner_notarealtoken")).toBeUndefined();
    const { hash } = testArtifact();
    const res = await call(api.url, "GET", `/api/runner/v1/artifacts/${hash}`, { token: api.seed.runnerToken });
    expect(res.status).toBe(404); // authenticated; the artifact does not exist
    expect((await call(api.url, "GET", `/api/runner/v1/artifacts/${hash}`, { token: "gr_runner_nope" })).status).toBe(401);
  });

  it("x-trigger-branch selects a preview branch; unknown → 404, archived → writes refused", async () => {
    const preview = api.seed.environments.preview;
    const none = await claims(preview.apiKey);
    expect(none.status).toBe(400);
    expect(none.body).toMatchObject({ param: "x-trigger-branch" });
    const unknown = await claims(preview.apiKey, { "x-trigger-branch": "nope" });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toContain('"nope"');

    const { ensureBranchEnvironment } = await import("../projects/service.js");
    const branchId = await ensureBranchEnvironment(api.deps, api.seed.projectId, preview.id, "feature-x", true);
    const ok = await claims(preview.apiKey, { "x-trigger-branch": "feature-x" });
    expect(ok.body).toEqual({ sub: branchId, pub: true });

    const archive = await call(api.url, "POST", `/api/v1/projects/${api.seed.projectRef}/branches/archive`, {
      token: preview.apiKey,
      body: { branch: "feature-x" },
    });
    expect(archive.status).toBe(200);
    const archived = await claims(preview.apiKey, { "x-trigger-branch": "feature-x" });
    expect(archived.status).toBe(403);
    expect(archived.body.error).toContain("archived");
    const branches = await call(api.url, "GET", `/api/v1/projects/${api.seed.projectRef}/branches`, { token: api.seed.accessToken });
    expect(branches.body).toEqual([expect.objectContaining({ branchName: "feature-x", archivedAt: expect.any(String) })]);

    // deploying the branch again un-archives it
    const { PLATFORM_SDK_VERSION } = await import("../deployments/sdk-version.js");
    const redeploy = await call(api.url, "POST", "/api/v1/deployments", {
      token: preview.apiKey,
      body: { sdkVersion: PLATFORM_SDK_VERSION, branch: "feature-x" },
    });
    expect(redeploy.status).toBe(201);
    expect((await claims(preview.apiKey, { "x-trigger-branch": "feature-x" })).status).toBe(200);
  });

  it("creates projects and tokens for a user", async () => {
    const created = await call(api.url, "POST", "/api/v1/projects", { token: outsiderToken, body: { name: "My app" } });
    expect(created.status).toBe(201);
    expect(created.body.ref).toMatch(/^proj_[a-z0-9]{20}$/);
    ProjectInfo.parse(created.body);
    expect(created.body.environments.map((e: { slug: string }) => e.slug).sort()).toEqual(["dev", "preview", "prod", "staging"]);
    // the outsider's project is not the demo user's
    expect((await call(api.url, "GET", `/api/v1/projects/${created.body.ref}`, { token: api.seed.accessToken })).status).toBe(404);
    const token = await call(api.url, "POST", "/api/v1/tokens", { token: outsiderToken, body: { name: "ci" } });
    expect(token.status).toBe(201);
    CreateTokenResponse.parse(token.body);
    const who = await call(api.url, "GET", "/api/v1/whoami", { token: token.body.token });
    expect(who.body).toMatchObject({ email: "outsider@example.com" });
    WhoAmIResponse.parse(who.body);
    const bad = await call(api.url, "POST", "/api/v1/projects", { token: outsiderToken, body: { name: "" } });
    expect(bad.status).toBe(400);
    expect(bad.body.param).toBe("name");
  });
});
