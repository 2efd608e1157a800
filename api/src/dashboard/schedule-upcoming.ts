import type { ApiDeps, AuthEnvironment } from "../context.js";
import { badRequest } from "../errors.js";
import { nextTicks } from "../schedules/cron/next-tick.js";
import { parseCron } from "../schedules/cron/parse-cron.js";
import { retrieveSchedule } from "../schedules/service.js";

const MAX_COUNT = 20;

/** Parses `?count=` (default 5, at most 20). */
export function upcomingCount(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 5;
  const n = /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= MAX_COUNT)) throw badRequest(`count must be a whole number from 1 to ${MAX_COUNT}`, "count");
  return n;
}

/**
 * `GET /api/v1/dashboard/schedules/:id/upcoming`: the schedule's next `count` ticks from now, computed from its cron
 * and timezone the way the scheduler computes them (the first is the API's `nextRun`). An inactive schedule has none.
 */
export async function upcomingRuns(deps: ApiDeps, env: AuthEnvironment, id: string, count: number): Promise<{ id: string; upcoming: string[] }> {
  const schedule = await retrieveSchedule(deps, env, id);
  if (!schedule.active) return { id, upcoming: [] };
  const ticks = nextTicks(parseCron(schedule.generator.expression), schedule.timezone, deps.clock(), count);
  return { id, upcoming: ticks.map((t) => t.toISOString()) };
}
