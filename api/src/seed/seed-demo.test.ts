import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { call } from "../testing/fixtures.js";
import { seedDemo } from "./seed-demo.js";

describe("seedDemo", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it("running it again returns the same project, keys and tokens and creates nothing new", async () => {
    const again = await seedDemo(api.deps);
    expect(again).toEqual(api.seed);
    const [counts] = await api.deps.sql`
      select (select count(*)::int from projects) as projects, (select count(*)::int from environments) as envs,
        (select count(*)::int from api_keys) as keys, (select count(*)::int from personal_access_tokens) as pats,
        (select count(*)::int from runner_tokens) as runners`;
    expect(counts).toEqual({ projects: 1, envs: 4, keys: 4, pats: 1, runners: 1 });
  });

  it("gives every environment a working key of the right kind and a usable access token", async () => {
    const { seed } = api;
    expect(seed.projectRef).toBe("proj_gantrydemo");
    expect(seed.environments.dev.apiKey).toMatch(/^tr_dev_[A-Za-z0-9]{24}$/);
    expect(seed.environments.staging.apiKey).toMatch(/^tr_stg_/);
    expect(seed.environments.prod.apiKey).toMatch(/^tr_prod_/);
    expect(seed.environments.preview.apiKey).toMatch(/^tr_preview_/);
    expect(seed.runnerToken).toMatch(/^gr_runner_/);
    const claims = await call(api.url, "POST", "/api/v1/auth/jwt/claims", { token: seed.environments.prod.apiKey });
    expect(claims.body).toEqual({ sub: seed.environments.prod.id, pub: true });
    const project = await call(api.url, "GET", `/api/v1/projects/${seed.projectRef}`, { token: seed.accessToken });
    expect(project.status).toBe(200);
    expect(project.body.environments.map((e: { slug: string }) => e.slug).sort()).toEqual(["dev", "preview", "prod", "staging"]);
  });

  it("stores secret keys encrypted, never in clear", async () => {
    const rows = await api.deps.sql<{ key_encrypted: string }[]>`select key_encrypted from api_keys`;
    for (const row of rows) expect(row.key_encrypted).not.toContain("tr_");
  });
});
