import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Probot } from "probot";
import { DEPLOYMENT_STATUSES, type GitHubBuild } from "@gantry/sdk/contracts";
import { checkRunBody, commentBody, deploymentStateOf, githubEnvironmentName } from "../reporter/render.js";
import { honourSecondaryRateLimits } from "../rate-limits.js";
import { hasOperation, validateRequestBody } from "./openapi.js";
import { ROUTES } from "./routes.js";
import { startGitHubSimulator, type GitHubSimulator } from "./server.js";

function build(overrides: Partial<GitHubBuild> = {}): GitHubBuild {
  return {
    id: "ghb_1",
    status: "DEPLOYED",
    projectRef: "proj_demo",
    repository: "acme/tasks",
    installationId: 1,
    environment: "preview",
    branch: "feature-x",
    gitRef: "refs/heads/feature-x",
    sha: "a".repeat(40),
    commitMessage: "Add",
    pullRequest: { number: 3, title: "Add", url: "https://github.com/acme/tasks/pull/3", state: "open", commentId: null },
    fromFork: false,
    awaitingApproval: false,
    deploymentId: "dep_1",
    version: "20261129.1",
    tasks: ["hello"],
    error: null,
    archived: false,
    supersededBy: null,
    dashboardUrl: "http://localhost:3030/projects/proj_demo/deployments/abc",
    logsUrl: "http://localhost:3030/api/v1/github/builds/ghb_1/logs",
    createdAt: new Date(),
    startedAt: new Date(Date.now() - 2000),
    finishedAt: new Date(),
    github: { checkRunId: null, deploymentId: null },
    recentRuns: [{ id: "run_1", taskIdentifier: "hello", status: "COMPLETED", url: "http://localhost:3030/projects/proj_demo/runs/run_1" }],
    ...overrides,
  };
}

describe("GitHub simulator", () => {
  it("serves only routes that exist in GitHub's OpenAPI description", () => {
    const missing = ROUTES.filter((r) => !hasOperation(r.method, r.path)).map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
    // the check can fail: a made-up route is not in the description
    expect(hasOperation("POST", "/repos/{owner}/{repo}/gantry-deploys")).toBe(false);
  });

  it("every body the reporter sends validates against GitHub's OpenAPI description, for every status", () => {
    for (const status of DEPLOYMENT_STATUSES) {
      for (const variant of [build({ status }), build({ status, fromFork: true, awaitingApproval: true, startedAt: null, finishedAt: null }), build({ status, environment: "prod", branch: null, pullRequest: null, error: status === "FAILED" ? { message: "x".repeat(70_000) } : null })]) {
        const create = checkRunBody(variant, variant.sha);
        expect(validateRequestBody("POST", "/repos/{owner}/{repo}/check-runs", create), status).toBeNull();
        const { head_sha: _sha, ...update } = create;
        expect(validateRequestBody("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}", update), status).toBeNull();
        expect(
          validateRequestBody("POST", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", {
            state: deploymentStateOf(variant),
            environment: githubEnvironmentName(variant),
            environment_url: variant.dashboardUrl,
            log_url: variant.dashboardUrl,
            description: "x",
            auto_inactive: false,
          }),
        ).toBeNull();
        expect(validateRequestBody("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", { body: commentBody(variant) })).toBeNull();
      }
    }
    // the validation can fail: GitHub has no "done" check status
    expect(validateRequestBody("POST", "/repos/{owner}/{repo}/check-runs", { name: "x", head_sha: "y", status: "done" })).toMatch(/status/);
  });

  describe("with Probot's Octokit", () => {
    let sim: GitHubSimulator;
    let probot: Probot;
    beforeAll(async () => {
      sim = await startGitHubSimulator({ validateBody: validateRequestBody });
      probot = new Probot({ appId: sim.appId, privateKey: sim.privateKey, secret: sim.webhookSecret, baseUrl: `${sim.url}/api/v3`, logLevel: "fatal" });
    });
    afterAll(async () => {
      await sim.close();
    });

    it("trades the app's JWT for an installation token that sees only that installation's repositories", async () => {
      const mine = await sim.createRepo({ owner: "acme", name: "mine" });
      const other = await sim.createRepo({ owner: "other", name: "theirs" });
      sim.setWebhookUrl("http://127.0.0.1:9/unused");
      const { installationId } = await sim.install({ account: "acme", repos: [mine] });
      await sim.install({ account: "other", repos: [other] });
      const octokit = await probot.auth(installationId);
      const { data } = await octokit.request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "mine" });
      expect(data.full_name).toBe("acme/mine");
      await expect(octokit.request("GET /repos/{owner}/{repo}", { owner: "other", repo: "theirs" })).rejects.toMatchObject({ status: 404 });
      // the installation token is cached until it expires: later clients reuse it
      const again = await probot.auth(installationId);
      await again.request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "mine" });
      const tokenRequests = sim.state.requests.filter((r) => r.route === "/app/installations/{installation_id}/access_tokens" && r.path.includes(String(installationId)));
      expect(tokenRequests).toHaveLength(1);
    });

    it("answers rate limits (429, secondary 403) with retry-after, and Probot's Octokit waits and retries", async () => {
      const repo = await sim.createRepo({ owner: "rl", name: "repo" });
      const { installationId } = await sim.install({ account: "rl", repos: [repo] });
      const octokit = honourSecondaryRateLimits(await probot.auth(installationId));
      await octokit.request("GET /repos/{owner}/{repo}", { owner: "rl", repo: "repo" });
      const before = sim.state.requests.length;
      sim.failNext({ status: 429, retryAfter: 1 });
      const { data } = await octokit.request("GET /repos/{owner}/{repo}", { owner: "rl", repo: "repo" });
      expect(data.full_name).toBe("rl/repo");
      sim.failNext({ status: 403, retryAfter: 1 });
      await octokit.request("GET /repos/{owner}/{repo}", { owner: "rl", repo: "repo" });
      const answered = sim.state.requests.slice(before).map((r) => r.status);
      expect(answered).toEqual([429, 200, 403, 200]);
    });

    it("refuses a JWT signed with another key", async () => {
      const other = await startGitHubSimulator();
      try {
        const stranger = new Probot({ appId: sim.appId, privateKey: other.privateKey, secret: "x", baseUrl: `${sim.url}/api/v3`, logLevel: "fatal" });
        const octokit = await stranger.auth(Array.from(sim.state.installations.keys())[0]!);
        await expect(octokit.request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "mine" })).rejects.toMatchObject({ status: 401 });
      } finally {
        await other.close();
      }
    });
  });
});
