import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, testArtifact, testManifest } from "../testing/fixtures.js";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { PLATFORM_SDK_VERSION } from "./sdk-version.js";

// GET /api/v1/deployments/current and GET /api/v1/deployments: what the official client's deployments.* call.
describe("an environment's deployments, as the reference lists them", () => {
  let api: TestApi;
  let key: string;
  const versions: string[] = [];

  beforeAll(async () => {
    api = await startTestApi();
    key = api.seed.environments.staging.apiKey;
    const artifact = testArtifact();
    await call(api.url, "PUT", `/api/v1/artifacts/${artifact.hash}`, { token: key, raw: artifact.body, headers: { "content-type": "application/json" } });
    for (let i = 0; i < 3; i++) {
      const created = await call(api.url, "POST", "/api/v1/deployments", { token: key, body: { sdkVersion: PLATFORM_SDK_VERSION } });
      versions.push(created.body.version);
      // the last one stays BUILDING: the current deployment is the newest DEPLOYED one
      if (i < 2) {
        const fin = await call(api.url, "POST", `/api/v1/deployments/${created.body.id}/finalize`, { token: key, body: { artifactHash: artifact.hash, manifest: testManifest() } });
        expect(fin.status).toBe(200);
      }
    }
  });
  afterAll(async () => {
    await api?.close();
  });

  it("current is the promoted deployment, in the reference's shape", async () => {
    const current = await call(api.url, "GET", "/api/v1/deployments/current", { token: key });
    expect(current.status).toBe(200);
    expect(current.body).toMatchObject({ version: versions[1], status: "DEPLOYED", runtime: "node", runtimeVersion: null, shortCode: expect.any(String) });
    expect(new Date(current.body.deployedAt).getTime()).not.toBeNaN();
  });

  it("current is 404 with the fix for an environment that never deployed", async () => {
    const none = await call(api.url, "GET", "/api/v1/deployments/current", { token: api.seed.environments.prod.apiKey });
    expect(none.status).toBe(404);
    expect(none.body.error).toMatch(/gantry deploy/);
  });

  it("lists newest first, pages with page[after], and filters by status", async () => {
    const first = await call(api.url, "GET", "/api/v1/deployments?page[size]=2", { token: key });
    expect(first.body.data.map((d: { version: string }) => d.version)).toEqual([versions[2], versions[1]]);
    expect(first.body.pagination.next).toEqual(expect.any(String));
    const second = await call(api.url, "GET", `/api/v1/deployments?page[size]=2&page[after]=${first.body.pagination.next}`, { token: key });
    expect(second.body.data.map((d: { version: string }) => d.version)).toEqual([versions[0]]);
    expect(second.body.pagination.next).toBeUndefined();
    const building = await call(api.url, "GET", "/api/v1/deployments?status=BUILDING", { token: key });
    expect(building.body.data.map((d: { version: string }) => d.version)).toEqual([versions[2]]);
    const other = await call(api.url, "GET", "/api/v1/deployments", { token: api.seed.environments.prod.apiKey });
    expect(other.body.data).toEqual([]);
  });

  it("400 naming the parameter for a bad status or page size", async () => {
    const bad = await call(api.url, "GET", "/api/v1/deployments?status=DONE", { token: key });
    expect(bad.status).toBe(400);
    expect(bad.body.param).toBe("status");
    expect((await call(api.url, "GET", "/api/v1/deployments?page[size]=0", { token: key })).body.param).toBe("page[size]");
  });
});
