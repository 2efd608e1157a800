import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { WaitsFigures } from "./waits.js";

const SECTION = /\n*<!-- waits -->[\s\S]*?<!-- \/waits -->\n*/;
const f = (v: number | null | undefined, digits = 2) =>
  v === null || v === undefined || !Number.isFinite(v) ? "n/a" : v.toLocaleString("en-US", { maximumFractionDigits: digits });

/** The RESULTS.md section for durable waits. */
export function renderWaitsSection(fig: WaitsFigures, date: string): string {
  const out = ["<!-- waits -->", `## Durable waits (measured ${date})`, ""];
  out.push(...fig.setup.map((s) => `- ${s}`), "");
  out.push("| figure | p50 | p99 | n |", "|---|---|---|---|");
  if (fig.childRoundTripMs) out.push(`| child-run round trip (triggerAndWait → child done → parent resumed), ms | **${f(fig.childRoundTripMs.p50)}** | ${f(fig.childRoundTripMs.p99)} | ${fig.childRoundTripMs.n} |`);
  if (fig.tokenResumeMs) out.push(`| resume after a token completes, ms | **${f(fig.tokenResumeMs.p50)}** | ${f(fig.tokenResumeMs.p99)} | ${fig.tokenResumeMs.n} |`);
  const w = fig.waiting;
  if (w) {
    out.push(
      "",
      `| ${w.waitingRuns.toLocaleString("en-US")} runs waiting | value | target |`,
      "|---|---|---|",
      `| task processes alive (before they were triggered) | **${w.processes}** (${w.processesBefore}) | a few |`,
      `| memory per waiting run (task processes + runner RSS growth) | **${f(w.kbPerWaitingRun, 1)} KB** | well under 1 MB |`,
      `| RSS of the task processes / the runner, MB (before) | ${f(w.processesRssMb, 1)} (${f(w.processesRssMbBefore, 1)}) / ${f(w.runnerRssMb, 1)} (${f(w.runnerRssMbBefore, 1)}) | |`,
      `| token completed → all ${w.waitingRuns.toLocaleString("en-US")} resumed and COMPLETED | ${f(w.resumeAllS)} s | |`,
    );
  }
  if (fig.problems.length > 0) out.push("", "Problems:", ...fig.problems.map((p) => `- ${p}`));
  out.push("<!-- /waits -->");
  return out.join("\n");
}

/** Puts the figures into results.json (`waits`, with targets) and their section into RESULTS.md, keeping the rest. */
export function writeWaitsResults(outDir: string, figures: WaitsFigures | null): void {
  const jsonPath = join(outDir, "results.json");
  const mdPath = join(outDir, "RESULTS.md");
  const previous = existsSync(jsonPath) ? (JSON.parse(readFileSync(jsonPath, "utf8")) as Record<string, unknown>) : {};
  const stored = figures ? { date: new Date().toISOString(), ...figures } : ((previous.waits ?? null) as (WaitsFigures & { date: string }) | null);
  if (!stored) return;
  const others = Array.isArray(previous.problems) ? (previous.problems as string[]).filter((p) => !p.startsWith("waits")) : [];
  const kb = stored.waiting?.kbPerWaitingRun ?? Number.NaN;
  const targets = {
    ...((previous.targets as Record<string, unknown>) ?? {}),
    waiting_run_kb: { target: "< 1024", value: kb, met: Number.isFinite(kb) ? kb < 1024 : null },
  };
  const next = {
    ...previous,
    child_round_trip_p50_ms: stored.childRoundTripMs?.p50 ?? null,
    child_round_trip_p99_ms: stored.childRoundTripMs?.p99 ?? null,
    token_resume_p50_ms: stored.tokenResumeMs?.p50 ?? null,
    waiting_run_kb: Number.isFinite(kb) ? kb : null,
    targets,
    problems: [...others, ...(figures?.problems ?? [])],
    waits: stored,
  };
  writeFileSync(jsonPath, `${JSON.stringify(next, null, 2)}\n`);
  const md = existsSync(mdPath) ? readFileSync(mdPath, "utf8").replace(SECTION, "\n") : "";
  writeFileSync(mdPath, `${md.trimEnd()}\n\n${renderWaitsSection(stored, stored.date)}\n`);
}
