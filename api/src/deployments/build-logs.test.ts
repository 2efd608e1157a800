import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppendDeploymentLogsResponse, DEPLOYMENT_LOG_APPEND_MAX } from "@gantry/sdk/contracts";
import { connectRepository } from "../github/connect.js";
import { handlePush } from "../github/events.js";
import { recordInstallation } from "../github/installations.js";
import { reportBuildStatus } from "../github/builds.js";
import { seedDemo } from "../seed/seed-demo.js";
import { call } from "../testing/fixtures.js";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { createPersonalAccessToken, createUser } from "../tokens/service.js";
import { BUILD_LOG_MAX_CHARS } from "./build-logs.js";
import { DROPPED_MARKER } from "./queries/append-build-logs.js";
import { PLATFORM_SDK_VERSION } from "./sdk-version.js";

describe("deployment build logs", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  const create = async (token: string, body: Record<string, unknown> = {}) => {
    const res = await call(api.url, "POST", "/api/v1/deployments", { token, body: { sdkVersion: PLATFORM_SDK_VERSION, ...body } });
    expect(res.status).toBe(201);
    return res.body as { id: string; version: string };
  };
  const append = (token: string, id: string, body: unknown) => call(api.url, "POST", `/api/v1/deployments/${id}/logs`, { token, body });
  const storedLog = async (id: string) => (await api.deps.sql<{ build_logs: string }[]>`select build_logs from deployments where id = ${id}`)[0]!.build_logs;
  /** What the dashboard's Deployments page shows (a project member's view). */
  const dashboardLog = async (id: string, offset = 0) => {
    const res = await call(api.url, "GET", `/api/v1/dashboard/projects/${api.seed.projectRef}/deployments/${id}/logs?offset=${offset}`, { token: api.seed.accessToken });
    expect(res.status).toBe(200);
    return res.body as { source: string; logs: string; nextOffset: number; final: boolean };
  };

  it("appends batches in order with a secret key or a member's token; the dashboard follows it from an offset", async () => {
    const key = api.seed.environments.prod.apiKey;
    const d = await create(key);
    const first = await append(key, d.id, { logs: "Bundling 2 task files\nIndexing tasks\n" });
    expect(first.status).toBe(200);
    expect(AppendDeploymentLogsResponse.parse(first.body)).toEqual({ size: 37, truncated: false });
    const viewed = await dashboardLog(d.id);
    expect(viewed).toMatchObject({ source: "deploy", logs: "Bundling 2 task files\nIndexing tasks\n", nextOffset: 37, final: false });

    expect((await append(api.seed.accessToken, d.id, { logs: "Indexed 2 tasks\n" })).status).toBe(200);
    expect(await dashboardLog(d.id, viewed.nextOffset)).toMatchObject({ logs: "Indexed 2 tasks\n", final: false });
    expect(await storedLog(d.id)).toBe("Bundling 2 task files\nIndexing tasks\nIndexed 2 tasks\n");
  });

  it("answers 400 for bad input and changes nothing", async () => {
    const key = api.seed.environments.prod.apiKey;
    const d = await create(key);
    expect((await append(key, d.id, { logs: "kept\n" })).status).toBe(200);
    for (const body of [{}, { logs: "" }, { logs: 42 }, { logs: ["a"] }, { logs: "x".repeat(DEPLOYMENT_LOG_APPEND_MAX + 1) }]) {
      const res = await append(key, d.id, body);
      expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(400);
      expect(res.body).toMatchObject({ code: "invalid_body", param: "logs" });
    }
    const malformed = await call(api.url, "POST", `/api/v1/deployments/${d.id}/logs`, { token: key, raw: "{logs:", headers: { "content-type": "application/json" } });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ code: "invalid_body" });
    expect(await storedLog(d.id)).toBe("kept\n");
  });

  it("answers 404 for another project's (or environment's) deployment, 401 without a token", async () => {
    const d = await create(api.seed.environments.prod.apiKey);
    const other = await seedDemo(api.deps, { projectRef: "proj_otherlogs" });
    const outsider = await createUser(api.deps, { email: "log-outsider@example.com" });
    const outsiderToken = (await createPersonalAccessToken(api.deps, outsider.id, "cli")).token;
    for (const token of [other.environments.prod.apiKey, outsiderToken, api.seed.environments.staging.apiKey]) {
      const res = await append(token, d.id, { logs: "not mine\n" });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ code: "not_found", param: "id" });
    }
    expect((await append(api.seed.environments.prod.apiKey, "deployment_nope", { logs: "x\n" })).status).toBe(404);
    expect((await call(api.url, "POST", `/api/v1/deployments/${d.id}/logs`, { body: { logs: "x\n" } })).status).toBe(401);
    expect(await storedLog(d.id)).toBe("");
  });

  it("keeps the last 1 MB, dropping the oldest whole lines behind a marker", async () => {
    const key = api.seed.environments.prod.apiKey;
    const d = await create(key);
    const line = (i: number) => `line ${String(i).padStart(6, "0")} ${"x".repeat(88)}\n`; // 100 chars
    const batch = (from: number) => Array.from({ length: 2000 }, (_, i) => line(from + i)).join(""); // 200,000 chars
    let last: { size: number; truncated: boolean } | undefined;
    for (let b = 0; b < 6; b++) {
      const res = await append(key, d.id, { logs: batch(b * 2000) });
      expect(res.status).toBe(200);
      last = res.body;
    }
    expect(last?.truncated).toBe(true);
    const log = await storedLog(d.id);
    expect(log.length).toBe(last?.size);
    expect(log.length).toBeLessThanOrEqual(BUILD_LOG_MAX_CHARS);
    expect(log.length).toBeGreaterThan(BUILD_LOG_MAX_CHARS - 200);
    expect(log.startsWith(DROPPED_MARKER)).toBe(true);
    // whole lines after the marker, the newest one last
    expect(log.slice(DROPPED_MARKER.length)).toMatch(/^line \d{6} x{88}\n/);
    expect(log.endsWith(line(11_999))).toBe(true);
    expect(log).not.toContain(line(0));
  });

  it("shows a GitHub-App deployment's GitHub build log, while it builds and after, never its own column", async () => {
    const repo = { id: 7001, fullName: "acme/log-tasks", defaultBranch: "main" };
    await recordInstallation(api.deps, { installationId: 71, account: { login: "acme", id: 7 }, repositories: [repo] });
    await connectRepository(api.deps, api.seed.userId, { projectRef: api.seed.projectRef, repository: repo.fullName });
    const sha = "d".repeat(40);
    const push = (deliveryId: string) =>
      handlePush(api.deps, {
        deliveryId, installationId: 71, repository: repo, ref: "refs/heads/main", before: "0".repeat(40), after: sha,
        deleted: false, headCommit: { message: "Ship it" }, sender: { login: "dev", id: 1 },
      });
    const build = (await push("logs-1")).builds[0]!;
    await reportBuildStatus(api.deps, build.id, { status: "BUILDING", logs: "$ npm ci\nadded 3 packages\n" });

    // the build worker's deploy creates the deployment with the environment's key; the build names it only once DEPLOYED
    const d = await create(api.seed.environments.prod.apiKey, { source: "github", git: { commitSha: sha } });
    // a CLI deploy of the same commit keeps its own log
    const cli = await create(api.seed.environments.prod.apiKey, { source: "cli", git: { commitSha: sha } });
    expect((await append(api.seed.environments.prod.apiKey, cli.id, { logs: "Bundling 1 task file\n" })).status).toBe(200);

    const building = await dashboardLog(d.id);
    expect(building).toMatchObject({ source: "github", logs: "$ npm ci\nadded 3 packages\n", final: false });
    await reportBuildStatus(api.deps, build.id, { status: "DEPLOYED", deploymentId: d.id, version: d.version, logs: `Deployed version ${d.version}\n` });
    const tail = await dashboardLog(d.id, building.nextOffset);
    expect(tail).toMatchObject({ source: "github", logs: `Deployed version ${d.version}\n`, final: true });
    expect(await dashboardLog(cli.id)).toMatchObject({ source: "deploy", logs: "Bundling 1 task file\n" });

    // a rebuild of the same commit that fails before it names its deployment shows its own build's log, not the first one's
    const rebuild = (await push("logs-2")).builds[0]!;
    await reportBuildStatus(api.deps, rebuild.id, { status: "BUILDING", logs: "$ npm ci\n" });
    const failed = await create(api.seed.environments.prod.apiKey, { source: "github", git: { commitSha: sha } });
    await reportBuildStatus(api.deps, rebuild.id, { status: "FAILED", error: { message: "broken" }, logs: "error: broken\n" });
    expect(await dashboardLog(failed.id)).toMatchObject({ source: "github", logs: "$ npm ci\nerror: broken\n" });
  });
});
