import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderDashboardSection, type DashboardFigures } from "./runs-list.js";

const SECTION = /\n*<!-- dashboard -->[\s\S]*?<!-- \/dashboard -->\n*/;

/**
 * Puts the dashboard figures into results.json (`dashboard`, `dashboard_runs_list_p95_ms`) and their section
 * into RESULTS.md, keeping everything else as the last run wrote it. Figures that could not be measured keep
 * the previous ones and the problem is recorded.
 */
export function writeDashboardResults(outDir: string, figures: DashboardFigures | null, problems: string[]): void {
  const jsonPath = join(outDir, "results.json");
  const mdPath = join(outDir, "RESULTS.md");
  const previous = existsSync(jsonPath) ? (JSON.parse(readFileSync(jsonPath, "utf8")) as Record<string, unknown>) : {};
  const date = new Date().toISOString();
  const others = Array.isArray(previous.problems) ? (previous.problems as string[]).filter((p) => !p.startsWith("dashboard")) : [];
  const next: Record<string, unknown> = { ...previous, problems: [...others, ...problems] };
  if (figures) {
    next.dashboard = { date, ...figures };
    next.dashboard_runs_list_p95_ms = figures.worst_p95_ms;
  }
  writeFileSync(jsonPath, `${JSON.stringify(next, null, 2)}\n`);
  const stored = (next.dashboard ?? null) as (DashboardFigures & { date: string }) | null;
  if (!stored) return;
  const md = existsSync(mdPath) ? readFileSync(mdPath, "utf8").replace(SECTION, "\n") : "";
  writeFileSync(mdPath, `${md.trimEnd()}\n\n${renderDashboardSection(stored, stored.date)}\n`);
}

/**
 * Before a run rewrites results.json and RESULTS.md: keeps the dashboard figures (this run's, or the previous
 * run's when this one did not measure them) and returns what puts them back afterwards.
 */
export function keepDashboardResults(outDir: string, measured: DashboardFigures | null): () => void {
  const jsonPath = join(outDir, "results.json");
  const previous = existsSync(jsonPath) ? ((JSON.parse(readFileSync(jsonPath, "utf8")) as { dashboard?: DashboardFigures & { date: string } }).dashboard ?? null) : null;
  return () => {
    if (measured) return writeDashboardResults(outDir, measured, []);
    if (!previous) return;
    const results = JSON.parse(readFileSync(jsonPath, "utf8")) as Record<string, unknown>;
    writeFileSync(jsonPath, `${JSON.stringify({ ...results, dashboard: previous, dashboard_runs_list_p95_ms: previous.worst_p95_ms }, null, 2)}\n`);
    const mdPath = join(outDir, "RESULTS.md");
    const md = existsSync(mdPath) ? readFileSync(mdPath, "utf8").replace(SECTION, "\n") : "";
    writeFileSync(mdPath, `${md.trimEnd()}\n\n${renderDashboardSection(previous, previous.date)}\n`);
  };
}
