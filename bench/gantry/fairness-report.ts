import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FairnessFigures } from "./fairness.js";

const SECTION = /\n*<!-- fairness -->[\s\S]*?<!-- \/fairness -->\n*/;

const f = (v: number | null | undefined, digits = 3) =>
  v === null || v === undefined || !Number.isFinite(v) ? "n/a" : v.toLocaleString("en-US", { maximumFractionDigits: digits });

/** The RESULTS.md section for the gate's fairness and overshoot. */
export function renderFairnessSection(fig: FairnessFigures, date: string): string {
  const out = ["<!-- fairness -->", `## Concurrency gate: fairness and overshoot (measured ${date})`, ""];
  out.push(...fig.setup.map((s) => `- ${s}`), "");
  out.push(
    "| figure | value | target |",
    "|---|---|---|",
    `| Jain's index of per-key throughput (${fig.keys} keys, one with 100× the backlog) | **${f(fig.jainIndex)}** | ≥ 0.9 |`,
    `| concurrency overshoot (observed − limit, summed over key, queue, environment) | **${f(fig.overshoot, 0)}** | 0 |`,
    `| observed at once: one key / the queue / the environment | ${fig.observed.key} / ${fig.observed.queue} / ${fig.observed.environment} | ≤ ${fig.limits.key} / ${fig.limits.queue} / ${fig.limits.environment} |`,
    `| starts in the fair window (${f(fig.windowS, 2)} s): the flooding key / each other key | ${fig.floodStarts} / ${fig.otherStarts.min}–${fig.otherStarts.max} | equal |`,
    `| runs/s over the whole backlog (${fig.runs.toLocaleString("en-US")} runs) | ${f(fig.runsPerS, 0)} | |`,
  );
  if (fig.problems.length > 0) out.push("", "Problems:", ...fig.problems.map((p) => `- ${p}`));
  out.push("<!-- /fairness -->");
  return out.join("\n");
}

/**
 * Puts the fairness figures into results.json (`fairness`, `fairness_jain_index`, `concurrency_overshoot`,
 * targets) and their section into RESULTS.md, keeping everything else as the last run wrote it.
 */
export function writeFairnessResults(outDir: string, figures: FairnessFigures | null): void {
  const jsonPath = join(outDir, "results.json");
  const mdPath = join(outDir, "RESULTS.md");
  const previous = existsSync(jsonPath) ? (JSON.parse(readFileSync(jsonPath, "utf8")) as Record<string, unknown>) : {};
  const stored = figures ? { date: new Date().toISOString(), ...figures } : ((previous.fairness ?? null) as (FairnessFigures & { date: string }) | null);
  if (!stored) return;
  const others = Array.isArray(previous.problems) ? (previous.problems as string[]).filter((p) => !p.startsWith("fairness")) : [];
  const check = (v: number, ok: (v: number) => boolean) => (Number.isFinite(v) ? ok(v) : null);
  const targets = {
    ...((previous.targets as Record<string, unknown>) ?? {}),
    fairness_jain_index: { target: "≥ 0.9", value: stored.jainIndex, met: check(stored.jainIndex, (v) => v >= 0.9) },
    concurrency_overshoot: { target: "0", value: stored.overshoot, met: check(stored.overshoot, (v) => v === 0) },
  };
  const next = {
    ...previous,
    fairness_jain_index: stored.jainIndex,
    concurrency_overshoot: stored.overshoot,
    targets,
    problems: [...others, ...(figures?.problems ?? [])],
    fairness: stored,
  };
  writeFileSync(jsonPath, `${JSON.stringify(next, null, 2)}\n`);
  const md = existsSync(mdPath) ? readFileSync(mdPath, "utf8").replace(SECTION, "\n") : "";
  writeFileSync(mdPath, `${md.trimEnd()}\n\n${renderFairnessSection(stored, stored.date)}\n`);
}
