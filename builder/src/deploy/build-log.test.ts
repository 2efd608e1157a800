import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeploymentInfo } from "@gantry/sdk/contracts";
import { startTestApi, type TestApi } from "../../../api/src/testing/harness.js";
import { projectSdkVersion } from "../build/sdk-version.js";
import { runCli } from "../cli/run.js";
import { BuildError } from "../errors.js";
import { ApiClient } from "./api-client.js";
import { BuildLogStream } from "./build-log.js";
import { deploy } from "./deploy.js";

const FIXTURES = join(fileURLToPath(new URL("../../", import.meta.url)), "test/fixtures");

let api: TestApi;
const cleanup: string[] = [];
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

/** The deployment's log as the dashboard's Deployments page reads it. */
async function dashboardLog(id: string): Promise<{ source: string; logs: string; final: boolean }> {
  const res = await fetch(`${api.url}/api/v1/dashboard/projects/${api.seed.projectRef}/deployments/${id}/logs`, {
    headers: { authorization: `Bearer ${api.seed.accessToken}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { source: string; logs: string; final: boolean };
}

async function deploymentsOf(env: string): Promise<{ id: string; version: string; status: string }[]> {
  const res = await fetch(`${api.url}/api/v1/projects/${api.seed.projectRef}/deployments?env=${env}`, { headers: { authorization: `Bearer ${api.seed.accessToken}` } });
  return ((await res.json()) as { data: { id: string; version: string; status: string }[] }).data;
}

/** fetch that counts (and optionally answers) the build-log appends. */
function countingFetch(answer?: () => Promise<Response>) {
  const seen = { logRequests: 0, bodies: [] as string[] };
  const wrapped: typeof fetch = async (input, init) => {
    if (/\/api\/v1\/deployments\/[^/]+\/logs$/.test(String(input))) {
      seen.logRequests++;
      seen.bodies.push(String(init?.body));
      if (answer) return answer();
    }
    return fetch(input, init);
  };
  return { fetch: wrapped, seen };
}

function cli(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const sink = (append: (s: string) => void) => new Writable({ write: (chunk, _enc, cb) => (append(String(chunk)), cb()) });
  const home = mkdtempSync(join(tmpdir(), "gantry-cli-home-"));
  cleanup.push(home);
  const io = {
    env: { XDG_CONFIG_HOME: home, GANTRY_API_URL: api.url, GANTRY_ACCESS_TOKEN: api.seed.accessToken },
    cwd: join(FIXTURES, "basic"),
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
  };
  return runCli(argv, io).then((code) => ({ code, stdout, stderr }));
}

const base = () => ({ projectRef: api.seed.projectRef, apiUrl: api.url, accessToken: api.seed.accessToken });

describe("a deploy's build log", () => {
  it("holds every line the deploy reported, in order, once deploy() returns; appends are batched", async () => {
    const lines: string[] = [];
    const { fetch, seen } = countingFetch();
    const result = await deploy({
      ...base(),
      cwd: join(FIXTURES, "basic"),
      env: "prod",
      fetch,
      logger: { debug: () => {}, log: (m) => lines.push(m), warn: (m) => lines.push(`warning: ${m}`) },
      onProgress: (e) => lines.push(e.message),
    });
    expect(lines.some((l) => l.startsWith("Indexed 2 tasks"))).toBe(true);
    expect(lines.at(-1)).toContain(`Deployed version ${result.version}`);
    const log = await dashboardLog(result.id);
    expect(log).toMatchObject({ source: "deploy", final: true });
    expect(log.logs).toBe(lines.map((l) => `${l}\n`).join(""));
    expect(log.logs).toMatch(/^Project proj_\w+, config .*\nCreating a deployment in prod\nBundling \d+ task files?\nIndexing tasks\nIndexed 2 tasks\n/);
    expect(seen.logRequests).toBeGreaterThan(0);
    expect(seen.logRequests).toBeLessThan(lines.length);
  });

  it("`gantry deploy` records the lines it prints", async () => {
    const out = await cli(["deploy", "--env", "staging", "-p", api.seed.projectRef]);
    expect(out).toMatchObject({ code: 0, stderr: "" });
    const version = /Deployed version (\d{8}\.\d+)/.exec(out.stdout)?.[1];
    const deployment = (await deploymentsOf("staging")).find((d) => d.version === version)!;
    const log = await dashboardLog(deployment.id);
    const logged = log.logs.trimEnd().split("\n");
    expect(logged).toContain("Indexed 2 tasks");
    expect(logged.at(-1)).toMatch(new RegExp(`^Deployed version ${version!.replace(".", "\\.")} with 2 tasks`));
    const printed = out.stdout.split("\n");
    for (const line of logged) expect(printed).toContain(line);
  });

  it("a deploy that fails in the build ends its log with the error, file and line", async () => {
    const error = await deploy({ ...base(), cwd: join(FIXTURES, "broken"), env: "prod" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildError);
    const failed = (await deploymentsOf("prod")).find((d) => d.status === "FAILED")!;
    const log = await dashboardLog(failed.id);
    expect(log.final).toBe(true);
    const logged = log.logs.trimEnd().split("\n");
    expect(logged.slice(0, 3)).toEqual([expect.stringMatching(/^Project /), "Creating a deployment in prod", "Bundling 1 task file"]);
    // as the CLI prints it: the location, then esbuild's messages
    expect(log.logs.endsWith(`error: src/trigger/broken.ts:3:${(error as BuildError).location?.column}: ${(error as Error).message}\n`)).toBe(true);
    expect(log.logs).toMatch(/\nerror: src\/trigger\/broken\.ts:3:\d+: Build failed:\n {2}src\/trigger\/broken\.ts:3:\d+: Expected "}" but found "\)"\n$/);
  });

  it("a failing log upload never fails the deploy, and is given up after a few tries", async () => {
    const { fetch, seen } = countingFetch(async () => new Response(JSON.stringify({ error: "down", code: "internal" }), { status: 503 }));
    const result = await deploy({ ...base(), cwd: join(FIXTURES, "basic"), env: "prod", fetch });
    expect(result.status).toBe("DEPLOYED");
    expect(seen.logRequests).toBeGreaterThan(0);
    expect(seen.logRequests).toBeLessThanOrEqual(3);
    expect((await dashboardLog(result.id)).logs).toBe("");

    const unreachable = countingFetch(async () => {
      throw new TypeError("fetch failed");
    });
    const again = await deploy({ ...base(), cwd: join(FIXTURES, "basic"), env: "prod", fetch: unreachable.fetch });
    expect(again.status).toBe("DEPLOYED");
    expect(unreachable.seen.logRequests).toBeLessThanOrEqual(3);
  });

  it("GitHub-App builds (source github) leave the deployment's log to their GitHub build", async () => {
    const { fetch, seen } = countingFetch();
    const result = await deploy({ ...base(), cwd: join(FIXTURES, "basic"), env: "prod", source: "github", fetch });
    expect(result.status).toBe("DEPLOYED");
    expect(seen.logRequests).toBe(0);
    expect((await dashboardLog(result.id)).logs).toBe("");
  });
});

describe("BuildLogStream", () => {
  const created = async () => {
    const client = new ApiClient({ apiUrl: api.url, token: api.seed.environments.prod.apiKey });
    return client.json("POST", "/api/v1/deployments", DeploymentInfo, { sdkVersion: projectSdkVersion(join(FIXTURES, "basic")), source: "cli" });
  };

  it("sends at once when 50 lines wait, coalescing what arrives meanwhile into the next request", async () => {
    const d = await created();
    const { fetch, seen } = countingFetch();
    const stream = new BuildLogStream(new ApiClient({ apiUrl: api.url, token: api.seed.environments.prod.apiKey, fetch }), { flushMs: 3_600_000 });
    stream.line("before the deployment existed");
    stream.attach(d.id);
    const lines = Array.from({ length: 120 }, (_, i) => `line ${i}`);
    for (const line of lines) stream.line(line);
    await stream.close();
    expect(seen.logRequests).toBe(2);
    expect(JSON.parse(seen.bodies[0]!).logs.split("\n")).toHaveLength(51); // 50 lines and the final ""
    expect((await dashboardLog(d.id)).logs).toBe(["before the deployment existed", ...lines].map((l) => `${l}\n`).join(""));
    stream.line("after close");
    await stream.flush();
    expect(seen.logRequests).toBe(2);
  });

  it("sends a few lines after flushMs without being asked, and splits multi-line text", async () => {
    const d = await created();
    const { fetch, seen } = countingFetch();
    const stream = new BuildLogStream(new ApiClient({ apiUrl: api.url, token: api.seed.environments.prod.apiKey, fetch }), { flushMs: 20 });
    stream.attach(d.id);
    stream.line("one\ntwo\r\n");
    stream.line("three");
    await expect.poll(() => dashboardLog(d.id).then((l) => l.logs), { timeout: 10_000 }).toBe("one\ntwo\nthree\n");
    expect(seen.logRequests).toBe(1);
    await stream.close();
  });
});
