import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMENT_MARKER } from "../../github-app/src/reporter/render.js";
import { ownerId } from "../../github-app/src/simulator/payloads.js";
import { reportRunsOnce, SyncMemory } from "../../github-app/src/index.js";
import type { SimRepo } from "../../github-app/src/simulator/state.js";
import { startGitHubStack, taskProjectFiles, waitFor, type GitHubStack } from "./github-stack.js";

describe("GitHub App: pull requests deploy preview branches", () => {
  let stack: GitHubStack;
  let repo: SimRepo;
  beforeAll(async () => {
    stack = await startGitHubStack();
    repo = await stack.sim.createRepo({ owner: "acme", name: "previews" });
    await repo.git.commit({ files: taskProjectFiles(stack.api.seed.projectRef), message: "Initial commit" });
    await stack.sim.install({ account: "acme", repos: [repo] });
    const connected = await stack.request("POST", "/api/v1/github/connections", { projectRef: stack.api.seed.projectRef, repository: "acme/previews" });
    expect(connected.status).toBe(201);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const checkFor = (sha: string) => stack.sim.state.checkRuns.find((r) => r.head_sha === sha && r.status === "completed");
  const comments = () => stack.sim.state.comments.filter((c) => c.repo === "acme/previews" && c.issue_number === 1);

  it("open PR → preview branch deployed, one comment; pushes edit that comment; a queued older build is superseded", async () => {
    const { sim } = stack;
    // a push to an untracked branch builds nothing by itself
    const first = await sim.push(repo, { branch: "feature-x", files: { "src/trigger/more.ts": 'import { task } from "@gantry/sdk";\nexport const more = task({ id: "more-task", run: async () => 1 });\n' }, message: "More tasks" });
    expect(first.delivery.status).toBe(200);

    const opened = await sim.openPullRequest(repo, { head: "feature-x", title: "Add more tasks" });
    expect(opened.delivery.status).toBe(200);
    const check = await waitFor("the preview check run", () => checkFor(first.sha));
    expect(check.conclusion, check.output?.summary).toBe("success");
    expect(sim.state.checkRuns.filter((r) => r.head_sha === first.sha)).toHaveLength(1);

    const deployment = await waitFor("the preview deployment", () => sim.state.deployments.find((d) => d.sha === first.sha && d.statuses.at(-1)?.state === "success"));
    expect(deployment.environment).toBe("preview/feature-x");
    expect(deployment.transient_environment).toBe(true);

    const comment = await waitFor("the PR comment", () => comments().find((c) => c.body.includes("Deployed")));
    expect(comment.body).toContain(COMMENT_MARKER);
    expect(comment.body).toContain("more-task");
    expect(comment.body).toContain("`feature-x`");

    // three more pushes: the first builds, the second waits in the queue and is superseded by the third
    const a = await sim.pushToPullRequest(repo, 1, { files: { "a.txt": "a" }, message: "a" });
    // (Gantry's record, not the check run: the reporter spaces GitHub writes a second apart, as GitHub asks)
    await waitFor("build A to start", async () => {
      const [row] = await stack.api.deps.sql`select 1 from github_builds where sha = ${a.sha} and status = 'BUILDING'`;
      return row;
    });
    const b = await sim.pushToPullRequest(repo, 1, { files: { "b.txt": "b" }, message: "b" });
    const c = await sim.pushToPullRequest(repo, 1, { files: { "c.txt": "c" }, message: "c" });

    const checkC = await waitFor("build C", () => checkFor(c.sha));
    expect(checkC.conclusion).toBe("success");
    const checkB = await waitFor("build B's check run", () => checkFor(b.sha));
    expect(checkB.conclusion).toBe("cancelled");
    expect(checkB.output?.summary).toContain("Superseded");
    expect((await waitFor("build A", () => checkFor(a.sha))).conclusion).toBe("success");

    // still exactly one comment, edited in place, now showing the latest commit
    await waitFor("the comment to show commit C", () => (comments()[0]?.body.includes(c.sha.slice(0, 7)) && comments()[0]?.body.includes("Deployed") ? true : undefined));
    expect(comments()).toHaveLength(1);
    expect(comments()[0]!.history.length).toBeGreaterThan(2);
  });

  it("a run on the preview shows up in the same comment and as the commit's \"Gantry runs\" check run", async () => {
    const { sim } = stack;
    const c = { sha: repo.pulls.get(1)!.headSha };
    await stack.startRunner();
    const triggered = await fetch(`${stack.url}/api/v1/tasks/more-task/trigger`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.api.seed.environments.preview.apiKey}`, "x-trigger-branch": "feature-x", "content-type": "application/json" },
      body: JSON.stringify({ payload: {} }),
    });
    expect(triggered.status).toBe(200);
    const { id: runId } = (await triggered.json()) as { id: string };
    await waitFor("the preview run to complete", async () => {
      const [row] = await stack.api.deps.sql`select status from runs where id = ${runId}`;
      return row?.status === "COMPLETED" ? true : undefined;
    });
    await reportRunsOnce(stack.app.probot, stack.app.gantry, new Date(Date.now() - 60_000), new SyncMemory());
    expect(comments()).toHaveLength(1);
    expect(comments()[0]!.body).toContain(runId);
    expect(sim.state.checkRuns.find((r) => r.name === "Gantry runs" && r.head_sha === c.sha)?.output?.summary).toContain(runId);
  });

  it("close PR → branch archived, deployment inactive, comment updated, triggering refused", async () => {
    const { sim, api } = stack;
    const delivery = await sim.closePullRequest(repo, 1, { merged: true });
    expect(delivery.status).toBe(200);

    await waitFor("the comment to say archived", () => (comments()[0]?.body.includes("Archived") ? true : undefined));
    expect(comments()).toHaveLength(1);
    const previews = sim.state.deployments.filter((d) => d.environment === "preview/feature-x");
    const latest = previews.at(-1)!;
    await waitFor("the latest preview deployment to go inactive", () => (latest.statuses.at(-1)?.state === "inactive" ? true : undefined));

    const trigger = await fetch(`${stack.url}/api/v1/tasks/hello-github/trigger`, {
      method: "POST",
      headers: { authorization: `Bearer ${api.seed.environments.preview.apiKey}`, "x-trigger-branch": "feature-x", "content-type": "application/json" },
      body: JSON.stringify({ payload: {} }),
    });
    expect(trigger.status).toBeGreaterThanOrEqual(400);
    expect(trigger.status).toBeLessThan(500);
    expect(await trigger.text()).toMatch(/archived/i);
  });

  it("a fork's pull request builds only after a project member presses Authorize, on a branch name no one else can take", async () => {
    const { sim, api } = stack;
    const forkCommit = await repo.git.commit({ branch: "feature-y", files: { "fork.txt": "from a fork" }, message: "Fork change" });
    const opened = await sim.openPullRequest(repo, { head: "feature-y", fork: "forker", user: "forker", title: "Fork PR" });
    expect(opened.delivery.status).toBe(200);
    const waiting = await waitFor("the action_required check run", () => sim.state.checkRuns.find((r) => r.head_sha === forkCommit && r.conclusion === "action_required"));
    expect(waiting.actions.map((a) => a.identifier)).toEqual(["authorize"]);
    expect(sim.state.deployments.filter((d) => d.sha === forkCommit)).toHaveLength(0);

    // the fork's author is no project member: pressing Authorize does nothing
    const refused = await sim.pressCheckRunButton(repo, waiting.id, { sender: "forker", identifier: "authorize" });
    expect(refused.status).toBe(200);
    const [stillWaiting] = await api.deps.sql`select status, awaiting_approval from github_builds where sha = ${forkCommit}`;
    expect(stillWaiting).toMatchObject({ status: "PENDING", awaiting_approval: true });

    // a member (a Gantry user linked to the GitHub account "maintainer") authorizes it
    await api.deps.sql`update users set github_id = ${ownerId("maintainer")}, github_login = 'maintainer' where id = ${api.seed.userId}`;
    await sim.pressCheckRunButton(repo, waiting.id, { sender: "maintainer", identifier: "authorize" });
    const built = await waitFor("the authorized fork build", () => sim.state.checkRuns.find((r) => r.head_sha === forkCommit && r.conclusion === "success"));
    expect(built.id).not.toBe(waiting.id);
    const deployment = await waitFor("the fork preview deployment", () => sim.state.deployments.find((d) => d.sha === forkCommit && d.statuses.at(-1)?.state === "success"));
    expect(deployment.environment).toBe("preview/forker:feature-y");

    // `gantry preview archive` does what closing the pull request does
    const archived = await stack.request("POST", `/api/v1/projects/${api.seed.projectRef}/branches/archive`, { branch: "forker:feature-y" });
    expect(archived.status, JSON.stringify(archived.body)).toBe(200);
    expect(archived.body).toMatchObject({ archived: true });
    await waitFor("the fork deployment to go inactive", () => (deployment.statuses.at(-1)?.state === "inactive" ? true : undefined));
    const unknown = await stack.request("POST", `/api/v1/projects/${api.seed.projectRef}/branches/archive`, { branch: "no-such-branch" });
    expect(unknown.status).toBe(404);
  });

  it("past the connection's cap on active preview branches, a new branch is refused with the fix", async () => {
    const { sim, api } = stack;
    const settings = await stack.request("POST", "/api/v1/github/connections", { projectRef: api.seed.projectRef, repository: "acme/previews", maxActivePreviews: 1 });
    expect(settings.body).toMatchObject({ maxActivePreviews: 1 });
    const a = await repo.git.commit({ branch: "cap-a", files: { "cap-a.txt": "a" }, message: "cap a" });
    await sim.openPullRequest(repo, { head: "cap-a" });
    expect((await waitFor("cap-a to deploy", () => checkFor(a))).conclusion).toBe("success");
    const b = await repo.git.commit({ branch: "cap-b", files: { "cap-b.txt": "b" }, message: "cap b" });
    await sim.openPullRequest(repo, { head: "cap-b" });
    const refused = await waitFor("cap-b to be refused", () => checkFor(b));
    expect(refused.conclusion).toBe("failure");
    expect(refused.output?.summary).toMatch(/active preview branches \(the cap is 1\)/);
  });
});
