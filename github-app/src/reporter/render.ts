import { GITHUB_CHECK_NAME, type DeploymentStatus, type GitHubBuild } from "@gantry/sdk/contracts";

/** What a build's state looks like on GitHub. One function per surface, all from the same GitHubBuild, so they never disagree. */

export const COMMENT_MARKER = "<!-- gantry:pull-request-comment -->";
/** GitHub's limit on a check run summary is 65535 characters. */
const SUMMARY_LIMIT = 60_000;

export type CheckStatus = "queued" | "in_progress" | "completed";
export type CheckConclusion = "success" | "failure" | "cancelled" | "timed_out" | "action_required";
export type DeploymentState = "queued" | "in_progress" | "success" | "failure" | "error" | "inactive";

export function checkStatusOf(status: DeploymentStatus): { status: CheckStatus; conclusion?: CheckConclusion } {
  switch (status) {
    case "PENDING":
      return { status: "queued" };
    case "BUILDING":
    case "DEPLOYING":
      return { status: "in_progress" };
    case "DEPLOYED":
      return { status: "completed", conclusion: "success" };
    case "FAILED":
      return { status: "completed", conclusion: "failure" };
    case "CANCELED":
      return { status: "completed", conclusion: "cancelled" };
    case "TIMED_OUT":
      return { status: "completed", conclusion: "timed_out" };
  }
}

export function deploymentStateOf(build: GitHubBuild): DeploymentState {
  if (build.archived && build.environment === "preview") return "inactive";
  switch (build.status) {
    case "PENDING":
      return "queued";
    case "BUILDING":
    case "DEPLOYING":
      return "in_progress";
    case "DEPLOYED":
      return "success";
    case "FAILED":
      return "failure";
    case "TIMED_OUT":
      return "error";
    case "CANCELED":
      return "inactive";
  }
}

export function githubEnvironmentName(build: GitHubBuild): string {
  switch (build.environment) {
    case "prod":
      return "production";
    case "staging":
      return "staging";
    case "preview":
    case "dev":
      return `preview/${build.branch ?? "unknown"}`;
  }
}

const STATUS_WORDS: Record<DeploymentStatus, string> = {
  PENDING: "⏳ Queued",
  BUILDING: "🔨 Building",
  DEPLOYING: "🚀 Deploying",
  DEPLOYED: "✅ Deployed",
  FAILED: "❌ Failed",
  CANCELED: "⏹️ Canceled",
  TIMED_OUT: "⌛ Timed out",
};

function where(build: GitHubBuild): string {
  return build.environment === "preview" ? `preview branch \`${build.branch}\`` : `\`${build.environment}\``;
}

function duration(build: GitHubBuild): string | null {
  if (!build.startedAt || !build.finishedAt) return null;
  const ms = new Date(build.finishedAt).getTime() - new Date(build.startedAt).getTime();
  return ms >= 60_000 ? `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s` : `${(ms / 1000).toFixed(1)}s`;
}

export function checkRunOutput(build: GitHubBuild): { title: string; summary: string; text?: string } {
  const title = build.status === "DEPLOYED" ? `Deployed ${build.version} to ${githubEnvironmentName(build)}` : `${STATUS_WORDS[build.status].replace(/^\S+ /, "")}: ${githubEnvironmentName(build)}`;
  const lines = [
    `**${STATUS_WORDS[build.status]}** to ${where(build)} of project \`${build.projectRef}\``,
    "",
    "| | |",
    "|---|---|",
    `| Version | ${build.version ?? "—"} |`,
    `| Environment | ${githubEnvironmentName(build)} |`,
    `| Commit | \`${build.sha.slice(0, 7)}\` |`,
    `| Tasks | ${build.tasks.length > 0 ? build.tasks.map((t) => `\`${t}\``).join(", ") : "—"} |`,
    `| Build time | ${duration(build) ?? "—"} |`,
    "",
    `[Open in the dashboard](${build.dashboardUrl})`,
  ];
  if (build.supersededBy) lines.push("", "Superseded by a newer commit on the same branch.");
  if (build.error) lines.push("", "### Error", "", "```", build.error.message.slice(0, 20_000), "```");
  let summary = lines.join("\n");
  if (summary.length > SUMMARY_LIMIT) summary = `${summary.slice(0, SUMMARY_LIMIT)}\n\n… (truncated)`;
  return { title: title.slice(0, 250), summary };
}

export function checkRunBody(build: GitHubBuild, headSha: string) {
  if (build.awaitingApproval && build.status === "PENDING") {
    return {
      name: GITHUB_CHECK_NAME,
      head_sha: headSha,
      external_id: build.id,
      details_url: build.dashboardUrl,
      status: "completed" as CheckStatus,
      conclusion: "action_required" as CheckConclusion,
      completed_at: new Date(build.createdAt).toISOString(),
      output: {
        title: "A project member must authorize this build",
        summary: `This pull request comes from a fork. Gantry builds it only after a member of project \`${build.projectRef}\` presses **Authorize** (it then builds without the project's build secrets).`,
      },
      actions: [{ label: "Authorize", description: "Build and deploy this fork's code", identifier: "authorize" }],
    };
  }
  const { status, conclusion } = checkStatusOf(build.status);
  return {
    name: GITHUB_CHECK_NAME,
    head_sha: headSha,
    external_id: build.id,
    details_url: build.dashboardUrl,
    status,
    ...(conclusion ? { conclusion, completed_at: new Date(build.finishedAt ?? Date.now()).toISOString() } : {}),
    output: checkRunOutput(build),
    ...(status === "completed"
      ? {
          actions: [
            { label: "Redeploy", description: "Build and deploy this commit again", identifier: "redeploy" },
            ...(build.status === "DEPLOYED" ? [{ label: "Promote", description: "Make this version current again", identifier: "promote" }] : []),
          ],
        }
      : {}),
  };
}

export function commentBody(build: GitHubBuild): string {
  const state = build.archived
    ? "🗄️ Archived (pull request closed)"
    : build.awaitingApproval && build.status === "PENDING"
      ? "🔒 Waiting for a project member to authorize (fork)"
      : STATUS_WORDS[build.status];
  const rows = [
    `| Status | ${state} |`,
    `| Preview branch | \`${build.branch ?? "—"}\` |`,
    `| Version | ${build.version ?? "—"} |`,
    `| Commit | \`${build.sha.slice(0, 7)}\` |`,
    `| Tasks | ${build.tasks.length > 0 ? build.tasks.map((t) => `\`${t}\``).join(", ") : "—"} |`,
  ];
  const parts = [
    COMMENT_MARKER,
    `### Gantry preview for \`${build.projectRef}\``,
    "",
    "| | |",
    "|---|---|",
    ...rows,
    "",
    `[Dashboard](${build.dashboardUrl})`,
  ];
  if (build.recentRuns.length > 0) {
    parts.push("", "**Latest runs on this preview**", "", "| Run | Task | Status |", "|---|---|---|");
    for (const r of build.recentRuns) parts.push(`| [${r.id}](${r.url}) | \`${r.taskIdentifier}\` | ${r.status} |`);
  }
  if (build.error && build.status !== "DEPLOYED") parts.push("", "<details><summary>Error</summary>", "", "```", build.error.message.slice(0, 5000), "```", "</details>");
  if (build.fromFork) parts.push("", "_Built from a fork: without the project's build secrets._");
  return parts.join("\n");
}
