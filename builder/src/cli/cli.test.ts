import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../../../api/src/testing/harness.js";
import { runCli } from "./run.js";

let api: TestApi;
let home: string;
const cleanup: string[] = [];
beforeAll(async () => {
  api = await startTestApi();
  home = tmp("gantry-home-");
});
afterAll(async () => {
  await api?.close();
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

function tmp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanup.push(dir);
  return dir;
}

async function cli(argv: string[], opts: { env?: Record<string, string>; cwd?: string; answers?: string[] } = {}) {
  let stdout = "";
  let stderr = "";
  const sink = (append: (s: string) => void) => new Writable({ write: (chunk, _enc, cb) => (append(String(chunk)), cb()) });
  const answers = [...(opts.answers ?? [])];
  const code = await runCli(argv, {
    env: { XDG_CONFIG_HOME: home, ...opts.env },
    cwd: opts.cwd ?? home,
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    prompt: opts.answers ? async () => answers.shift() ?? "" : undefined,
  });
  return { code, stdout, stderr };
}

const profilesFile = () => join(home, "gantry", "config.json");

describe("gantry login / whoami / profiles", () => {
  it("says to log in when there are no credentials", async () => {
    const result = await cli(["whoami"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("gantry login");
  });

  it("a wrong token is rejected and nothing is stored", async () => {
    const result = await cli(["login", "--api-url", api.url, "--token", "tr_pat_wrong"]);
    expect(result.code).toBe(1);
    expect(existsSync(profilesFile())).toBe(false);
  });

  it("non-interactive login stores the profile (mode 0600) and whoami shows the user and api URL", async () => {
    const login = await cli(["login", "--api-url", api.url, "--token", api.seed.accessToken]);
    expect(login).toMatchObject({ code: 0, stderr: "" });
    expect(login.stdout).toContain(api.seed.email);
    expect(statSync(profilesFile()).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(profilesFile(), "utf8"));
    expect(file).toMatchObject({ currentProfile: "default", profiles: { default: { apiUrl: api.url, accessToken: api.seed.accessToken } } });

    const me = await cli(["whoami"]);
    expect(me.code).toBe(0);
    expect(me.stdout).toContain(api.seed.email);
    expect(me.stdout).toContain(api.url);

    const withProject = await cli(["whoami", "-p", api.seed.projectRef]);
    expect(withProject.stdout).toContain(`(${api.seed.projectRef})`);
    expect(withProject.stdout).toMatch(/prod\s+current version none/);
  });

  it("interactive login asks for the URL and token; a new profile becomes the default; switch and logout", async () => {
    const login = await cli(["login", "--profile", "second"], { answers: [api.url, api.seed.accessToken] });
    expect(login.code).toBe(0);
    let listed = await cli(["list-profiles"]);
    expect(listed.stdout).toMatch(/\* second/);
    expect(listed.stdout).toMatch(/  default/);

    expect((await cli(["switch", "default"])).code).toBe(0);
    listed = await cli(["list-profiles"]);
    expect(listed.stdout).toMatch(/\* default/);
    const missing = await cli(["switch", "nope"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("gantry login --profile nope");

    expect((await cli(["logout", "--profile", "second"])).code).toBe(0);
    expect((await cli(["list-profiles"])).stdout).not.toContain("second");
  });

  it("GANTRY_ACCESS_TOKEN and GANTRY_API_URL override the profile", async () => {
    const result = await cli(["whoami"], { env: { GANTRY_ACCESS_TOKEN: "tr_pat_bogus", GANTRY_API_URL: api.url } });
    expect(result.code).toBe(1);
    expect(result.stderr).not.toBe("");
  });
});

describe("gantry projects / tokens / init / update", () => {
  it("creates a project and a token that works for login", async () => {
    const project = await cli(["projects", "create", "Billing jobs"]);
    expect(project.code).toBe(0);
    const ref = /\((proj_[a-z0-9]+)\)/.exec(project.stdout)?.[1];
    expect(ref).toBeDefined();
    expect(project.stdout).toMatch(/prod\s+tr_prod_/);

    const token = await cli(["tokens", "create", "ci"]);
    expect(token.code).toBe(0);
    const pat = token.stdout.trim();
    expect(pat).toMatch(/^tr_pat_/);
    const me = await cli(["whoami"], { env: { GANTRY_ACCESS_TOKEN: pat, GANTRY_API_URL: api.url } });
    expect(me.code).toBe(0);
  });

  it("init writes the config, an example task and the SDK tarball dependency; update rewrites it", async () => {
    const dir = tmp("gantry-init-");
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "app", dependencies: { zod: "^4" } }));
    const init = await cli(["init", "-p", "proj_abc123", "--api-url", api.url], { cwd: dir });
    expect(init).toMatchObject({ code: 0, stderr: "" });
    expect(readFileSync(join(dir, "gantry.config.ts"), "utf8")).toContain('project: "proj_abc123"');
    expect(readFileSync(join(dir, "src/trigger/example.ts"), "utf8")).toContain("task(");
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    expect(pkg.dependencies).toEqual({ zod: "^4", "@gantry/sdk": `${api.url}/packages/gantry-sdk.tgz` });
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toContain(".gantry/");

    const again = await cli(["init", "-p", "proj_abc123", "--api-url", api.url], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("--override-config");

    const update = await cli(["update", "--api-url", "http://gantry.example.com"], { cwd: dir });
    expect(update.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).dependencies["@gantry/sdk"]).toBe("http://gantry.example.com/packages/gantry-sdk.tgz");
  });

  it("unknown commands and bad flags exit 1 naming the fix", async () => {
    expect((await cli(["deploi"])).stderr).toContain("gantry --help");
    const badEnv = await cli(["deploy", "--env", "production"]);
    expect(badEnv.code).toBe(1);
    expect(badEnv.stderr).toContain("dev, staging, prod, preview");
  });
});

describe("gantry preview archive / github connect", () => {
  it("archives a deployed preview branch: triggering it is refused afterwards", async () => {
    const pat = api.seed.accessToken;
    const ref = api.seed.projectRef;
    const { call, testArtifact, testManifest } = await import("../../../api/src/testing/fixtures.js");
    const created = await call(api.url, "POST", "/api/v1/deployments", {
      token: pat,
      body: { projectRef: ref, environment: "preview", branch: "feature-x", sdkVersion: "0.1.0" },
    });
    expect(created.status, JSON.stringify(created.body)).toBeLessThan(300);
    const artifact = testArtifact(testManifest());
    expect((await call(api.url, "PUT", `/api/v1/artifacts/${artifact.hash}`, { token: pat, raw: artifact.body })).status).toBeLessThan(300);
    const finalized = await call(api.url, "POST", `/api/v1/deployments/${created.body.id}/finalize`, {
      token: pat,
      body: { artifactHash: artifact.hash, manifest: testManifest() },
    });
    expect(finalized.status, JSON.stringify(finalized.body)).toBe(200);

    const env = { GANTRY_ACCESS_TOKEN: pat, GANTRY_API_URL: api.url };
    const archived = await cli(["preview", "archive", "--branch", "feature-x", "--project-ref", ref], { env });
    expect(archived.stderr).toBe("");
    expect(archived.code).toBe(0);
    expect(archived.stdout).toMatch(/Archived preview branch feature-x/);

    const trigger = await call(api.url, "POST", "/api/v1/tasks/hello-world/trigger", {
      token: api.seed.environments.preview.apiKey,
      headers: { "x-trigger-branch": "feature-x" },
      body: { payload: {} },
    });
    expect(trigger.status).toBe(403);

    const unknown = await cli(["preview", "archive", "--branch", "no-such-branch", "--project-ref", ref], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no-such-branch/);
  });

  it("github connect explains what is missing when the App is not installed on the repo", async () => {
    const env = { GANTRY_ACCESS_TOKEN: api.seed.accessToken, GANTRY_API_URL: api.url };
    const result = await cli(["github", "connect", "acme/not-installed", "--project-ref", api.seed.projectRef], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/acme\/not-installed/);
    const usage = await cli(["github", "connect", "not-a-repo"], { env });
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/Usage: `gantry github connect <owner\/repo>/);
  });
});
