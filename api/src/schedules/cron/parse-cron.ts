/**
 * The reference's 5-field cron (no seconds): minute hour day-of-month month day-of-week, with `*`, lists,
 * ranges, steps, month and weekday names, `L` (last day of the month) and `1L`–`7L` (last Monday…Sunday of
 * the month). Day-of-week 0 and 7 are Sunday. When both day fields are restricted a day matches either
 * (classic cron).
 */
export interface CronSpec {
  expression: string;
  minutes: boolean[];
  hours: boolean[];
  /** index 1–31 */
  daysOfMonth: boolean[];
  lastDayOfMonth: boolean;
  /** index 1–12 */
  months: boolean[];
  /** index 0–6, 0 = Sunday */
  daysOfWeek: boolean[];
  /** `5L`: the last Friday of the month, index 0–6 */
  lastWeekdays: boolean[];
  domRestricted: boolean;
  dowRestricted: boolean;
  /** the hour field is `*`: the repeated hour of a fall-back change fires again (see README) */
  everyHour: boolean;
}

/** A cron expression that does not parse; the message says what is wrong. */
export class CronError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CronError";
  }
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldDef {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** value of names[0] */
  namesFrom?: number;
}

const FIELDS: FieldDef[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  { name: "day-of-week", min: 0, max: 7, names: WEEKDAYS, namesFrom: 0 },
];

export function parseCron(expression: string): CronSpec {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5 || parts[0] === "") {
    throw new CronError(
      `"${expression}" has ${count(parts[0] === "" ? 0 : parts.length, "field")}; a cron has 5: minute hour day-of-month month day-of-week (seconds are not supported), e.g. "0 * * * *"`,
    );
  }
  const [minute, hour, dom, month, dow] = parts as [string, string, string, string, string];
  const domField = parseDayOfMonth(dom);
  const dowField = parseDayOfWeek(dow);
  return {
    expression: parts.join(" "),
    minutes: parseField(minute, FIELDS[0]!),
    hours: parseField(hour, FIELDS[1]!),
    daysOfMonth: domField.values,
    lastDayOfMonth: domField.last,
    months: parseField(month, FIELDS[3]!),
    daysOfWeek: dowField.values,
    lastWeekdays: dowField.last,
    domRestricted: !isWildcard(dom),
    dowRestricted: !isWildcard(dow),
    everyHour: isWildcard(hour),
  };
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

const isWildcard = (field: string) => field === "*" || field === "?" || field === "*/1";

function parseDayOfMonth(field: string): { values: boolean[]; last: boolean } {
  const items = field.split(",");
  const last = items.some((i) => i.toUpperCase() === "L");
  const rest = items.filter((i) => i.toUpperCase() !== "L");
  return { values: rest.length ? parseField(rest.join(","), FIELDS[2]!) : new Array<boolean>(32).fill(false), last };
}

function parseDayOfWeek(field: string): { values: boolean[]; last: boolean[] } {
  const def = FIELDS[4]!;
  const last = new Array<boolean>(7).fill(false);
  const plain: string[] = [];
  for (const item of field.split(",")) {
    const m = /^([0-7])L$/i.exec(item);
    if (m) last[Number(m[1]) % 7] = true;
    else plain.push(item);
  }
  const values = plain.length ? parseField(plain.join(","), def) : new Array<boolean>(8).fill(false);
  const week = new Array<boolean>(7).fill(false);
  values.forEach((on, i) => {
    if (on) week[i % 7] = true;
  });
  return { values: week, last };
}

function parseField(field: string, def: FieldDef): boolean[] {
  const out = new Array<boolean>(def.max + 1).fill(false);
  if (field === "") throw new CronError(`the ${def.name} field is empty`);
  for (const item of field.split(",")) {
    const [range, stepText, extra] = item.split("/");
    if (extra !== undefined) throw new CronError(`"${item}" in the ${def.name} field has two steps`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new CronError(`"${item}": the step of the ${def.name} field must be a positive whole number`);
    let from: number;
    let to: number;
    if (range === "*" || range === "?") {
      from = def.min;
      to = def.name === "day-of-week" ? 6 : def.max;
    } else {
      const [a, b, more] = range!.split("-");
      if (more !== undefined) throw new CronError(`"${item}" is not a valid range in the ${def.name} field`);
      from = value(a!, def, item);
      to = b === undefined ? (stepText === undefined ? from : def.max) : value(b, def, item);
      if (to < from) throw new CronError(`"${item}": the range of the ${def.name} field goes backwards`);
    }
    for (let v = from; v <= to; v += step) out[v] = true;
  }
  return out;
}

function value(text: string, def: FieldDef, item: string): number {
  const named = def.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + (def.namesFrom ?? 0);
  if (!/^\d+$/.test(text)) throw new CronError(`"${item}" is not valid in the ${def.name} field (${def.min}-${def.max}${def.names ? ` or ${def.names[0]}-${def.names[def.names.length - 1]}` : ""})`);
  const n = Number(text);
  if (n < def.min || n > def.max) throw new CronError(`${n} is out of range in the ${def.name} field (${def.min}-${def.max})`);
  return n;
}
