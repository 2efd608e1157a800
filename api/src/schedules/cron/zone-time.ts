/**
 * Wall-clock time in an IANA timezone, from Intl alone (no tz database of our own): the offset at an instant,
 * and validation / canonical names of zones.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** The wall-clock time at `instantMs` in `timezone`, as if it were UTC (ms, whole minutes). */
export function wallClockMs(instantMs: number, timezone: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(timezone).formatToParts(new Date(instantMs))) {
    if (part.type !== "literal") p[part.type] = Number(part.value);
  }
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!);
}

/** The zone's offset from UTC at an instant, in ms (New York in winter: -5 h). */
export function offsetMs(instantMs: number, timezone: string): number {
  const minute = Math.floor(instantMs / 60_000) * 60_000;
  return wallClockMs(minute, timezone) - minute;
}

/** The canonical IANA name of a zone Intl knows ("utc" → "UTC"), or undefined. */
export function canonicalTimezone(timezone: string): string | undefined {
  if (timezone.trim() === "") return undefined;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** Every zone a schedule may use, sorted; "UTC" first unless excluded. */
export function supportedTimezones(opts: { excludeUtc?: boolean } = {}): string[] {
  const zones = Intl.supportedValuesOf("timeZone").filter((z) => z !== "UTC").sort();
  return opts.excludeUtc ? zones : ["UTC", ...zones];
}
