import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "../testing/fixtures.js";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { resolveEnvVars } from "./service.js";

const exec = promisify(execFile);

describe("env vars: secrets, .env import, isolation", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api?.close();
  });
  const base = () => `/api/v1/projects/${api.seed.projectRef}/envvars`;
  const prodKey = () => api.seed.environments.prod.apiKey;

  it("never returns a secret's value once stored, and an update cannot unmark it; attempts still get it", async () => {
    const body = { name: "STRIPE_KEY", value: "sk_live_plaintext_4242", isSecret: true };
    expect((await call(api.url, "POST", `${base()}/prod`, { token: prodKey(), body })).status).toBe(200);
    const list = await call(api.url, "GET", `${base()}/prod`, { token: prodKey() });
    expect(list.body).toContainEqual({ name: "STRIPE_KEY", value: "", isSecret: true });
    expect(JSON.stringify(list.body)).not.toContain("sk_live_plaintext_4242");
    expect((await call(api.url, "GET", `${base()}/prod/STRIPE_KEY`, { token: api.seed.accessToken })).body).toEqual({ name: "STRIPE_KEY", value: "", isSecret: true });

    await call(api.url, "POST", `${base()}/prod`, { token: prodKey(), body: { name: "STRIPE_KEY", value: "sk_live_rotated_1", isSecret: false } });
    expect((await call(api.url, "GET", `${base()}/prod/STRIPE_KEY`, { token: prodKey() })).body).toEqual({ name: "STRIPE_KEY", value: "", isSecret: true });
    expect((await resolveEnvVars(api.deps, api.seed.environments.prod.id)).STRIPE_KEY).toBe("sk_live_rotated_1");
  });

  it("imports a .env file, and a bad line is a 400 naming it", async () => {
    const dotenv = ["# comment", "export A=1", 'B="two words\\nnext"', "C='single # not a comment'", "D=plain # trailing comment", ""].join("\n");
    const ok = await call(api.url, "POST", `${base()}/staging/import`, {
      token: api.seed.environments.staging.apiKey,
      raw: dotenv,
      headers: { "content-type": "text/plain" },
    });
    expect(ok.status).toBe(200);
    expect(await resolveEnvVars(api.deps, api.seed.environments.staging.id)).toMatchObject({ A: "1", B: "two words\nnext", C: "single # not a comment", D: "plain" });

    const bad = await call(api.url, "POST", `${base()}/staging/import`, {
      token: api.seed.environments.staging.apiKey,
      body: { variables: "OK=1\n\nthis is not a variable\n" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/line 3/);
    expect(bad.body.error).toContain("this is not a variable");
    expect(bad.body.param).toBe("variables");
    // nothing half-written
    expect((await resolveEnvVars(api.deps, api.seed.environments.staging.id)).OK).toBeUndefined();
  });

  it("a dev key cannot read or change prod variables", async () => {
    const dev = api.seed.environments.dev.apiKey;
    const read = await call(api.url, "GET", `${base()}/prod`, { token: dev });
    expect(read.status).toBe(403);
    expect(JSON.stringify(read.body)).not.toContain("STRIPE_KEY");
    expect((await call(api.url, "GET", `${base()}/prod/STRIPE_KEY`, { token: dev })).status).toBe(403);
    expect((await call(api.url, "POST", `${base()}/prod`, { token: dev, body: { name: "X", value: "1" } })).status).toBe(403);
  });

  it("a database dump holds no plaintext secret value or secret key", async () => {
    await call(api.url, "POST", `${base()}/prod`, { token: prodKey(), body: { name: "DB_PASSWORD", value: "hunter2-plaintext-canary", isSecret: true } });
    const { stdout } = await exec("pg_dump", ["--data-only", api.deps.config.DATABASE_URL], { maxBuffer: 64 * 1024 * 1024 });
    expect(stdout).toContain("env_vars"); // the dump is real
    expect(stdout).not.toContain("hunter2-plaintext-canary");
    expect(stdout).not.toContain("sk_live_rotated_1");
    expect(stdout).not.toContain(prodKey());
  });
});
