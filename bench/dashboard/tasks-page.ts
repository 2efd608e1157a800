// The tasks page's API (GET /api/v1/dashboard/tasks: 7-day counts per task and status, average and p95 duration)
// over the dashboard bench's million runs. The page polls every 5 s; the api keeps each environment's figures
// for 15 s and refreshes them behind the poll (api/src/dashboard/task-stats-cache.ts), so three figures matter:
// the computation itself (what the database pays every 15 s per watched environment, and what the first
// viewer waits), the first call, and the polled calls.
import pg from "pg";
import { createSql } from "../../api/src/db/sql.js";
import { selectTaskStats } from "../../api/src/dashboard/queries/tasks.js";
import { percentile, round } from "../lib/stats.js";

const WINDOW_MS = 7 * 24 * 3600_000;

export interface TasksPageFigures {
  /** rows in the 7-day window of the environment, as the page counts them */
  window_runs: number;
  computation: { n: number; p50_ms: number; max_ms: number };
  first_call_ms: number;
  polled: { n: number; p50_ms: number; p95_ms: number; max_ms: number };
}

interface TasksBody {
  asOf: string;
  data: Array<{ id: string; runs: number }>;
}

async function get(url: string, key: string): Promise<{ ms: number; body: TasksBody }> {
  const t0 = performance.now();
  const res = await fetch(`${url}/api/v1/dashboard/tasks`, { headers: { authorization: `Bearer ${key}` } });
  const body = (await res.json()) as TasksBody & { error?: string };
  const ms = performance.now() - t0;
  if (!res.ok) throw new Error(`GET /api/v1/dashboard/tasks answered ${res.status}: ${body.error ?? ""}`);
  return { ms, body };
}

export async function benchTasksPage(
  opts: { url: string; key: string; databaseUrl: string; environmentId: string; quick: boolean },
  log: (line: string) => void,
): Promise<TasksPageFigures> {
  const first = await get(opts.url, opts.key);
  const windowRuns = first.body.data.reduce((n, t) => n + t.runs, 0);
  // the figures are right: the same window counted straight from the table
  const db = new pg.Client({ connectionString: opts.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ n: string }>("select count(*)::text as n from runs where environment_id = $1 and created_at >= $2", [
      opts.environmentId,
      new Date(new Date(first.body.asOf).getTime() - WINDOW_MS),
    ]);
    if (Number(rows[0]!.n) !== windowRuns || windowRuns === 0) {
      throw new Error(`dashboard: the tasks page counted ${windowRuns} runs in its window, the table has ${rows[0]!.n}`);
    }
  } finally {
    await db.end();
  }

  const sql = createSql(opts.databaseUrl, { max: 1 });
  const computed: number[] = [];
  try {
    for (let i = 0; i < (opts.quick ? 3 : 8); i++) {
      const t0 = performance.now();
      await selectTaskStats(sql, opts.environmentId, new Date(Date.now() - WINDOW_MS));
      computed.push(performance.now() - t0);
    }
  } finally {
    await sql.end({ timeout: 5 });
  }

  const polled: number[] = [];
  for (let i = 0; i < (opts.quick ? 40 : 200); i++) polled.push((await get(opts.url, opts.key)).ms);
  const figures: TasksPageFigures = {
    window_runs: windowRuns,
    computation: { n: computed.length, p50_ms: round(percentile(computed, 50)), max_ms: round(Math.max(...computed)) },
    first_call_ms: round(first.ms),
    polled: { n: polled.length, p50_ms: round(percentile(polled, 50)), p95_ms: round(percentile(polled, 95)), max_ms: round(Math.max(...polled)) },
  };
  log(
    `  tasks page: computation p50 ${figures.computation.p50_ms} ms (max ${figures.computation.max_ms}), first call ${figures.first_call_ms} ms, ` +
      `polled p50 ${figures.polled.p50_ms} ms, p95 ${figures.polled.p95_ms} ms`,
  );
  return figures;
}

export function renderTasksPage(t: TasksPageFigures): string[] {
  return [
    `Tasks page (GET /api/v1/dashboard/tasks, ${t.window_runs.toLocaleString("en-US")} runs in its 7-day window; figures kept 15 s per environment and refreshed behind the 5 s poll):`,
    "",
    "| tasks page | requests | p50 ms | p95 ms | max ms |",
    "|---|---|---|---|---|",
    `| the computation (every 15 s per watched environment) | ${t.computation.n} | ${t.computation.p50_ms} | | ${t.computation.max_ms} |`,
    `| first call (waits for it) | 1 | ${t.first_call_ms} | | ${t.first_call_ms} |`,
    `| polled | ${t.polled.n} | ${t.polled.p50_ms} | ${t.polled.p95_ms} | ${t.polled.max_ms} |`,
  ];
}
