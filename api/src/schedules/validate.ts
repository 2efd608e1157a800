import { badRequest } from "../errors.js";
import { CronError, parseCron, type CronSpec } from "./cron/parse-cron.js";
import { nextTick } from "./cron/next-tick.js";
import { canonicalTimezone } from "./cron/zone-time.js";

export interface ValidSchedule {
  spec: CronSpec;
  timezone: string;
  /** the first tick after `now` */
  nextTickAt: Date;
}

/**
 * Parses a cron and a timezone from a request; a 400 names the field (`param`) and says what is wrong.
 * A cron that never matches (e.g. "0 0 31 2 *") is refused too.
 */
export function validateSchedule(
  cron: string,
  timezone: string | undefined,
  now: Date,
  params: { cron: string; timezone: string } = { cron: "cron", timezone: "timezone" },
): ValidSchedule {
  let spec: CronSpec;
  try {
    spec = parseCron(cron);
  } catch (error) {
    if (error instanceof CronError) throw badRequest(`Invalid cron: ${error.message}`, params.cron);
    throw error;
  }
  const tz = canonicalTimezone(timezone ?? "UTC");
  if (!tz) {
    throw badRequest(
      `Invalid timezone "${timezone}": use an IANA name such as "America/New_York" (GET /api/v1/timezones lists them)`,
      params.timezone,
    );
  }
  const nextTickAt = nextTick(spec, tz, now);
  if (!nextTickAt) throw badRequest(`Invalid cron: "${cron}" never matches a date`, params.cron);
  return { spec, timezone: tz, nextTickAt };
}
