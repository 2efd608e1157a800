import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../app.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "../testing/fixtures.js";
import { startTestApi, type TestApi } from "../testing/harness.js";

describe("http edge", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it("GET /healthz reports Postgres and Redis", async () => {
    const res = await call(api.url, "GET", "/healthz");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, checks: { postgres: "ok", redis: "ok" } });
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  it("unknown routes, malformed JSON and oversized bodies get {error, code} with the right status", async () => {
    const missing = await call(api.url, "GET", "/api/v1/nope");
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("not_found");

    const malformed = await call(api.url, "POST", "/api/v1/deployments", {
      token: api.seed.accessToken,
      raw: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatch(/Malformed JSON/);

    const huge = await call(api.url, "POST", "/api/v1/deployments", {
      token: api.seed.accessToken,
      raw: JSON.stringify({ sdkVersion: "x".repeat(17 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe("payload_too_large");
  });

  it("a body of several MB (a 3 MB payload) is not blocked by a global limit", async () => {
    const res = await call(api.url, "POST", "/api/v1/deployments", {
      token: api.seed.accessToken,
      body: { sdkVersion: "x".repeat(4 * 1024 * 1024) },
    });
    // reaches the route: refused for the SDK version, not for size
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("version_mismatch");
  });

  it("serves built tarballs, with the stable alias naming the newest, and says how to build them if missing", async () => {
    const dir = api.deps.config.GANTRY_PACKAGES_DIR;
    const before = await call(api.url, "GET", "/packages/gantry-sdk.tgz");
    expect(before.status).toBe(404);
    expect(before.body.error).toContain("npm start");
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/gantry-sdk-0.1.0.tgz`, "old");
    writeFileSync(`${dir}/gantry-sdk-0.10.0.tgz`, "newest");
    writeFileSync(`${dir}/gantry-sdk-0.9.1.tgz`, "middle");
    const alias = await fetch(`${api.url}/packages/gantry-sdk.tgz`);
    expect(alias.status).toBe(200);
    expect(await alias.text()).toBe("newest");
    expect(await (await fetch(`${api.url}/packages/gantry-sdk-0.1.0.tgz`)).text()).toBe("old");
    expect((await fetch(`${api.url}/packages/..%2Fsecrets.tgz`)).status).toBe(404);
  });

  it("serves the dashboard's files and pages without shadowing API 404s", async () => {
    const webDir = mkdtempSync(join(tmpdir(), "gantry-web-"));
    const app = createApp({ ...api.deps, config: { ...api.deps.config, GANTRY_WEB_DIR: webDir } });
    const unbuilt = await app.request("/projects/x/runs");
    expect(unbuilt.status).toBe(404);
    expect(await unbuilt.text()).toContain("npm start");
    writeFileSync(join(webDir, "index.html"), "<html>dash</html>");
    writeFileSync(join(webDir, "app.js"), "console.log(1)");
    const page = await app.request("/projects/x/runs/run_1");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("dash");
    const js = await app.request("/app.js");
    expect(js.headers.get("content-type")).toContain("javascript");
    expect((await app.request("/../../etc/passwd.txt")).status).toBe(404);
    const apiMissing = await app.request("/api/v1/nope");
    expect(apiMissing.status).toBe(404);
    expect(await apiMissing.json()).toMatchObject({ code: "not_found" });
  });
});
