import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DeploymentInfo, UploadArtifactResponse } from "@gantry/sdk/contracts";
import { call, testArtifact, testManifest } from "../testing/fixtures.js";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { PLATFORM_SDK_VERSION } from "./sdk-version.js";

describe("deployments", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  const create = (token: string, body: Record<string, unknown> = {}) =>
    call(api.url, "POST", "/api/v1/deployments", { token, body: { sdkVersion: PLATFORM_SDK_VERSION, ...body } });
  const upload = (token: string, artifact: { body: string; hash: string }) =>
    call(api.url, "PUT", `/api/v1/artifacts/${artifact.hash}`, { token, raw: artifact.body, headers: { "content-type": "application/json" } });
  const today = () => new Date().toISOString().slice(0, 10).replace(/-/g, "");

  it("numbers versions YYYYMMDD.N per environment", async () => {
    const pat = api.seed.accessToken;
    const a = await create(pat, { projectRef: api.seed.projectRef, environment: "staging" });
    const b = await create(api.seed.environments.staging.apiKey);
    const c = await create(pat, { projectRef: api.seed.projectRef, environment: "dev" });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ version: `${today()}.1`, status: "BUILDING", isCurrent: false, projectRef: api.seed.projectRef });
    expect(b.body.version).toBe(`${today()}.2`);
    expect(c.body.version).toBe(`${today()}.1`);
    expect(c.body.environment).toMatchObject({ id: api.seed.environments.dev.id, slug: "dev" });
  });

  it("finalize records tasks and queues, promotes, and the environment's current version moves", async () => {
    const key = api.seed.environments.prod.apiKey;
    const created = await create(key);
    const artifact = testArtifact();
    const up = await upload(key, artifact);
    expect(up.status).toBe(201);
    expect(up.body).toEqual({ hash: artifact.hash, size: Buffer.byteLength(artifact.body) });
    expect((await upload(key, artifact)).status).toBe(201); // idempotent

    const fin = await call(api.url, "POST", `/api/v1/deployments/${created.body.id}/finalize`, {
      token: key,
      body: { artifactHash: artifact.hash, manifest: testManifest() },
    });
    expect(fin.status).toBe(200);
    expect(fin.body).toMatchObject({ status: "DEPLOYED", isCurrent: true, artifactHash: artifact.hash });
    // the CLI parses these with the contract schemas
    DeploymentInfo.parse(fin.body);
    DeploymentInfo.parse(created.body);
    UploadArtifactResponse.parse(up.body);
    expect(fin.body.tasks).toEqual([
      { id: "hello-world", filePath: "src/trigger/hello.ts" },
      { id: "limited", filePath: "src/trigger/limited.ts" },
    ]);
    const [env] = await api.deps.sql`select current_deployment_id from environments where id = ${api.seed.environments.prod.id}`;
    expect(env!.current_deployment_id).toBe(created.body.id);
    const queues = await api.deps.sql`select name, concurrency_limit from queues where environment_id = ${api.seed.environments.prod.id} order by name`;
    expect(queues).toEqual([
      { name: "limited-queue", concurrency_limit: 2 },
      { name: "task/hello-world", concurrency_limit: null },
    ]);

    // the artifact can now be read by the project's keys and by runners
    const dl = await call(api.url, "GET", `/api/runner/v1/artifacts/${artifact.hash}`, { token: api.seed.runnerToken });
    expect(dl.status).toBe(200);
    expect(dl.body.format).toBe("gantry-artifact-v1");
    expect((await call(api.url, "GET", `/api/v1/artifacts/${artifact.hash}`, { token: api.seed.accessToken })).status).toBe(200);

    // a second version deployed with skipPromotion does not move current; promote does
    const second = await create(key);
    const fin2 = await call(api.url, "POST", `/api/v1/deployments/${second.body.id}/finalize`, {
      token: key,
      body: { artifactHash: artifact.hash, manifest: testManifest(), skipPromotion: true },
    });
    expect(fin2.body).toMatchObject({ status: "DEPLOYED", isCurrent: false });
    const promoted = await call(api.url, "POST", `/api/v1/projects/${api.seed.projectRef}/envs/prod/promote`, {
      token: api.seed.accessToken,
      body: { version: second.body.version },
    });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ version: second.body.version, isCurrent: true });
    const back = await call(api.url, "POST", `/api/v1/deployments/${created.body.version}/promote`, { token: key });
    expect(back.body).toMatchObject({ id: created.body.id, isCurrent: true });

    const list = await call(api.url, "GET", `/api/v1/projects/${api.seed.projectRef}/deployments?env=prod`, { token: api.seed.accessToken });
    expect(list.body.data.map((d: { id: string }) => d.id)).toEqual([second.body.id, created.body.id]);
  });

  it("refuses a project built with another SDK version, naming both", async () => {
    const key = api.seed.environments.prod.apiKey;
    const atCreate = await create(key, { sdkVersion: "9.9.9" });
    expect(atCreate.status).toBe(400);
    expect(atCreate.body).toMatchObject({ code: "version_mismatch", param: "sdkVersion" });
    expect(atCreate.body.error).toContain("9.9.9");
    expect(atCreate.body.error).toContain(PLATFORM_SDK_VERSION);

    const created = await create(key);
    const manifest = testManifest({ sdkVersion: "9.9.9" });
    const artifact = testArtifact(manifest);
    await upload(key, artifact);
    const fin = await call(api.url, "POST", `/api/v1/deployments/${created.body.id}/finalize`, {
      token: key,
      body: { artifactHash: artifact.hash, manifest },
    });
    expect(fin.status).toBe(400);
    expect(fin.body.code).toBe("version_mismatch");
    expect(fin.body.error).toContain(PLATFORM_SDK_VERSION);
    const after = await call(api.url, "GET", `/api/v1/deployments/${created.body.id}`, { token: key });
    expect(after.body.status).toBe("BUILDING");
  });

  it("rejects an artifact whose bytes do not match its hash, and a finalize before the upload", async () => {
    const key = api.seed.environments.staging.apiKey;
    const artifact = testArtifact(testManifest(), { "index.mjs": "console.log(1)" });
    const bad = await call(api.url, "PUT", `/api/v1/artifacts/${"a".repeat(64)}`, { token: key, raw: artifact.body });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: "invalid_body", param: "hash" });
    expect(bad.body.error).toContain(artifact.hash);

    const created = await create(key);
    const fin = await call(api.url, "POST", `/api/v1/deployments/${created.body.id}/finalize`, {
      token: key,
      body: { artifactHash: artifact.hash, manifest: testManifest() },
    });
    expect(fin.status).toBe(400);
    expect(fin.body.param).toBe("artifactHash");

    const malformed = await call(api.url, "POST", `/api/v1/deployments/${created.body.id}/finalize`, {
      token: key,
      body: { artifactHash: artifact.hash, manifest: { ...testManifest(), entryPoint: 42 } },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.param).toBe("manifest.entryPoint");
  });

  it("limits artifact size (413) and a failed deployment cannot be finalized", async () => {
    const small = await startTestApi({ env: { GANTRY_ARTIFACT_MAX_BYTES: "2048", GANTRY_DEPLOY_TIMEOUT_MS: "1000" } });
    try {
      // a deployment whose CLI vanished times out
      const stale = await call(small.url, "POST", "/api/v1/deployments", {
        token: small.seed.environments.prod.apiKey,
        body: { sdkVersion: PLATFORM_SDK_VERSION },
      });
      await vi.waitFor(
        async () => {
          const d = await call(small.url, "GET", `/api/v1/deployments/${stale.body.id}`, { token: small.seed.environments.prod.apiKey });
          expect(d.body).toMatchObject({ status: "TIMED_OUT", error: { message: expect.stringContaining("GANTRY_DEPLOY_TIMEOUT_MS") } });
        },
        { timeout: 20_000, interval: 200 },
      );

      const artifact = testArtifact(testManifest(), { "index.mjs": "x".repeat(4096) });
      const res = await call(small.url, "PUT", `/api/v1/artifacts/${artifact.hash}`, { token: small.seed.environments.prod.apiKey, raw: artifact.body });
      expect(res.status).toBe(413);
      expect(res.body.code).toBe("payload_too_large");
      expect(res.body.error).toContain("GANTRY_ARTIFACT_MAX_BYTES");
    } finally {
      await small.close();
    }
    const key = api.seed.environments.prod.apiKey;
    const created = await create(key);
    const failed = await call(api.url, "POST", `/api/v1/deployments/${created.body.id}/fail`, { token: key, body: { error: { message: "build broke" } } });
    expect(failed.body).toMatchObject({ status: "FAILED", error: { message: "build broke" } });
    const artifact = testArtifact();
    const fin = await call(api.url, "POST", `/api/v1/deployments/${created.body.id}/finalize`, {
      token: key,
      body: { artifactHash: artifact.hash, manifest: testManifest() },
    });
    expect(fin.status).toBe(409);
  });

  it("a preview deploy creates its branch environment", async () => {
    const res = await create(api.seed.environments.preview.apiKey, { branch: "feat/login" });
    expect(res.status).toBe(201);
    expect(res.body.environment).toMatchObject({ slug: "preview", branchName: "feat/login" });
    expect(res.body.environment.id).not.toBe(api.seed.environments.preview.id);
    const noBranch = await create(api.seed.environments.preview.apiKey);
    expect(noBranch.status).toBe(400);
    expect(noBranch.body.param).toBe("branch");
  });
});

describe("deployments release runs waiting for a version", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it("a run of a task no version has waits in PENDING_VERSION and is queued once a version with it is promoted", async () => {
    const key = api.seed.environments.staging.apiKey;
    const trig = await call(api.url, "POST", "/api/v1/tasks/hello-world/trigger", { token: key, body: { payload: { a: 1 } } });
    expect(trig.status).toBeLessThan(300);
    const runId = trig.body.id as string;
    const status = async () => (await api.deps.sql<{ status: string }[]>`select status from runs where id = ${runId}`)[0]?.status;
    expect(await status()).toBe("PENDING_VERSION");

    const created = await call(api.url, "POST", "/api/v1/deployments", { token: key, body: { sdkVersion: PLATFORM_SDK_VERSION } });
    const artifact = testArtifact();
    await call(api.url, "PUT", `/api/v1/artifacts/${artifact.hash}`, { token: key, raw: artifact.body });
    const fin = await call(api.url, "POST", `/api/v1/deployments/${created.body.id}/finalize`, {
      token: key,
      body: { artifactHash: artifact.hash, manifest: testManifest() },
    });
    expect(fin.status).toBe(200);
    expect(await status()).toBe("QUEUED");
  });
});
