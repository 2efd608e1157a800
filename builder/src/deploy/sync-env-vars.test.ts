import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../../../api/src/testing/harness.js";
import { runCli } from "../cli/run.js";
import { CliError } from "../errors.js";
import { deploy, type DeployProgress } from "./deploy.js";

// `syncEnvVars` hooks and `gantry deploy --env-file`: variables upserted into the target environment through the
// api's env var service before the deployment becomes current; names printed, never values.
const BUILDER = fileURLToPath(new URL("../../", import.meta.url));
const BASIC = join(BUILDER, "test/fixtures/basic");

let api: TestApi;
const cleanup: string[] = [];
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

/** The basic fixture with `extensions` in its config (inside builder/ so it resolves the workspace packages). */
function project(extensions: string): string {
  const dir = mkdtempSync(join(BUILDER, "test/.tmp-sync-"));
  cleanup.push(dir);
  cpSync(BASIC, dir, { recursive: true, filter: (src) => !src.includes(".gantry") });
  writeFileSync(
    join(dir, "gantry.config.ts"),
    `import { defineConfig } from "@gantry/sdk";
import { syncEnvVars } from "@gantry/builder/extensions";
export default defineConfig({ project: "proj_builderfixture", dirs: ["src/trigger"], build: { extensions: [${extensions}] } });
`,
  );
  return dir;
}

async function envVars(env: string, branch?: string): Promise<Record<string, string>> {
  const res = await fetch(`${api.url}/api/v1/projects/${api.seed.projectRef}/envvars/${env}`, {
    headers: { authorization: `Bearer ${api.seed.accessToken}`, ...(branch ? { "x-trigger-branch": branch } : {}) },
  });
  expect(res.status).toBe(200);
  return Object.fromEntries(((await res.json()) as Array<{ name: string; value: string }>).map((v) => [v.name, v.value]));
}

async function current(env: string): Promise<string | undefined> {
  const res = await fetch(`${api.url}/api/v1/projects/${api.seed.projectRef}/deployments?env=${env}`, { headers: { authorization: `Bearer ${api.seed.accessToken}` } });
  return ((await res.json()) as { data: Array<{ version: string; isCurrent: boolean }> }).data.find((d) => d.isCurrent)?.version;
}

describe("syncEnvVars", () => {
  it("upserts the hook's variables and the file's into the environment before it goes live, printing names only", async () => {
    const dir = project(`syncEnvVars(async (ctx) => [
      { name: "FROM_HOOK", value: ctx.env.VAULT_TOKEN + "@" + ctx.environment + "/" + ctx.projectRef },
      { name: "SHARED", value: "hook wins" },
    ])`);
    const events: DeployProgress[] = [];
    const result = await deploy({
      cwd: dir,
      projectRef: api.seed.projectRef,
      apiUrl: api.url,
      accessToken: api.seed.accessToken,
      env: "staging",
      indexEnv: { ...process.env, VAULT_TOKEN: "vt-1" },
      syncVars: { FROM_FILE: "file-value", SHARED: "file" },
      onProgress: (e) => events.push(e),
    });
    expect(result.status).toBe("DEPLOYED");
    expect(await envVars("staging")).toMatchObject({ FROM_FILE: "file-value", FROM_HOOK: `vt-1@staging/${api.seed.projectRef}`, SHARED: "hook wins" });
    const synced = events.find((e) => e.step === "syncing")!;
    expect(synced.message).toMatch(/^Synced 3 environment variables to staging from --env-file, syncEnvVars \(extension "syncEnvVars"\): /);
    expect(synced.message).toContain("FROM_HOOK");
    expect(synced.message).not.toContain("vt-1");
    expect(synced.message).not.toContain("file-value");
    // synced before the new version went live
    expect(events.map((e) => e.step).indexOf("syncing")).toBeLessThan(events.map((e) => e.step).indexOf("deploying"));

    // override: false leaves a value someone set alone, adds the missing ones
    const keep = project(`syncEnvVars(() => ({ SHARED: "ignored", ONLY_NEW: "n" }), { override: false })`);
    await deploy({ cwd: keep, projectRef: api.seed.projectRef, apiUrl: api.url, accessToken: api.seed.accessToken, env: "staging" });
    expect(await envVars("staging")).toMatchObject({ SHARED: "hook wins", ONLY_NEW: "n" });
  });

  it("preview deploys sync to the branch; isParentEnv goes to the preview environment all branches share", async () => {
    const dir = project(`syncEnvVars((ctx) => [{ name: "BRANCH_VAR", value: String(ctx.branch) }, { name: "PARENT_VAR", value: "p", isParentEnv: true }])`);
    await deploy({ cwd: dir, projectRef: api.seed.projectRef, apiUrl: api.url, accessToken: api.seed.accessToken, env: "preview", branch: "feat-sync" });
    // the branch has its own and inherits the parent's
    expect(await envVars("preview", "feat-sync")).toMatchObject({ BRANCH_VAR: "feat-sync", PARENT_VAR: "p" });
    const parent = await envVars("preview");
    expect(parent.PARENT_VAR).toBe("p");
    expect(parent.BRANCH_VAR).toBeUndefined();
  });

  it("a hook that throws or returns a bad shape fails the deploy clearly: nothing synced, the old version stays current", async () => {
    const before = await current("prod");
    const throws = project(`syncEnvVars(async () => { throw new Error("vault sealed"); })`);
    const error = await deploy({ cwd: throws, projectRef: api.seed.projectRef, apiUrl: api.url, accessToken: api.seed.accessToken, env: "prod", syncVars: { NEVER: "x" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).code).toBe("sync_env_vars_failed");
    expect((error as Error).message).toContain("vault sealed");
    expect((await envVars("prod")).NEVER).toBeUndefined();
    expect(await current("prod")).toBe(before);
    // dev deploys (what `gantry dev` does on every change) never call the hooks, as the reference
    const dev = await deploy({ cwd: throws, projectRef: api.seed.projectRef, apiUrl: api.url, accessToken: api.seed.accessToken, env: "dev" });
    expect(dev.status).toBe("DEPLOYED");

    const bad = project(`syncEnvVars(() => ({ PORT: 8080 }) as never)`);
    const invalid = await deploy({ cwd: bad, projectRef: api.seed.projectRef, apiUrl: api.url, accessToken: api.seed.accessToken, env: "prod" }).catch((e: unknown) => e);
    expect((invalid as CliError).code).toBe("sync_env_vars_invalid");
    expect((invalid as Error).message).toContain("PORT: a number, not a string");
    expect(await current("prod")).toBe(before);
  });

  it("`gantry deploy --env-file` syncs the file and prints the names", async () => {
    const dir = project("");
    writeFileSync(join(dir, ".env.deploy"), "API_BASE=https://example.test\nexport FEATURE_FLAG='on'\n# comment\n");
    let stdout = "";
    let stderr = "";
    const sink = (append: (s: string) => void) => new Writable({ write: (chunk, _enc, cb) => (append(String(chunk)), cb()) });
    const home = mkdtempSync(join(tmpdir(), "gantry-cli-home-"));
    cleanup.push(home);
    const code = await runCli(["deploy", "--env", "staging", "--env-file", ".env.deploy", "-p", api.seed.projectRef], {
      env: { XDG_CONFIG_HOME: home, GANTRY_API_URL: api.url, GANTRY_ACCESS_TOKEN: api.seed.accessToken },
      cwd: dir,
      stdout: sink((s) => (stdout += s)),
      stderr: sink((s) => (stderr += s)),
    });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("Synced 2 environment variables to staging from --env-file: API_BASE, FEATURE_FLAG");
    expect(stdout).not.toContain("example.test");
    expect(await envVars("staging")).toMatchObject({ API_BASE: "https://example.test", FEATURE_FLAG: "on" });

    const missing = await runCli(["deploy", "--env-file", "nope.env", "-p", api.seed.projectRef], {
      env: { XDG_CONFIG_HOME: home, GANTRY_API_URL: api.url, GANTRY_ACCESS_TOKEN: api.seed.accessToken },
      cwd: dir,
      stdout: sink(() => {}),
      stderr: sink((s) => (stderr += s)),
    });
    expect(missing).toBe(1);
    expect(stderr).toContain("nope.env does not exist");

    // a line that is not NAME=value stops the deploy before anything is created or synced, naming the line
    writeFileSync(join(dir, ".env.bad"), "GOOD=1\nthis is not a variable\n");
    const bad = await runCli(["deploy", "--env", "staging", "--env-file", ".env.bad", "-p", api.seed.projectRef], {
      env: { XDG_CONFIG_HOME: home, GANTRY_API_URL: api.url, GANTRY_ACCESS_TOKEN: api.seed.accessToken },
      cwd: dir,
      stdout: sink(() => {}),
      stderr: sink((s) => (stderr += s)),
    });
    expect(bad).toBe(1);
    expect(stderr).toContain(".env.bad:2 is not NAME=value");
    expect((await envVars("staging")).GOOD).toBeUndefined();
  });
});
