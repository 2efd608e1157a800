/** The JSON Schema keywords the test panel checks (what zod's toJSONSchema emits for common schemas). */
interface Schema {
  type?: string | string[];
  required?: string[];
  properties?: Record<string, unknown>;
  additionalProperties?: unknown;
  enum?: unknown[];
  const?: unknown;
  items?: unknown;
  anyOf?: unknown[];
  oneOf?: unknown[];
  allOf?: unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * A small JSON-Schema check for the test panel (type, required, properties, additionalProperties: false, enum,
 * const, items, anyOf/oneOf/allOf, string lengths, pattern and formats, number bounds, array lengths): enough to
 * catch a wrong payload before triggering; the task validates fully when it runs. Undefined when it fits (or
 * there is no schema); otherwise the first problem, naming the field.
 */
export function checkPayload(schema: unknown, value: unknown, path = "payload"): string | undefined {
  if (!schema || typeof schema !== "object") return undefined;
  const s = schema as Schema;
  if (s.const !== undefined && !same(s.const, value)) return `${path} must be ${JSON.stringify(s.const)}`;
  if (s.enum && !s.enum.some((v) => same(v, value))) return `${path} must be one of ${s.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  const types = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  if (types.length > 0 && !types.some((t) => typeMatches(t, value))) return `${path} must be ${types.join(" or ")}`;

  if (s.anyOf && !s.anyOf.some((sub) => checkPayload(sub, value, path) === undefined)) {
    return `${path} matches none of the allowed shapes (${firstProblem(s.anyOf, value, path)})`;
  }
  if (s.oneOf) {
    const fits = s.oneOf.filter((sub) => checkPayload(sub, value, path) === undefined).length;
    if (fits === 0) return `${path} matches none of the allowed shapes (${firstProblem(s.oneOf, value, path)})`;
    if (fits > 1) return `${path} matches more than one of the allowed shapes`;
  }
  for (const sub of s.allOf ?? []) {
    const problem = checkPayload(sub, value, path);
    if (problem) return problem;
  }

  if (typeof value === "string") {
    const length = [...value].length;
    if (s.minLength !== undefined && length < s.minLength) return `${path} must be at least ${s.minLength} characters`;
    if (s.maxLength !== undefined && length > s.maxLength) return `${path} must be at most ${s.maxLength} characters`;
    if (s.format !== undefined && !formatMatches(s.format, value)) return `${path} must be a valid ${s.format}`;
    if (s.pattern !== undefined && !safePattern(s.pattern, value)) return `${path} must match ${s.pattern}`;
  }
  if (typeof value === "number") {
    if (s.minimum !== undefined && value < s.minimum) return `${path} must be ≥ ${s.minimum}`;
    if (s.maximum !== undefined && value > s.maximum) return `${path} must be ≤ ${s.maximum}`;
    if (s.exclusiveMinimum !== undefined && value <= s.exclusiveMinimum) return `${path} must be > ${s.exclusiveMinimum}`;
    if (s.exclusiveMaximum !== undefined && value >= s.exclusiveMaximum) return `${path} must be < ${s.exclusiveMaximum}`;
  }
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const key of s.required ?? []) if (!(key in obj)) return `${path}.${key} is required`;
    for (const [key, sub] of Object.entries(s.properties ?? {})) {
      if (key in obj) {
        const problem = checkPayload(sub, obj[key], `${path}.${key}`);
        if (problem) return problem;
      }
    }
    if (s.additionalProperties !== undefined && s.additionalProperties !== true) {
      for (const key of Object.keys(obj)) {
        if (s.properties && key in s.properties) continue;
        if (s.additionalProperties === false) return `${path}.${key} is not allowed`;
        const problem = checkPayload(s.additionalProperties, obj[key], `${path}.${key}`);
        if (problem) return problem;
      }
    }
  }
  if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems) return `${path} must have at least ${s.minItems} items`;
    if (s.maxItems !== undefined && value.length > s.maxItems) return `${path} must have at most ${s.maxItems} items`;
    if (s.items) {
      for (const [i, item] of value.entries()) {
        const problem = checkPayload(s.items, item, `${path}[${i}]`);
        if (problem) return problem;
      }
    }
  }
  return undefined;
}

function firstProblem(options: unknown[], value: unknown, path: string): string {
  return options.map((sub) => checkPayload(sub, value, path)).find((p) => p !== undefined) ?? "";
}

function typeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    case "array":
      return Array.isArray(value);
    case "integer":
      return Number.isInteger(value);
    case "null":
      return value === null;
    default:
      return typeof value === type;
  }
}

/** A pattern the browser cannot compile is the task's business, not the panel's: it passes. */
function safePattern(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, "u").test(value);
  } catch {
    return true;
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The common formats; one it does not know passes (the task validates fully). */
function formatMatches(format: string, value: string): boolean {
  switch (format) {
    case "email":
      return EMAIL.test(value);
    case "uri":
    case "url":
      try {
        return new URL(value).protocol.length > 1;
      } catch {
        return false;
      }
    case "date-time":
      return DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
    case "date":
      return DATE.test(value) && !Number.isNaN(Date.parse(value));
    case "uuid":
      return UUID.test(value);
    default:
      return true;
  }
}
