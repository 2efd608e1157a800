import { toJSONSchema } from "zod";

/** Larger schemas are left out of the manifest (the dashboard's test panel then validates nothing up front). */
const MAX_SCHEMA_CHARS = 64 * 1024;
const TYPEBOX_KIND = Symbol.for("TypeBox.Kind");

type Unknown = Record<string | symbol, unknown>;

function produce(schema: unknown): unknown {
  if (!schema || (typeof schema !== "object" && typeof schema !== "function")) return undefined;
  const s = schema as Unknown;
  // Standard JSON Schema (zod ≥ 4.2, ArkType, valibot adapters): what the schema accepts as input
  const standard = s["~standard"] as { jsonSchema?: { input?: (options: { target: string }) => unknown } } | undefined;
  if (typeof standard?.jsonSchema?.input === "function") return standard.jsonSchema.input({ target: "draft-2020-12" });
  // zod 4 before Standard JSON Schema
  if (s._zod && typeof s._zod === "object") return toJSONSchema(schema as Parameters<typeof toJSONSchema>[0], { io: "input", unrepresentable: "any" });
  // ArkType
  if (typeof s.toJsonSchema === "function") return (s.toJsonSchema as () => unknown)();
  // TypeBox schemas are JSON schemas already
  if (TYPEBOX_KIND in s) return s;
  return undefined;
}

/**
 * The JSON schema of a `schemaTask`'s payload, for the task manifest (the dashboard's test panel checks a
 * payload against it before triggering). Undefined when the schema library cannot produce one (yup,
 * superstruct, plain functions…), when producing it throws, or when it is larger than 64 KB.
 *
 * @example
 * import { z } from "zod";
 * import { payloadJsonSchema } from "./payload-schema.js"; // used by toTaskManifest when indexing
 * payloadJsonSchema(z.object({ id: z.string() })); // { type: "object", properties: { id: { type: "string" } }, required: ["id"], … }
 */
export function payloadJsonSchema(schema: unknown): unknown {
  try {
    const produced = produce(schema);
    if (produced === undefined || produced === null || typeof produced !== "object") return undefined;
    const text = JSON.stringify(produced);
    return text.length <= MAX_SCHEMA_CHARS ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}
