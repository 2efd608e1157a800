import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GITHUB_CHECK_NAME, GITHUB_RUNS_CHECK_NAME } from "@gantry/sdk/contracts";
import { createManifestSetupHandler, replayFailedDeliveries, reportRunsOnce, sweepRepositories, SyncMemory } from "../../github-app/src/index.js";
import { ownerId, pushPayload } from "../../github-app/src/simulator/payloads.js";
import type { SimRepo } from "../../github-app/src/simulator/state.js";
import { startGitHubStack, taskProjectFiles, waitFor, type GitHubStack } from "./github-stack.js";

describe("GitHub App: push to the production branch", () => {
  let stack: GitHubStack;
  beforeAll(async () => {
    // normal builds take a few seconds; the timeout test's pre-build command sleeps past this
    stack = await startGitHubStack({ buildTimeoutMs: 20_000 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  let repo: SimRepo;
  const buildCount = async () => Number((await stack.api.deps.sql`select count(*)::int as n from github_builds`)[0]!.n);

  it("install → connect → push to main → DEPLOYED, check run success, deployment status success", async () => {
    const { sim, api } = stack;
    repo = await sim.createRepo({ owner: "acme", name: "tasks" });
    await repo.git.commit({ files: taskProjectFiles(api.seed.projectRef), message: "Initial commit" });

    const installed = await sim.install({ account: "acme", repos: [repo] });
    expect(installed.delivery.status).toBe(200);

    const connected = await stack.request("POST", "/api/v1/github/connections", { projectRef: api.seed.projectRef, repository: "acme/tasks" });
    expect(connected.status, JSON.stringify(connected.body)).toBe(201);
    expect(connected.body).toMatchObject({ repository: "acme/tasks", productionBranch: "main", previews: true });

    const { sha, delivery } = await sim.push(repo, { files: { "README.md": "# tasks\n" }, message: "Add a readme" });
    expect(delivery.status).toBe(200);

    const check = await waitFor("the check run to complete", () =>
      sim.state.checkRuns.find((r) => r.head_sha === sha && r.status === "completed"),
    );
    expect(check.name).toBe(GITHUB_CHECK_NAME);
    expect(check.conclusion, check.output?.summary).toBe("success");
    expect(check.output?.summary).toContain("hello-github");
    // it went through queued/in_progress before completing
    expect(check.history.map((h) => h.status ?? (h.conclusion ? "completed" : undefined))).toContain("in_progress");

    const deployment = await waitFor("the GitHub deployment to succeed", () =>
      sim.state.deployments.find((d) => d.sha === sha && d.statuses.at(-1)?.state === "success"),
    );
    expect(deployment.environment).toBe("production");
    expect(deployment.production_environment).toBe(true);
    expect(deployment.statuses.at(-1)?.environment_url).toContain(`/projects/${api.seed.projectRef}/deployments/`);

    // Gantry's own record: prod's current deployment is this commit, DEPLOYED
    const listed = await stack.request("GET", `/api/v1/projects/${api.seed.projectRef}/deployments?env=prod`);
    expect(listed.status).toBe(200);
    const items = (listed.body.data ?? listed.body) as Array<{ status: string; isCurrent: boolean; git?: { commitSha?: string } }>;
    const current = items.find((d) => d.isCurrent);
    expect(current?.status).toBe("DEPLOYED");
    expect(current?.git?.commitSha).toBe(sha);
  });

  it("runs executed on the commit's version are reported on that commit as a neutral \"Gantry runs\" check run", async () => {
    const { sim, api, app } = stack;
    await stack.startRunner();
    const deployed = sim.state.checkRuns.find((r) => r.name === GITHUB_CHECK_NAME && r.conclusion === "success")!;
    const triggered = await fetch(`${stack.url}/api/v1/tasks/hello-github/trigger`, {
      method: "POST",
      headers: { authorization: `Bearer ${api.seed.environments.prod.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ payload: {} }),
    });
    expect(triggered.status).toBe(200);
    const { id: runId } = (await triggered.json()) as { id: string };
    await waitFor("the run to complete", async () => {
      const [row] = await api.deps.sql`select status from runs where id = ${runId}`;
      return row?.status === "COMPLETED" ? true : undefined;
    });
    const memory = new SyncMemory();
    expect(await reportRunsOnce(app.probot, app.gantry, new Date(Date.now() - 60_000), memory)).toBe(1);
    const runsCheck = sim.state.checkRuns.find((r) => r.name === GITHUB_RUNS_CHECK_NAME && r.head_sha === deployed.head_sha);
    expect(runsCheck?.conclusion).toBe("neutral");
    expect(runsCheck?.output?.summary).toContain(runId);
    expect(runsCheck?.output?.title).toMatch(/1 run on .*1 completed/);
    // nothing changed: no second write
    expect(await reportRunsOnce(app.probot, app.gantry, new Date(Date.now() - 60_000), memory)).toBe(0);
  });

  it("Redeploy on the check run builds the commit again, for project members only", async () => {
    const { sim, api } = stack;
    const first = sim.state.checkRuns.find((r) => r.conclusion === "success")!;
    const before = await buildCount();
    const refused = await sim.pressCheckRunButton(repo, first.id, { sender: "stranger", identifier: "redeploy" });
    expect(refused.status).toBe(200);
    expect(await buildCount()).toBe(before);

    await api.deps.sql`update users set github_id = ${ownerId("acme-admin")}, github_login = 'acme-admin' where id = ${api.seed.userId}`;
    await sim.pressCheckRunButton(repo, first.id, { sender: "acme-admin", identifier: "redeploy" });
    expect(await buildCount()).toBe(before + 1);
    const again = await waitFor("the redeployed check run", () => sim.state.checkRuns.find((r) => r.head_sha === first.head_sha && r.id !== first.id && r.conclusion === "success"));
    expect(again.output?.title).not.toBe(first.output?.title); // a new version

    // Promote on the first check run makes its version current again (a rollback)
    const firstVersion = /Deployed (\S+)/.exec(first.output?.title ?? "")?.[1];
    expect(first.actions.map((a) => a.identifier)).toContain("promote");
    await sim.pressCheckRunButton(repo, first.id, { sender: "acme-admin", identifier: "promote" });
    const listed = await stack.request("GET", `/api/v1/projects/${api.seed.projectRef}/deployments?env=prod`);
    const items = (listed.body.data ?? listed.body) as Array<{ version: string; isCurrent: boolean }>;
    expect(items.find((d) => d.isCurrent)?.version).toBe(firstVersion);
  });

  it("a forged signature gets 401 and nothing happens", async () => {
    const { sim } = stack;
    const before = await buildCount();
    const sha = await repo.git.commit({ files: { "forged.txt": "x" }, message: "Forged" });
    const payload = pushPayload({ installationId: repo.installationId, repo, ref: "refs/heads/main", before: sha, after: sha, message: "Forged", pusher: "mallory" });
    const wrongSecret = await sim.deliver("push", payload, { secret: "not-the-secret" });
    expect(wrongSecret.status).toBe(401);
    const noSignature = await sim.deliver("push", payload, { signature: "sha256=" + "0".repeat(64) });
    expect(noSignature.status).toBe(401);
    expect(await buildCount()).toBe(before);
    const [delivery] = await stack.api.deps.sql`select 1 from github_deliveries where id = ${wrongSecret.guid}`;
    expect(delivery).toBeUndefined();
  });

  it("a redelivered webhook does nothing twice; [skip deploy] builds nothing", async () => {
    const { sim } = stack;
    const before = await buildCount();
    const { sha, delivery } = await sim.push(repo, { files: { "again.txt": "1" }, message: "Once" });
    expect(delivery.status).toBe(200);
    expect(await buildCount()).toBe(before + 1);
    const again = await sim.redeliver(delivery.id);
    expect(again.status).toBe(200);
    expect(again.guid).toBe(delivery.guid);
    expect(await buildCount()).toBe(before + 1);
    await waitFor("the build to finish", () => sim.state.checkRuns.find((r) => r.head_sha === sha && r.status === "completed"));
    expect(sim.state.checkRuns.filter((r) => r.head_sha === sha)).toHaveLength(1);
    expect(sim.state.deployments.filter((d) => d.sha === sha)).toHaveLength(1);

    const skipped = await sim.push(repo, { files: { "docs.txt": "1" }, message: "Docs only [skip deploy]" });
    expect(skipped.delivery.status).toBe(200);
    expect(await buildCount()).toBe(before + 1);
  });

  it("a failing build → check run failure with the error in its summary, deployment failed", async () => {
    const { sim, api } = stack;
    const { sha } = await sim.push(repo, { files: taskProjectFiles(api.seed.projectRef, { broken: true }), message: "Break the build" });
    const check = await waitFor("the failing check run", () => sim.state.checkRuns.find((r) => r.head_sha === sha && r.status === "completed"));
    expect(check.conclusion).toBe("failure");
    expect(check.output?.summary).toMatch(/### Error/);
    expect(check.output?.summary).toMatch(/hello\.ts/);
    const deployment = await waitFor("the failed deployment", () => sim.state.deployments.find((d) => d.sha === sha && d.statuses.at(-1)?.state === "failure"));
    expect(deployment.environment).toBe("production");
    const [row] = await api.deps.sql`select id, status from github_builds where sha = ${sha}`;
    expect(row?.status).toBe("FAILED");
    // the build log, as a project member reads it
    const logs = await stack.request("GET", `/api/v1/projects/${api.seed.projectRef}/github/builds/${row!.id}/logs`);
    expect(logs.status).toBe(200);
    expect(String(logs.body)).toMatch(/hello\.ts/);
  });

  it("missed webhooks are caught up: failed deliveries are replayed, and the sweep builds a branch head nobody told us about", async () => {
    const { sim, app } = stack;
    const live = `${stack.url}/api/github/webhooks`;
    sim.setWebhookUrl("http://127.0.0.1:9/down");
    const missed = await sim.push(repo, { files: taskProjectFiles(stack.api.seed.projectRef), message: "Fixed, pushed while Gantry was down" });
    expect(missed.delivery.status).toBe(0);
    sim.setWebhookUrl(live);
    expect(await replayFailedDeliveries(app.probot)).toBeGreaterThanOrEqual(1);
    await waitFor("the replayed push to deploy", () => sim.state.checkRuns.find((r) => r.head_sha === missed.sha && r.conclusion === "success"));

    // a commit whose webhook never left GitHub at all: only the sweep can find it
    const silent = await repo.git.commit({ files: { "silent.txt": "1" }, message: "Silent" });
    const before = await buildCount();
    await sweepRepositories(app.probot, app.gantry);
    expect(await buildCount()).toBe(before + 1);
    await waitFor("the swept commit to deploy", () => sim.state.checkRuns.find((r) => r.head_sha === silent && r.conclusion === "success"));
    // sweeping again builds nothing new
    await sweepRepositories(app.probot, app.gantry);
    expect(await buildCount()).toBe(before + 1);
  });

  it("GitHub's manifest flow creates the App and Gantry stores its id, key and secret", async () => {
    const { sim, app } = stack;
    const setup = createManifestSetupHandler({ publicUrl: "https://gantry.example.com", githubWebUrl: "https://github.example.com", githubApiUrl: `${sim.url}/api/v3`, gantry: app.gantry });
    const page = (await setup(new Request("http://x/github/setup")))!;
    expect(page.status).toBe(200);
    const text = await page.text();
    const manifest = JSON.parse(/name="manifest" value="([^"]+)"/.exec(text)![1]!.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&amp;/g, "&"));
    expect(manifest).toMatchObject({ hook_attributes: { url: "https://gantry.example.com/api/github/webhooks" }, default_permissions: { checks: "write", contents: "read" } });
    expect(manifest.default_events).toEqual(["check_run", "check_suite", "pull_request", "push"]);
    const state = /state=([\w-]+)/.exec(text)![1]!;

    const forged = (await setup(new Request(`http://x/github/setup/callback?code=${sim.manifestCode}&state=not-ours`)))!;
    expect(forged.status).toBe(400);
    const done = (await setup(new Request(`http://x/github/setup/callback?code=${sim.manifestCode}&state=${state}`)))!;
    expect(done.status, await done.clone().text()).toBe(200);
    const stored = await app.gantry.appCredentials();
    expect(stored).toMatchObject({ appId: sim.appId, privateKey: sim.privateKey, webhookSecret: sim.webhookSecret });
    const [row] = await stack.api.deps.sql`select private_key_encrypted from github_app_credentials`;
    expect(row?.private_key_encrypted).not.toContain("PRIVATE KEY");
  });

  it("settings committed as .github/gantry.yml decide the staging branch; an invalid file fails the build naming the field", async () => {
    const { sim } = stack;
    await sim.push(repo, { files: { ".github/gantry.yml": "stagingBranch: develop\n" }, message: "Add Gantry settings" });
    const { sha } = await sim.push(repo, { branch: "develop", files: { "dev.txt": "1" }, message: "Work on develop" });
    const deployment = await waitFor("the staging deployment", () => sim.state.deployments.find((d) => d.sha === sha && d.statuses.at(-1)?.state === "success"));
    expect(deployment.environment).toBe("staging");

    const broken = await sim.push(repo, { files: { ".github/gantry.yml": "stagingBranch: develop\npreviews: sometimes\n" }, message: "Break settings" });
    const check = await waitFor("the refused build", () => sim.state.checkRuns.find((r) => r.head_sha === broken.sha && r.status === "completed"));
    expect(check.conclusion).toBe("failure");
    expect(check.output?.summary).toMatch(/\.github\/gantry\.yml: previews/);
    await sim.push(repo, { files: { ".github/gantry.yml": null }, message: "Remove Gantry settings" });
  });

  it("a build past GANTRY_BUILD_TIMEOUT_MS is TIMED_OUT, and GitHub says so", async () => {
    const { sim, api } = stack;
    const reconnected = await stack.request("POST", "/api/v1/github/connections", { projectRef: api.seed.projectRef, repository: "acme/tasks", preBuildCommand: "sleep 120" });
    expect(reconnected.status).toBe(201);
    const { sha } = await sim.push(repo, { files: { "slow.txt": "1" }, message: "Slow build" });
    const check = await waitFor("the timed out check run", () => sim.state.checkRuns.find((r) => r.head_sha === sha && r.status === "completed"), 50_000);
    expect(check.conclusion).toBe("timed_out");
    expect(check.output?.summary).toMatch(/GANTRY_BUILD_TIMEOUT_MS/);
    await waitFor("the deployment to error", () => sim.state.deployments.find((d) => d.sha === sha && d.statuses.at(-1)?.state === "error"));
    await stack.request("POST", "/api/v1/github/connections", { projectRef: api.seed.projectRef, repository: "acme/tasks" });
  });
});
