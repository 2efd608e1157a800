import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../../../api/src/testing/harness.js";
import { runCli } from "../cli/run.js";
import { ApiRequestError, BuildError } from "../errors.js";
import { deploy, type DeployProgress } from "./deploy.js";

const BUILDER = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURES = join(BUILDER, "test/fixtures");
const today = () => new Date().toISOString().slice(0, 10).replace(/-/g, "");

let api: TestApi;
const cleanup: string[] = [];
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

async function deployments(env: string) {
  const res = await fetch(`${api.url}/api/v1/projects/${api.seed.projectRef}/deployments?env=${env}`, {
    headers: { authorization: `Bearer ${api.seed.accessToken}` },
  });
  return ((await res.json()) as { data: { version: string; status: string; isCurrent: boolean; error?: { file?: string; line?: number } | null }[] }).data;
}

function cli(argv: string[], env: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const sink = (append: (s: string) => void) => new Writable({ write: (chunk, _enc, cb) => (append(String(chunk)), cb()) });
  const config = mkdtempSync(join(tmpdir(), "gantry-cli-home-"));
  cleanup.push(config);
  const io = {
    env: { XDG_CONFIG_HOME: config, GANTRY_API_URL: api.url, GANTRY_ACCESS_TOKEN: api.seed.accessToken, ...env },
    cwd: join(FIXTURES, "basic"),
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
  };
  return runCli(argv, io).then((code) => ({ code, stdout, stderr }));
}

describe("deploy against the api", () => {
  it("creates, uploads and finalizes: the version is current and lists the indexed tasks", async () => {
    const events: DeployProgress[] = [];
    const result = await deploy({
      cwd: join(FIXTURES, "basic"),
      projectRef: api.seed.projectRef,
      apiUrl: api.url,
      accessToken: api.seed.accessToken,
      env: "prod",
      onProgress: (e) => events.push(e),
    });
    expect(result.version).toBe(`${today()}.1`);
    expect(result).toMatchObject({ status: "DEPLOYED", isCurrent: true, artifactHash: result.artifactHash });
    expect(result.tasks.map((t) => t.id).sort()).toEqual(["hello", "hidden-task"]);
    expect(events.map((e) => e.step)).toEqual(["config", "creating", "bundling", "indexing", "indexed", "uploading", "deploying", "deployed"]);
    expect(events.find((e) => e.step === "indexed")?.message).toBe("Indexed 2 tasks");
    expect(events.at(-1)?.message).toContain(`Deployed version ${result.version}`);

    // the runner can fetch exactly the uploaded artifact
    const artifact = await fetch(`${api.url}/api/runner/v1/artifacts/${result.artifactHash}`, { headers: { authorization: `Bearer ${api.seed.runnerToken}` } });
    expect(artifact.status).toBe(200);
  });

  it("`gantry deploy --skip-promotion` prints the version and writes deploymentVersion in GitHub Actions; `gantry promote` makes it current", async () => {
    const outputFile = join(mkdtempSync(join(tmpdir(), "gantry-gh-")), "output");
    cleanup.push(join(outputFile, ".."));
    writeFileSync(outputFile, "");
    const deployed = await cli(["deploy", "--env", "staging", "--skip-promotion", "-p", api.seed.projectRef], { GITHUB_ACTIONS: "true", GITHUB_OUTPUT: outputFile });
    expect(deployed.stderr).toBe("");
    expect(deployed.code).toBe(0);
    const version = /Deployed version (\d{8}\.\d+)/.exec(deployed.stdout)?.[1];
    expect(version).toBe(`${today()}.1`);
    expect(readFileSync(outputFile, "utf8")).toBe(`deploymentVersion=${version}\n`);
    expect((await deployments("staging")).find((d) => d.version === version)?.isCurrent).toBe(false);

    const promoted = await cli(["promote", version!, "--env", "staging", "-p", api.seed.projectRef]);
    expect(promoted).toMatchObject({ code: 0, stderr: "" });
    expect(promoted.stdout).toContain(`Promoted version ${version}`);
    expect((await deployments("staging")).find((d) => d.version === version)?.isCurrent).toBe(true);
  });

  it("records a build error with its file and line on a FAILED deployment, and the CLI prints it", async () => {
    const error = await deploy({ cwd: join(FIXTURES, "broken"), projectRef: api.seed.projectRef, apiUrl: api.url, accessToken: api.seed.accessToken, env: "prod" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildError);
    const failed = (await deployments("prod")).find((d) => d.status === "FAILED");
    expect(failed?.error).toMatchObject({ file: "src/trigger/broken.ts", line: 3 });

    const viaCli = await cli(["deploy", join(FIXTURES, "broken"), "-p", api.seed.projectRef], { GITHUB_ACTIONS: "true", GITHUB_WORKSPACE: BUILDER });
    expect(viaCli.code).toBe(1);
    expect(viaCli.stderr).toContain("src/trigger/broken.ts:3:");
    expect(viaCli.stdout).toContain("::error file=test/fixtures/broken/src/trigger/broken.ts,line=3,");
  });

  it("a project whose @gantry/sdk differs from the platform's fails with a message naming both versions", async () => {
    const dir = mkdtempSync(join(BUILDER, "test/.tmp-mismatch-"));
    cleanup.push(dir);
    cpSync(join(FIXTURES, "basic"), dir, { recursive: true, filter: (src) => !src.includes(".gantry") });
    const fakeSdk = join(dir, "node_modules/@gantry/sdk");
    mkdirSync(join(fakeSdk, "src"), { recursive: true });
    const realSdk = join(BUILDER, "../sdk/src");
    writeFileSync(join(fakeSdk, "package.json"), JSON.stringify({ name: "@gantry/sdk", version: "9.9.9", type: "module", exports: { ".": "./src/index.ts", "./worker": "./src/worker.ts" } }));
    writeFileSync(join(fakeSdk, "src/index.ts"), `export * from ${JSON.stringify(join(realSdk, "index.ts"))};`);
    writeFileSync(join(fakeSdk, "src/worker.ts"), `export * from ${JSON.stringify(join(realSdk, "worker/index.ts"))};`);

    const error = await deploy({ cwd: dir, projectRef: api.seed.projectRef, apiUrl: api.url, accessToken: api.seed.accessToken, env: "prod" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiRequestError);
    expect((error as ApiRequestError).code).toBe("version_mismatch");
    expect((error as Error).message).toContain("9.9.9");
    expect((error as Error).message).toContain("0.1.0");
  });

  it("deploys a preview branch named by --branch", async () => {
    const result = await deploy({ cwd: join(FIXTURES, "basic"), projectRef: api.seed.projectRef, apiUrl: api.url, accessToken: api.seed.accessToken, env: "preview", branch: "feature-x" });
    expect(result.environment).toMatchObject({ slug: "preview", branchName: "feature-x" });
    expect(result.status).toBe("DEPLOYED");
  });

  it("--dry-run builds and indexes without calling the api", async () => {
    const result = await deploy({ cwd: join(FIXTURES, "basic"), apiUrl: "http://127.0.0.1:9", accessToken: "", env: "prod", dryRun: true });
    expect(result.dryRun).toBe(true);
    expect(result.build.manifest.tasks).toHaveLength(2);
    expect(result.artifactHash).toMatch(/^[a-f0-9]{64}$/);
    rmSync(result.build.outDir, { recursive: true, force: true });
  });
});
