// Dashboard bench (issue 8): the runs page's API call, GET /api/v1/runs, with a million runs in the database
// (data.ts: final runs over 30 days, 20 tasks and queues, two environments, skewed tags, a version per day, a
// batch, a schedule). Each filter the runs page offers is timed, paging through the first pages as a user does,
// including values that are rare or that nothing has. Target: p95 under 150 ms for every filter. Then the tasks
// page's API (tasks-page.ts).
import { randomBytes } from "node:crypto";
import pg from "pg";
import { FIXTURE, insertRuns } from "./data.js";
import { benchTasksPage, renderTasksPage, type TasksPageFigures } from "./tasks-page.js";
import { startChild } from "../gantry/child.js";
import { registerCleanup } from "../lib/cleanup.js";
import { createFreshDatabase, dropDatabase } from "../lib/pg-admin.js";
import { deleteRedisKeys } from "../lib/redis-cleanup.js";
import { percentile, round } from "../lib/stats.js";

export const DASHBOARD_TARGET_P95_MS = 150;

export interface ListScenario {
  name: string;
  query: string;
  /** rows of the first page (the filter is not vacuous) */
  firstPageRows: number;
  n: number;
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
}

export interface DashboardFigures {
  runs: number;
  insert_s: number;
  page_size: number;
  target_p95_ms: number;
  worst_p95_ms: number;
  scenarios: ListScenario[];
  /** absent in figures written before the tasks page was measured */
  tasks_page?: TasksPageFigures;
}

async function time(url: string, key: string, query: string): Promise<{ ms: number; rows: number; next?: string }> {
  const t0 = performance.now();
  const res = await fetch(`${url}/api/v1/runs?${query}`, { headers: { authorization: `Bearer ${key}` } });
  const body = (await res.json()) as { data?: unknown[]; pagination?: { next?: string }; error?: string };
  const ms = performance.now() - t0;
  if (!res.ok) throw new Error(`GET /api/v1/runs?${query} answered ${res.status}: ${body.error ?? ""}`);
  return { ms, rows: body.data?.length ?? 0, ...(body.pagination?.next ? { next: body.pagination.next } : {}) };
}

/** Times one filter: `samples` requests, each a page of the first `pages` (following `next`), after a warm-up. */
async function scenario(url: string, key: string, name: string, query: string, samples: number, pages = 4): Promise<ListScenario> {
  const first = await time(url, key, query);
  for (let i = 0; i < 3; i++) await time(url, key, query);
  const times: number[] = [];
  let cursor: string | undefined;
  let page = 0;
  for (let i = 0; i < samples; i++) {
    const q = cursor ? `${query}&page[after]=${encodeURIComponent(cursor)}` : query;
    const r = await time(url, key, q);
    times.push(r.ms);
    page++;
    cursor = page < pages ? r.next : undefined;
    if (!cursor) page = 0;
  }
  return { name, query, firstPageRows: first.rows, n: times.length, p50_ms: round(percentile(times, 50)), p95_ms: round(percentile(times, 95)), max_ms: round(Math.max(...times)) };
}

export async function benchDashboard(opts: { quick: boolean; databaseUrl: string; redisUrl: string }, log: (line: string) => void): Promise<DashboardFigures> {
  const runs = opts.quick ? 100_000 : 1_000_000;
  const samples = opts.quick ? 40 : 200;
  const tag = randomBytes(4).toString("hex");
  const name = `gantry_bench_dashboard_${tag}`;
  const prefix = `gantry-bench-dashboard-${tag}`;
  const dbUrl = await createFreshDatabase(opts.databaseUrl, name);
  const cleanup = registerCleanup(`dashboard database ${name}`, async () => {
    await dropDatabase(opts.databaseUrl, name).catch(() => {});
    await deleteRedisKeys(opts.redisUrl, prefix).catch(() => {});
  });
  const api = await startChild("api", "./api-child.ts", {
    DATABASE_URL: dbUrl,
    REDIS_URL: opts.redisUrl,
    GANTRY_REDIS_PREFIX: prefix,
    GANTRY_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    PORT: "0",
    GANTRY_LOG_LEVEL: "warn",
    GANTRY_API_RATE_LIMIT_PER_MINUTE: "1000000000",
  });
  const db = new pg.Client({ connectionString: dbUrl });
  try {
    await db.connect();
    const url = api.ready.url!;
    const seed = api.ready.seed!;
    const key = seed.environments.prod.apiKey;
    log(`dashboard: writing ${runs.toLocaleString("en-US")} runs`);
    const t0 = performance.now();
    await insertRuns(db, runs, { prod: seed.environments.prod.id, staging: seed.environments.staging.id, project: seed.projectId }, log);
    // what autovacuum does after a bulk change; the api's planner statistics come from it
    await db.query("analyze runs");
    await db.query("analyze deployments");
    const insertS = round((performance.now() - t0) / 1000, 1);
    log(`  ${insertS} s (with ANALYZE)`);

    const { rows } = await db.query<{ t: Date }>("select created_at as t from runs order by created_at desc offset $1 limit 1", [Math.floor(runs / 2)]);
    const mid = rows[0]!.t.getTime();
    const day = 24 * 3600_000;
    const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
    const size = "page[size]=25";
    const cases: Array<[string, string]> = [
      ["no filter", size],
      ["status FAILED (8%)", `${size}&filter[status]=FAILED`],
      ["status SYSTEM_FAILURE (0.3%)", `${size}&filter[status]=SYSTEM_FAILURE`],
      ["task (5%)", `${size}&filter[taskIdentifier]=task-7`],
      ["tag, common (33%)", `${size}&filter[tag]=priority`],
      ["tag, rare (0.13%)", `${size}&filter[tag]=customer-42`],
      ["createdAt, one day 15 days ago", `${size}&filter[createdAt][from]=${iso(mid - day / 2)}&filter[createdAt][to]=${iso(mid + day / 2)}`],
      ["status + task", `${size}&filter[status]=FAILED&filter[taskIdentifier]=task-3`],
      ["status + createdAt", `${size}&filter[status]=CRASHED&filter[createdAt][from]=${iso(mid - 3 * day)}&filter[createdAt][to]=${iso(mid)}`],
      // filters that match nothing must not read the whole environment to say so
      ["status EXECUTING (none)", `${size}&filter[status]=EXECUTING`],
      ["tag nobody has", `${size}&filter[tag]=no-such-tag`],
      ["task nobody has", `${size}&filter[taskIdentifier]=no-such-task`],
      // a version's runs are the days it was current: far from the newest runs
      ["version, 15 days old (3%)", `${size}&filter[version]=${FIXTURE.dayVersion(15)}`],
      ["version, hotfix (0.1%)", `${size}&filter[version]=${FIXTURE.rareVersion}`],
      ["version + status", `${size}&filter[version]=${FIXTURE.dayVersion(20)}&filter[status]=FAILED`],
      ["version nobody has", `${size}&filter[version]=29990101.1`],
      ["queue (5%)", `${size}&filter[queue]=task/task-3`],
      ["queue nobody has", `${size}&filter[queue]=task/no-such-queue`],
      ["batch (1,000 runs, 15 days old)", `${size}&filter[batch]=${FIXTURE.batchId}`],
      ["batch nobody has", `${size}&filter[batch]=batch_nosuchbatch000000000001`],
      ["schedule (1%)", `${size}&filter[schedule]=${FIXTURE.scheduleId}`],
      ["schedule nobody has", `${size}&filter[schedule]=sched_nosuchschedule000001`],
    ];
    const empty = new Set([
      "status EXECUTING (none)", "tag nobody has", "task nobody has", "version nobody has", "queue nobody has", "batch nobody has",
      "schedule nobody has",
    ]);
    const scenarios: ListScenario[] = [];
    for (const [label, query] of cases) {
      const s = await scenario(url, key, label, query, samples);
      if (s.firstPageRows === 0 && !empty.has(label)) throw new Error(`dashboard: the filter "${label}" matched no runs: the data set is wrong`);
      scenarios.push(s);
      log(`  ${label.padEnd(34)} p50 ${s.p50_ms} ms, p95 ${s.p95_ms} ms, max ${s.max_ms} ms`);
    }
    const tasksPage = await benchTasksPage({ url, key, databaseUrl: dbUrl, environmentId: seed.environments.prod.id, quick: opts.quick }, log);
    return {
      runs,
      insert_s: insertS,
      page_size: 25,
      target_p95_ms: DASHBOARD_TARGET_P95_MS,
      worst_p95_ms: Math.max(...scenarios.map((s) => s.p95_ms)),
      scenarios,
      tasks_page: tasksPage,
    };
  } finally {
    await db.end().catch(() => {});
    await api.stop();
    await cleanup();
  }
}

/** The RESULTS.md section (between markers, so a `--only dashboard` run replaces just this part). */
export function renderDashboardSection(f: DashboardFigures, date: string): string {
  const lines = [
    "<!-- dashboard -->",
    "## Dashboard: runs list at scale",
    "",
    `${f.runs.toLocaleString("en-US")} runs in the database (written in ${f.insert_s} s with generate_series, then ANALYZE); ` +
      `GET /api/v1/runs, ${f.page_size} per page, first 4 pages, client round trip on loopback (${date}). ` +
      `Target: p95 under ${f.target_p95_ms} ms for every filter: **${f.worst_p95_ms <= f.target_p95_ms ? "met" : "NOT met"}** (worst p95 ${f.worst_p95_ms} ms).`,
    "",
    "| filter | requests | p50 ms | p95 ms | max ms |",
    "|---|---|---|---|---|",
    ...f.scenarios.map((s) => `| ${s.name} | ${s.n} | ${s.p50_ms} | ${s.p95_ms} | ${s.max_ms} |`),
    ...(f.tasks_page ? ["", ...renderTasksPage(f.tasks_page)] : []),
    "<!-- /dashboard -->",
  ];
  return lines.join("\n");
}
