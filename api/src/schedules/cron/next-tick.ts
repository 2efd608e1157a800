import type { CronSpec } from "./parse-cron.js";
import { offsetMs, wallClockMs } from "./zone-time.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** far enough for "0 0 29 2 *" across a skipped leap year (2096 → 2104) */
const MAX_DAYS = 366 * 9;

/**
 * The first tick strictly after `after`, or undefined when the cron never matches (e.g. "0 0 31 2 *").
 *
 * Wall times are matched in `timezone`; across daylight-saving changes (README, "Daylight saving"):
 * - a wall time skipped by a spring-forward change fires shifted by the gap (02:30 → 03:30), once;
 * - a wall time repeated by a fall-back change fires at its first occurrence, and again at the second only
 *   when the hour field is `*` (so "every 15 minutes" keeps its real-time pace, "30 1 * * *" runs once).
 */
export function nextTick(spec: CronSpec, timezone: string, after: Date): Date | undefined {
  const afterMs = after.getTime();
  const startWall = wallClockMs(afterMs, timezone);
  const start = new Date(startWall - DAY);
  for (let k = 0; k <= MAX_DAYS; k++) {
    const base = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + k);
    if (!dayMatches(spec, new Date(base))) continue;
    let best: number | undefined;
    for (const instant of dayTicks(spec, timezone, base)) {
      if (instant > afterMs && (best === undefined || instant < best)) best = instant;
    }
    if (best !== undefined) return new Date(best);
  }
  return undefined;
}

/** The next `count` ticks after `after` (fewer if the cron stops matching). */
export function nextTicks(spec: CronSpec, timezone: string, after: Date, count: number): Date[] {
  const out: Date[] = [];
  let cursor = after;
  while (out.length < count) {
    const t = nextTick(spec, timezone, cursor);
    if (!t) break;
    out.push(t);
    cursor = t;
  }
  return out;
}

/**
 * The latest tick in [firstDue, now], given that `firstDue` is a tick at or before `now`: what the scheduler
 * fires after missing ticks (README, "Missed ticks"). Searches widening windows back from `now`.
 */
export function latestTickAtOrBefore(spec: CronSpec, timezone: string, firstDue: Date, now: Date): Date {
  const floor = firstDue.getTime() - 1;
  for (let window = HOUR; ; window *= 8) {
    const from = Math.max(floor, now.getTime() - window);
    let latest: Date | undefined;
    for (let t = nextTick(spec, timezone, new Date(from)); t && t.getTime() <= now.getTime(); t = nextTick(spec, timezone, t)) latest = t;
    if (latest) return latest;
    if (from === floor) return firstDue;
  }
}

function dayMatches(spec: CronSpec, day: Date): boolean {
  const month = day.getUTCMonth() + 1;
  if (!spec.months[month]) return false;
  const d = day.getUTCDate();
  const daysInMonth = new Date(Date.UTC(day.getUTCFullYear(), month, 0)).getUTCDate();
  const weekday = day.getUTCDay();
  const domMatch = spec.daysOfMonth[d] === true || (spec.lastDayOfMonth && d === daysInMonth);
  const dowMatch = spec.daysOfWeek[weekday] === true || (spec.lastWeekdays[weekday] === true && d + 7 > daysInMonth);
  if (spec.domRestricted && spec.dowRestricted) return domMatch || dowMatch;
  if (spec.domRestricted) return domMatch;
  if (spec.dowRestricted) return dowMatch;
  return true;
}

/** The instants of one local day's matching wall times (`base`: that day's midnight as if UTC). */
function dayTicks(spec: CronSpec, timezone: string, base: number): number[] {
  // ±14 h brackets the local day in every zone; equal offsets mean no change that day (the fast path)
  const before = offsetMs(base - 14 * HOUR, timezone);
  const after = offsetMs(base + DAY + 14 * HOUR, timezone);
  const out: number[] = [];
  for (let h = 0; h < 24; h++) {
    if (!spec.hours[h]) continue;
    for (let m = 0; m < 60; m++) {
      if (!spec.minutes[m]) continue;
      const wall = base + h * HOUR + m * MINUTE;
      if (before === after) {
        out.push(wall - before);
        continue;
      }
      const valid = [...new Set([wall - before, wall - after])]
        .filter((i) => wallClockMs(i, timezone) === wall)
        .sort((a, b) => a - b);
      if (valid.length === 0) out.push(wall - before); // skipped by spring-forward: shifted by the gap
      else {
        out.push(valid[0]!);
        if (valid.length > 1 && spec.everyHour) out.push(valid[1]!);
      }
    }
  }
  return out;
}
