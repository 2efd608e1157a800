import type { Probot } from "probot";
import { GITHUB_RUNS_CHECK_NAME, type RunReport } from "@gantry/sdk/contracts";
import type { GantryClient } from "../gantry-client.js";
import { honourSecondaryRateLimits } from "../rate-limits.js";
import { SyncMemory, syncBuildToGitHub, type ReporterOctokit } from "./sync.js";

const ICON: Record<string, string> = { COMPLETED: "✅", FAILED: "❌", CRASHED: "💥", SYSTEM_FAILURE: "💥", CANCELED: "⏹️", EXPIRED: "⌛", TIMED_OUT: "⌛", EXECUTING: "▶️", WAITING: "⏸️" };

export function runsCheckOutput(report: RunReport): { title: string; summary: string } {
  const counts = Object.entries(report.counts).sort(([a], [b]) => a.localeCompare(b));
  const total = counts.reduce((n, [, c]) => n + c, 0);
  const rows = report.runs.map((r) => `| [${r.id}](${r.url}) | \`${r.taskIdentifier}\` | ${ICON[r.status] ?? "⏳"} ${r.status} | ${new Date(r.createdAt).toISOString()} |`);
  return {
    title: `${total} run${total === 1 ? "" : "s"} on ${report.version}: ${counts.map(([s, c]) => `${c} ${s.toLowerCase()}`).join(", ")}`.slice(0, 250),
    summary: [
      `Runs executed on version **${report.version}** (\`${report.environment}\`), built from this commit. Informational: failed runs never block a merge.`,
      "",
      "| Run | Task | Status | Created |",
      "|---|---|---|---|",
      ...rows,
    ].join("\n"),
  };
}

/**
 * One pass of the "Gantry runs" check runs: every version whose runs changed since `since` gets its commit's
 * check run created or updated (neutral). Called on a timer, so GitHub sees one write per commit per interval
 * at most, whatever the run rate.
 */
export async function reportRunsOnce(probot: Probot, gantry: GantryClient, since: Date, memory: SyncMemory): Promise<number> {
  const { reports } = await gantry.runReports(since);
  let written = 0;
  for (const report of reports) {
    const [owner, repo] = report.repository.split("/") as [string, string];
    const output = runsCheckOutput(report);
    const key = `runs:${report.buildId}`;
    const fingerprint = JSON.stringify(output);
    if (report.runsCheckRunId !== null && memory.same(key, fingerprint)) continue;
    const octokit = honourSecondaryRateLimits(await probot.auth(report.installationId)) as unknown as ReporterOctokit;
    const body = { name: GITHUB_RUNS_CHECK_NAME, status: "completed", conclusion: "neutral", external_id: report.buildId, output };
    if (report.runsCheckRunId === null) {
      const { data } = await octokit.request("POST /repos/{owner}/{repo}/check-runs", { owner, repo, head_sha: report.sha, ...body });
      await gantry.recordGitHubRefs(report.buildId, { runsCheckRunId: data.id });
    } else {
      await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", { owner, repo, check_run_id: report.runsCheckRunId, ...body });
    }
    memory.remember(key, fingerprint);
    written++;
    // a preview's PR comment lists its latest runs: show them (the comment's other content is unchanged)
    if (report.pullRequestNumber !== null) await syncBuildToGitHub(octokit, gantry, await gantry.build(report.buildId), memory);
  }
  return written;
}

/** Runs `reportRunsOnce` every `intervalMs` (looking back two intervals, so nothing falls between passes). */
export function startRunsReporter(opts: { probot: Probot; gantry: GantryClient; intervalMs: number; memory: SyncMemory }): { close(): void } {
  const memory = opts.memory;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    reportRunsOnce(opts.probot, opts.gantry, new Date(Date.now() - 2 * opts.intervalMs), memory)
      .catch((error: unknown) => opts.probot.log.warn({ err: error }, "reporting runs to GitHub failed"))
      .finally(() => (running = false));
  }, opts.intervalMs);
  timer.unref();
  return { close: () => clearInterval(timer) };
}
