import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RealtimeFigures } from "./phase.js";

const SECTION = /\n*<!-- realtime -->[\s\S]*?<!-- \/realtime -->\n*/;

const f = (v: number | null | undefined, digits = 1) =>
  v === null || v === undefined || !Number.isFinite(v) ? "n/a" : v.toLocaleString("en-US", { maximumFractionDigits: digits });

/** The RESULTS.md section for realtime: status change → subscriber latency, memory per subscription. */
export function renderRealtimeSection(fig: RealtimeFigures, date: string, quick: boolean): string {
  const out = ["<!-- realtime -->", `## Realtime: status change → subscriber (measured ${date}${quick ? ", --quick" : ""})`, ""];
  out.push(...fig.setup.map((s) => `- ${s}`), "");
  out.push(
    "| figure | value |",
    "|---|---|",
    `| open subscriptions | ${fig.openSubscriptions.toLocaleString("en-US")} |`,
    `| status change → subscriber p50 / p90 / p99 / max (${fig.changes} changes) | **${f(fig.latencyMs.p50)}** / ${f(fig.latencyMs.p90)} / **${f(fig.latencyMs.p99)}** / ${f(fig.latencyMs.max)} ms |`,
    `| api memory per open subscription | **${f(fig.kbPerSubscription)} KB** (RSS ${f(fig.apiRssMb.before)} → ${f(fig.apiRssMb.after)} MB) |`,
  );
  if (fig.problems.length > 0) out.push("", "Problems:", ...fig.problems.map((p) => `- ${p}`));
  out.push("<!-- /realtime -->");
  return out.join("\n");
}

/**
 * Puts the realtime figures into results.json (`realtime`, `realtime_subscriber_p50_ms`, `…_p99_ms`,
 * `realtime_kb_per_subscription`) and their section into RESULTS.md, keeping everything else as the last run
 * wrote it. With no figures (the phase did not run) the previous ones are written back, so they survive runs
 * that rewrite the two files.
 */
export function writeRealtimeResults(outDir: string, figures: RealtimeFigures | null, quick = false): void {
  const jsonPath = join(outDir, "results.json");
  const mdPath = join(outDir, "RESULTS.md");
  const previous = existsSync(jsonPath) ? (JSON.parse(readFileSync(jsonPath, "utf8")) as Record<string, unknown>) : {};
  type Stored = RealtimeFigures & { date: string; quick: boolean };
  const stored: Stored | null = figures ? { date: new Date().toISOString(), quick, ...figures } : ((previous.realtime ?? null) as Stored | null);
  if (!stored) return;
  const others = Array.isArray(previous.problems) ? (previous.problems as string[]).filter((p) => !p.startsWith("realtime")) : [];
  const next = {
    ...previous,
    realtime_subscriber_p50_ms: stored.latencyMs.p50,
    realtime_subscriber_p99_ms: stored.latencyMs.p99,
    realtime_kb_per_subscription: stored.kbPerSubscription,
    problems: [...others, ...(figures ? figures.problems : ((previous.problems as string[] | undefined) ?? []).filter((p) => p.startsWith("realtime")))],
    realtime: stored,
  };
  writeFileSync(jsonPath, `${JSON.stringify(next, null, 2)}\n`);
  const md = existsSync(mdPath) ? readFileSync(mdPath, "utf8").replace(SECTION, "\n") : "";
  writeFileSync(mdPath, `${md.trimEnd()}\n\n${renderRealtimeSection(stored, stored.date.slice(0, 10), stored.quick)}\n`);
}
