import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";

/**
 * GitHub's OpenAPI description (`@octokit/openapi`, api.github.com): which routes exist and what request bodies
 * they accept. The simulator may only serve routes GitHub has, and the app may only send bodies GitHub accepts.
 */
const require = createRequire(import.meta.url);
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Operation = { requestBody?: { content?: Record<string, { schema?: unknown }> } };
type OpenApi = { paths: Record<string, Record<string, Operation>> };

let cached: { spec: OpenApi; ajv: Ajv } | undefined;

function load(): { spec: OpenApi; ajv: Ajv } {
  if (cached) return cached;
  const file = require.resolve("@octokit/openapi/generated/api.github.com.json");
  const spec = JSON.parse(readFileSync(file, "utf8")) as OpenApi;
  // OpenAPI 3.0 schemas use `nullable` and `example`; strict mode off so Ajv ignores keywords it does not know
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema(spec as object, "github");
  cached = { spec, ajv };
  return cached;
}

/** Does GitHub's description have `method path` (path as an OpenAPI template, e.g. /repos/{owner}/{repo})? */
export function hasOperation(method: string, path: string): boolean {
  return load().spec.paths[path]?.[method.toLowerCase()] !== undefined;
}

const pointer = (segment: string) => segment.replace(/~/g, "~0").replace(/\//g, "~1");
const validators = new Map<string, ((body: unknown) => boolean) & { errors?: unknown }>();

/** Null when `body` is a valid JSON request body for the operation, else what is wrong. */
export function validateRequestBody(method: string, path: string, body: unknown): string | null {
  const { spec, ajv } = load();
  const op = spec.paths[path]?.[method.toLowerCase()];
  if (!op) return `${method} ${path} is not in GitHub's OpenAPI description`;
  if (!op.requestBody?.content?.["application/json"]?.schema) return body === undefined ? null : `${method} ${path} takes no JSON body`;
  const key = `${method.toLowerCase()} ${path}`;
  let validate = validators.get(key);
  if (!validate) {
    const ref = `github#/paths/${pointer(path)}/${method.toLowerCase()}/requestBody/content/application~1json/schema`;
    validate = ajv.compile({ $ref: ref });
    validators.set(key, validate);
  }
  if (validate(body)) return null;
  return ajv.errorsText(validate.errors as never, { dataVar: "body" });
}
