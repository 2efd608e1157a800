import examples from "@octokit/webhooks-examples";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { branchFromContext, gitMetaFromContext, readGithubContext } from "./github-context.js";
import { getInputs } from "./input-helper.js";
import { chooseCommand } from "./run.js";

// How the action reads a workflow: inputs as the runner passes them, the event from GitHub's own payloads.

const saved = { ...process.env };
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

function setInputs(inputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(inputs)) process.env[`INPUT_${name.toUpperCase()}`] = value;
}

function eventContext(name: string, action: string | undefined) {
  const group = (examples as unknown as { name: string; examples: { action?: string }[] }[]).find((e) => e.name === name)!;
  const payload = group.examples.find((p) => p.action === action)!;
  const path = join(mkdtempSync(join(tmpdir(), "gantry-event-")), "event.json");
  writeFileSync(path, JSON.stringify(payload));
  const ctx = readGithubContext({ GITHUB_EVENT_NAME: name, GITHUB_EVENT_PATH: path, GITHUB_WORKSPACE: "/repo", GITHUB_SHA: "merge-commit-sha" });
  rmSync(dirname(path), { recursive: true, force: true });
  return { ctx, payload: payload as Record<string, any> };
}

describe("inputs", () => {
  it("reads typed inputs, resolving working-directory against the workspace", () => {
    setInputs({ "api-url": "https://gantry.example.com/", "access-token": "tr_pat_abc", environment: "staging", "working-directory": "apps/tasks", "skip-promotion": "true" });
    expect(getInputs("/repo")).toMatchObject({ apiUrl: "https://gantry.example.com", environment: "staging", workingDirectory: "/repo/apps/tasks", skipPromotion: true, command: undefined });
  });

  it("names the input and the fix when one is wrong", () => {
    setInputs({ "api-url": "https://g.example", "access-token": "t", environment: "qa" });
    expect(() => getInputs("/repo")).toThrow(/Input "environment": "qa" is not one of prod, staging, preview/);
    setInputs({ environment: "prod", command: "promote" });
    expect(() => getInputs("/repo")).toThrow(/Input "version": command promote needs the version/);
    setInputs({ command: "deploy", "skip-promotion": "yes" });
    expect(() => getInputs("/repo")).toThrow(/Input "skip-promotion": "yes" is not true or false/);
    delete process.env["INPUT_ACCESS-TOKEN"];
    expect(() => getInputs("/repo")).toThrow(/Input "access-token": is required/);
  });
});

describe("the event", () => {
  it("a pull request deploys its head branch and records the head commit, not the merge commit", () => {
    const { ctx, payload } = eventContext("pull_request", "opened");
    expect(branchFromContext(ctx)).toBe(payload.pull_request.head.ref);
    expect(gitMetaFromContext(ctx)).toMatchObject({ commitSha: payload.pull_request.head.sha, pullRequestNumber: payload.pull_request.number, provider: "github" });
    expect(chooseCommand({ environment: "preview" }, ctx)).toBe("deploy");
  });

  it("a closed pull request archives in preview unless a command is given", () => {
    const { ctx } = eventContext("pull_request", "closed");
    expect(chooseCommand({ environment: "preview" }, ctx)).toBe("archive");
    expect(chooseCommand({ environment: "prod" }, ctx)).toBe("deploy");
    expect(chooseCommand({ environment: "preview", command: "deploy" }, ctx)).toBe("deploy");
  });

  it("a push records the pushed commit and its message", () => {
    const { ctx, payload } = eventContext("push", undefined);
    expect(gitMetaFromContext(ctx)).toMatchObject({ commitSha: payload.head_commit.id, commitMessage: payload.head_commit.message });
  });
});
