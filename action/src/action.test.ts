import examples from "@octokit/webhooks-examples";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../../api/src/testing/harness.js";
import { copyActionAlone, runAction, type ActionRun } from "./testing/run-action.js";
import { makeWorkspace as makeTempWorkspace } from "./testing/test-project.js";

// The action exactly as a workflow runs it: dist/index.js from a copy of action/ with no node_modules in
// reach, INPUT_* variables, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files and a GitHub webhook payload, against a
// real Gantry api (Postgres + Redis).

type Payload = Record<string, unknown> & { action?: string; after?: string; ref?: string; pull_request?: { head: { ref: string; sha: string } } };

function example(name: string, pick: (payload: Payload) => boolean): Payload {
  const group = (examples as unknown as { name: string; examples: Payload[] }[]).find((e) => e.name === name);
  const payload = group?.examples.find(pick);
  if (!payload) throw new Error(`@octokit/webhooks-examples has no matching ${name} payload`);
  return structuredClone(payload);
}

const pushToMain = example("push", (p) => typeof p.ref === "string" && p.ref.startsWith("refs/heads/") && typeof p.after === "string" && !/^0+$/.test(p.after));
const prOpened = example("pull_request", (p) => p.action === "opened");
const prClosed = example("pull_request", (p) => p.action === "closed");
prClosed.pull_request = structuredClone(prOpened.pull_request); // the same PR, now closed

let api: TestApi;
let actionDir: string;
const tempDirs: string[] = [];

function makeWorkspace(...args: Parameters<typeof makeTempWorkspace>): ReturnType<typeof makeTempWorkspace> {
  const made = makeTempWorkspace(...args);
  tempDirs.push(made.workspace);
  return made;
}

beforeAll(async () => {
  api = await startTestApi();
  actionDir = copyActionAlone();
});
afterAll(async () => {
  await api?.close();
  if (actionDir) tempDirs.push(dirname(actionDir));
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

async function apiGet<T>(path: string, token = api.seed.accessToken): Promise<T> {
  const response = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status, `GET ${path}`).toBe(200);
  return (await response.json()) as T;
}

type Deployment = { id: string; version: string; status: string; isCurrent: boolean; git?: { commitSha?: string; pullRequestNumber?: number } | null; environment: { slug: string; branchName?: string | null } };

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return { "api-url": api.url, "access-token": api.seed.accessToken, "working-directory": "tasks", ...extra };
}

function explain(run: ActionRun): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

// esbuild-wasm takes seconds to start on a busy 2-core machine, so one test (push) proves dist/ bundles with the
// WebAssembly build it ships; the others give the project its own esbuild, as many projects have, and run natively.
// Generous per-test timeouts, no timing asserted.
describe("gantry action (dist/index.js)", { timeout: 300_000 }, () => {
  it("deploys on push: outputs, job summary, commit SHA on the deployment, version current in prod", async () => {
    const { workspace } = makeWorkspace("project", "tasks");
    const run = await runAction({ actionDir, workspace, eventName: "push", payload: pushToMain, inputs: inputs({ environment: "prod" }) });
    expect(run.code, explain(run)).toBe(0);
    expect(run.stdout).toContain("esbuild: esbuild-wasm"); // the project has no esbuild: dist/ brought its own
    expect(run.stdout).toContain("Indexed 2 tasks");
    const version = run.outputs["deployment-version"];
    expect(version).toMatch(/^\d{8}\.\d+$/);
    expect(run.outputs.deploymentVersion).toBe(version);
    expect(run.outputs["deployment-url"]).toMatch(/^https?:\/\//);
    expect(run.summary).toContain(version);
    expect(run.summary).toContain("hello-action");
    expect(run.summary).toContain(run.outputs["deployment-url"]);

    const deployment = await apiGet<Deployment>(`/api/v1/deployments/${run.outputs["deployment-id"]}`);
    expect(deployment).toMatchObject({ version, status: "DEPLOYED", isCurrent: true, environment: { slug: "prod" } });
    expect(deployment.git?.commitSha).toBe(pushToMain.after);
  });

  it("atomic deploy: skip-promotion leaves the current version alone, then command promote makes it current", async () => {
    const { workspace } = makeWorkspace("project", "tasks", { withEsbuild: true });
    const deployed = await runAction({ actionDir, workspace, eventName: "push", payload: pushToMain, inputs: inputs({ environment: "prod", "skip-promotion": "true" }) });
    expect(deployed.code, explain(deployed)).toBe(0);
    expect(deployed.stdout).toContain("esbuild: the project's esbuild"); // native speed when the project has it
    const version = deployed.outputs["deployment-version"]!;
    expect((await apiGet<Deployment>(`/api/v1/deployments/${deployed.outputs["deployment-id"]}`)).isCurrent).toBe(false);
    expect(deployed.summary).toContain("not promoted");

    const promoted = await runAction({ actionDir, workspace, eventName: "push", payload: pushToMain, inputs: inputs({ environment: "prod", command: "promote", version }) });
    expect(promoted.code, explain(promoted)).toBe(0);
    expect(promoted.outputs["deployment-version"]).toBe(version);
    expect((await apiGet<Deployment>(`/api/v1/deployments/${deployed.outputs["deployment-id"]}`)).isCurrent).toBe(true);
    expect(promoted.summary).toContain(`promoted version ${version}`);
  });

  const branch = prOpened.pull_request!.head.ref;
  const triggerPreview = () =>
    fetch(`${api.url}/api/v1/tasks/hello-action/trigger`, {
      method: "POST",
      headers: { authorization: `Bearer ${api.seed.environments.preview.apiKey}`, "x-trigger-branch": branch, "content-type": "application/json" },
      body: JSON.stringify({ payload: { name: "pr" } }),
    });

  it("a pull request deploys its preview branch (named after the head branch, head commit recorded)", async () => {
    const { workspace } = makeWorkspace("project", "tasks", { withEsbuild: true });
    const opened = await runAction({ actionDir, workspace, eventName: "pull_request", payload: prOpened, inputs: inputs({ environment: "preview" }) });
    expect(opened.code, explain(opened)).toBe(0);
    const deployment = await apiGet<Deployment>(`/api/v1/deployments/${opened.outputs["deployment-id"]}`);
    expect(deployment).toMatchObject({ status: "DEPLOYED", environment: { slug: "preview", branchName: branch } });
    expect(deployment.git?.commitSha).toBe(prOpened.pull_request!.head.sha);
    expect(deployment.git?.pullRequestNumber).toBe((prOpened.pull_request as unknown as { number: number }).number);
    expect((await triggerPreview()).status).toBe(200);
  });

  it("closing the pull request archives its preview branch, which then refuses triggers", async () => {
    const { workspace } = makeWorkspace("project", "tasks", { withEsbuild: true });
    const opened = await runAction({ actionDir, workspace, eventName: "pull_request", payload: prOpened, inputs: inputs({ environment: "preview" }) });
    expect(opened.code, explain(opened)).toBe(0);
    // No `command` input: a closed pull_request in preview means archive.
    const closed = await runAction({ actionDir, workspace, eventName: "pull_request", payload: prClosed, inputs: inputs({ environment: "preview" }) });
    expect(closed.code, explain(closed)).toBe(0);
    expect(closed.summary).toContain(`archived preview branch ${branch}`);
    const refused = await triggerPreview();
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(await refused.text()).toMatch(/archived/i);
  });

  it("archiving a branch that was never deployed warns and succeeds (a PR whose deploy failed can still close)", async () => {
    const { workspace } = makeWorkspace("project", "tasks", { withEsbuild: true });
    const run = await runAction({ actionDir, workspace, eventName: "pull_request", payload: prClosed, inputs: inputs({ environment: "preview", command: "archive", branch: "never-deployed" }) });
    expect(run.code, explain(run)).toBe(0);
    expect(run.stdout).toMatch(/::warning::Preview branch never-deployed was not archived/);
  });

  it("a bad token fails the step with a clear error and deploys nothing", async () => {
    const { workspace } = makeWorkspace("project", "tasks", { withEsbuild: true });
    const before = await apiGet<{ data: Deployment[] }>(`/api/v1/projects/${api.seed.projectRef}/deployments?limit=100`);
    const run = await runAction({ actionDir, workspace, eventName: "push", payload: pushToMain, inputs: inputs({ "access-token": "tr_pat_notarealtoken00000000000000" }) });
    expect(run.code, explain(run)).toBe(1);
    expect(run.stdout).toMatch(/::error .*rejected the access token/);
    expect(run.stdout).not.toContain("tr_pat_notarealtoken00000000000000::");
    expect(run.outputs["deployment-version"]).toBeUndefined();
    const after = await apiGet<{ data: Deployment[] }>(`/api/v1/projects/${api.seed.projectRef}/deployments?limit=100`);
    expect(after.data.length).toBe(before.data.length);
  });

  it("a syntax error fails the step with an annotation on the file and line, relative to the repository", async () => {
    const { workspace } = makeWorkspace("broken", "tasks", { withEsbuild: true });
    const run = await runAction({ actionDir, workspace, eventName: "push", payload: pushToMain, inputs: inputs() });
    expect(run.code, explain(run)).toBe(1);
    expect(run.stdout).toMatch(/::error title=Gantry build failed,file=tasks\/src\/trigger\/broken\.ts,line=6,col=\d+::/);
    expect(run.summary).toContain("tasks/src/trigger/broken.ts:6");
  });
});
