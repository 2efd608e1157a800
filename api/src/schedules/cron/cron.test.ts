import { describe, expect, it } from "vitest";
import { latestTickAtOrBefore, nextTick, nextTicks } from "./next-tick.js";
import { CronError, parseCron } from "./parse-cron.js";
import { canonicalTimezone, supportedTimezones } from "./zone-time.js";

const NY = "America/New_York";
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const ticks = (cron: string, tz: string, from: string, n: number) => iso(nextTicks(parseCron(cron), tz, new Date(from), n));

describe("cron across daylight-saving changes in America/New_York", () => {
  it("spring forward (2026-03-08, 02:00 EST → 03:00 EDT): a skipped 02:30 fires once at 03:30 EDT, then 02:30 EDT", () => {
    expect(ticks("30 2 * * *", NY, "2026-03-07T00:00:00Z", 3)).toEqual([
      "2026-03-07T07:30:00.000Z", // 02:30 EST (UTC-5)
      "2026-03-08T07:30:00.000Z", // 02:30 does not exist: 03:30 EDT
      "2026-03-09T06:30:00.000Z", // 02:30 EDT (UTC-4)
    ]);
  });

  it("spring forward: an hourly cron keeps one tick per real hour and never fires twice at 03:00", () => {
    expect(ticks("0 * * * *", NY, "2026-03-08T05:30:00Z", 4)).toEqual([
      "2026-03-08T06:00:00.000Z", // 01:00 EST
      "2026-03-08T07:00:00.000Z", // 03:00 EDT (02:00 skipped, shifted onto it)
      "2026-03-08T08:00:00.000Z",
      "2026-03-08T09:00:00.000Z",
    ]);
  });

  it("fall back (2026-11-01, 02:00 EDT → 01:00 EST): a daily 01:30 fires once, at its first occurrence", () => {
    expect(ticks("30 1 * * *", NY, "2026-10-31T12:00:00Z", 3)).toEqual([
      "2026-11-01T05:30:00.000Z", // 01:30 EDT; 01:30 EST (06:30Z) does not fire again
      "2026-11-02T06:30:00.000Z", // 01:30 EST
      "2026-11-03T06:30:00.000Z",
    ]);
  });

  it("fall back: an hourly cron fires in both 01:00 hours (one tick per real hour)", () => {
    expect(ticks("0 * * * *", NY, "2026-11-01T04:30:00Z", 4)).toEqual([
      "2026-11-01T05:00:00.000Z", // 01:00 EDT
      "2026-11-01T06:00:00.000Z", // 01:00 EST
      "2026-11-01T07:00:00.000Z", // 02:00 EST
      "2026-11-01T08:00:00.000Z",
    ]);
  });

  it("a daily 09:00 stays at 09:00 local on both sides of each change", () => {
    const local = (d: Date) => d.toLocaleTimeString("en-US", { timeZone: NY, hour12: false });
    const spring = nextTicks(parseCron("0 9 * * *"), NY, new Date("2026-03-06T00:00:00Z"), 4);
    const fall = nextTicks(parseCron("0 9 * * *"), NY, new Date("2026-10-30T00:00:00Z"), 4);
    expect([...spring, ...fall].map(local)).toEqual(new Array(8).fill("09:00:00"));
    expect(iso(spring)).toContain("2026-03-07T14:00:00.000Z");
    expect(iso(spring)).toContain("2026-03-08T13:00:00.000Z");
  });
});

describe("cron syntax", () => {
  it("L is the last day of the month and 5L the last Friday", () => {
    expect(ticks("0 0 L * *", "UTC", "2028-01-15T00:00:00Z", 3)).toEqual([
      "2028-01-31T00:00:00.000Z",
      "2028-02-29T00:00:00.000Z",
      "2028-03-31T00:00:00.000Z",
    ]);
    expect(ticks("0 9 * * 5L", "UTC", "2026-01-01T00:00:00Z", 2)).toEqual(["2026-01-30T09:00:00.000Z", "2026-02-27T09:00:00.000Z"]);
  });

  it("7 and 0 are Sunday; names, ranges and steps work; day fields OR when both are set", () => {
    expect(ticks("0 12 * * 7", "UTC", "2026-01-01T00:00:00Z", 1)).toEqual(["2026-01-04T12:00:00.000Z"]);
    expect(ticks("0 12 * * SUN", "UTC", "2026-01-01T00:00:00Z", 1)).toEqual(["2026-01-04T12:00:00.000Z"]);
    expect(ticks("*/20 8-9 * JAN MON-FRI", "UTC", "2026-01-02T08:30:00Z", 3)).toEqual([
      "2026-01-02T08:40:00.000Z",
      "2026-01-02T09:00:00.000Z",
      "2026-01-02T09:20:00.000Z",
    ]);
    // the 13th or any Friday
    expect(ticks("0 0 13 * 5", "UTC", "2026-01-01T00:00:00Z", 3)).toEqual([
      "2026-01-02T00:00:00.000Z",
      "2026-01-09T00:00:00.000Z",
      "2026-01-13T00:00:00.000Z",
    ]);
  });

  it("a 29 February cron skips to the next leap year; an impossible date never matches", () => {
    expect(ticks("0 0 29 2 *", "UTC", "2026-01-01T00:00:00Z", 1)).toEqual(["2028-02-29T00:00:00.000Z"]);
    expect(nextTick(parseCron("0 0 31 2 *"), "UTC", new Date("2026-01-01T00:00:00Z"))).toBeUndefined();
  });

  it.each([
    ["* * * *", /has 4 fields/],
    ["0 * * * * *", /has 6 fields.*seconds are not supported/],
    ["60 * * * *", /60 is out of range in the minute field/],
    ["0 24 * * *", /out of range in the hour field/],
    ["0 0 0 * *", /out of range in the day-of-month field/],
    ["0 0 * 13 *", /out of range in the month field/],
    ["0 0 * * 8", /out of range in the day-of-week field/],
    ["*/0 * * * *", /step of the minute field/],
    ["5-1 * * * *", /goes backwards/],
    ["abc * * * *", /not valid in the minute field/],
  ])("rejects %s", (cron, message) => {
    expect(() => parseCron(cron)).toThrow(CronError);
    expect(() => parseCron(cron)).toThrow(message);
  });
});

describe("missed ticks", () => {
  it("the latest tick at or before now is the one to fire", () => {
    const spec = parseCron("*/5 * * * *");
    expect(latestTickAtOrBefore(spec, "UTC", new Date("2026-01-01T00:00:00Z"), new Date("2026-01-08T10:12:30Z")).toISOString()).toBe(
      "2026-01-08T10:10:00.000Z",
    );
    const weekly = parseCron("0 0 * * 1");
    expect(latestTickAtOrBefore(weekly, "UTC", new Date("2026-01-05T00:00:00Z"), new Date("2026-03-04T00:00:00Z")).toISOString()).toBe(
      "2026-03-02T00:00:00.000Z",
    );
  });
});

describe("timezones", () => {
  it("validates IANA names and lists them with UTC first", () => {
    expect(canonicalTimezone("America/New_York")).toBe("America/New_York");
    expect(canonicalTimezone("Mars/Olympus_Mons")).toBeUndefined();
    expect(canonicalTimezone("")).toBeUndefined();
    const all = supportedTimezones();
    expect(all[0]).toBe("UTC");
    expect(all).toContain("Asia/Tokyo");
    expect(supportedTimezones({ excludeUtc: true })).not.toContain("UTC");
  });
});
