import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BatchFigures, BatchPhase } from "./batch.js";

const SECTION = /\n*<!-- batch -->[\s\S]*?<!-- \/batch -->\n*/;

const f = (v: number | null | undefined, digits = 1) =>
  v === null || v === undefined || !Number.isFinite(v) ? "n/a" : v.toLocaleString("en-US", { maximumFractionDigits: digits });

/** The RESULTS.md section for batch triggers. */
export function renderBatchSection(batch: BatchFigures, date: string): string {
  const out: string[] = ["<!-- batch -->", `## Batch trigger: ${batch.batchSize.toLocaleString("en-US")}-item batches (measured ${date})`, ""];
  out.push(...batch.setup.map((s) => `- ${s}`), "");
  out.push("| | batches | in flight | items/s | one batch p50 / p99 |", "|---|---|---|---|---|");
  const row = (name: string, p: BatchPhase | undefined) =>
    p ? `| ${name} | ${p.batches} | ${p.inFlight} | ${f(p.itemsPerS, 0)} | ${f(p.batchMs.p50)} / ${f(p.batchMs.p99)} ms |` : `| ${name} | | | not measured | |`;
  out.push(
    row("Gantry, one at a time", batch.gantry?.sequential),
    row("Gantry, concurrent", batch.gantry?.concurrent),
    row("raw BullMQ addBulk, one at a time", batch.bullmq?.sequential),
    row("raw BullMQ addBulk, concurrent", batch.bullmq?.concurrent),
    "",
    `Gantry ÷ raw BullMQ addBulk (concurrent, same run): **${f(batch.ratio, 3)}×**.`,
  );
  if (batch.gantry) {
    out.push(
      "",
      "Table reads during Gantry's concurrent phase (sequential scans would grow with the tables):",
      "",
      "| table | seq scans | seq tuples read | index scans |",
      "|---|---|---|---|",
      ...Object.entries(batch.gantry.tables).map(([t, s]) => `| ${t} | ${s.seqScan} | ${s.seqTupRead} | ${s.idxScan} |`),
    );
  }
  if (batch.problems.length > 0) out.push("", "Problems:", ...batch.problems.map((p) => `- ${p}`));
  out.push("<!-- /batch -->");
  return out.join("\n");
}

/**
 * Puts the batch figures into results.json (`batch`, `batch_items_per_s`, `bullmq_addbulk_items_per_s`,
 * `batch_vs_bullmq_addbulk`) and their section into RESULTS.md, keeping everything else as the last run wrote
 * it. Without new figures, the last ones are written back (so a run that did not measure batches keeps them).
 */
export function writeBatchResults(
  outDir: string,
  figures: BatchFigures | null,
  /** the figures to keep when this run has none (read before the run rewrote results.json) */
  lastFigures?: (BatchFigures & { date: string }) | null,
): void {
  const jsonPath = join(outDir, "results.json");
  const mdPath = join(outDir, "RESULTS.md");
  const previous = existsSync(jsonPath) ? (JSON.parse(readFileSync(jsonPath, "utf8")) as Record<string, unknown>) : {};
  const last = lastFigures ?? ((previous.batch ?? null) as (BatchFigures & { date: string }) | null);
  // a run that skipped the phase (time budget) keeps the last figures, and says why it has none of its own
  const measured = figures && (figures.gantry || figures.bullmq) ? figures : null;
  let stored: (BatchFigures & { date: string }) | null;
  if (measured) stored = { ...measured, date: new Date().toISOString() };
  else if (last) stored = { ...last, problems: [...last.problems.filter((p) => !p.includes("skipped")), ...(figures?.problems ?? [])] };
  else stored = figures ? { ...figures, date: new Date().toISOString() } : null;
  if (!stored) return;
  const others = Array.isArray(previous.problems) ? (previous.problems as string[]).filter((p) => !p.startsWith("batch")) : [];
  const next = {
    ...previous,
    batch_items_per_s: stored.gantry?.concurrent.itemsPerS ?? null,
    bullmq_addbulk_items_per_s: stored.bullmq?.concurrent.itemsPerS ?? null,
    batch_vs_bullmq_addbulk: stored.ratio ?? null,
    problems: [...others, ...stored.problems.map((p) => (p.startsWith("batch") ? p : `batch: ${p}`))],
    batch: stored,
  };
  writeFileSync(jsonPath, `${JSON.stringify(next, null, 2)}\n`);
  const md = existsSync(mdPath) ? readFileSync(mdPath, "utf8").replace(SECTION, "\n") : "";
  writeFileSync(mdPath, `${md.trimEnd()}\n\n${renderBatchSection(stored, stored.date)}\n`);
}

/** The batch figures the last run wrote into results.json, if any. */
export function lastBatchFigures(outDir: string): (BatchFigures & { date: string }) | null {
  const jsonPath = join(outDir, "results.json");
  if (!existsSync(jsonPath)) return null;
  try {
    return ((JSON.parse(readFileSync(jsonPath, "utf8")) as { batch?: BatchFigures & { date: string } }).batch ?? null);
  } catch {
    return null;
  }
}

export function printBatchSummary(batch: BatchFigures | null): void {
  if (!batch) return;
  console.log("");
  console.log(`  batch_items_per_s (1,000-item batches)  ${f(batch.gantry?.concurrent.itemsPerS, 0)} items/s`);
  console.log(`  bullmq_addbulk_items_per_s              ${f(batch.bullmq?.concurrent.itemsPerS, 0)} items/s`);
  console.log(`  batch / bullmq addBulk                  ${f(batch.ratio, 3)} ×`);
  for (const p of batch.problems) console.log(`  - ${p}`);
}
