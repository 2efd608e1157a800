/**
 * A small JSON-Schema check for the test panel (type, required, properties, enum, items): enough to catch a
 * wrong payload before triggering; the task validates fully when it runs. Undefined when it fits (or no schema).
 */
export function checkPayload(schema: unknown, value: unknown, path = "payload"): string | undefined {
  if (!schema || typeof schema !== "object") return undefined;
  const s = schema as { type?: string | string[]; required?: string[]; properties?: Record<string, unknown>; enum?: unknown[]; items?: unknown };
  if (s.enum && !s.enum.some((v) => JSON.stringify(v) === JSON.stringify(value))) return `${path} must be one of ${s.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  const types = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  if (types.length > 0 && !types.some((t) => typeMatches(t, value))) return `${path} must be ${types.join(" or ")}`;
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const key of s.required ?? []) if (!(key in obj)) return `${path}.${key} is required`;
    for (const [key, sub] of Object.entries(s.properties ?? {})) {
      if (key in obj) {
        const problem = checkPayload(sub, obj[key], `${path}.${key}`);
        if (problem) return problem;
      }
    }
  }
  if (Array.isArray(value) && s.items) {
    for (const [i, item] of value.entries()) {
      const problem = checkPayload(s.items, item, `${path}[${i}]`);
      if (problem) return problem;
    }
  }
  return undefined;
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
