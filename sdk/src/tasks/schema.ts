/**
 * A payload schema: zod, yup, superstruct, ArkType, @effect/schema (`Schema.decodeUnknownSync(s)`), runtypes,
 * valibot (`v.parser(s)`), typebox (`wrap(s)`), any Standard Schema, or a function that returns the parsed
 * value and throws on bad input.
 */
export type Schema =
  | ((value: unknown) => unknown)
  | { parseAsync: (value: unknown) => Promise<unknown> }
  | { parse: (value: unknown) => unknown }
  | { validateSync: (value: unknown) => unknown }
  | { create: (value: unknown) => unknown }
  | { assert: (value: unknown) => unknown }
  | StandardSchemaLike;

interface StandardSchemaLike {
  "~standard": {
    validate: (value: unknown) => StandardResult | Promise<StandardResult>;
    types?: { input: unknown; output: unknown } | undefined;
  };
}
type StandardResult = { value: unknown; issues?: undefined } | { issues: ReadonlyArray<{ message: string; path?: ReadonlyArray<unknown> }> };

/** The type a schema accepts (what `myTask.trigger` takes). */
export type inferSchemaIn<S> = S extends { "~standard": { types?: infer T } }
  ? NonNullable<T> extends { input: infer I }
    ? I
    : unknown
  : S extends { _input: infer I }
    ? I
    : S extends { __inferIn?: infer I }
      ? I
      : inferSchemaOut<S>;

/** The type a schema produces (what `run` receives). */
export type inferSchemaOut<S> = S extends { "~standard": { types?: infer T } }
  ? NonNullable<T> extends { output: infer O }
    ? O
    : unknown
  : S extends { _output: infer O }
    ? O
    : S extends { assert: (value: unknown) => asserts value is infer A }
      ? A
      : S extends (value: any) => infer R
        ? Awaited<R>
        : S extends { parseAsync: (value: any) => Promise<infer R> }
          ? R
          : S extends { parse: (value: any) => infer R }
            ? R
            : S extends { validateSync: (value: any) => infer R }
              ? R
              : S extends { create: (value: any) => infer R }
                ? R
                : unknown;

/**
 * Finds how to validate with `schema`, in the order the reference's `getSchemaParseFn` checks: ArkType's
 * `.assert` on a callable, plain functions (valibot parsers, custom), `.parseAsync`, `.parse`, `.validateSync`
 * (yup), `.create` (superstruct), `.assert`, then Standard Schema's `~standard.validate`.
 *
 * @example
 * import { z } from "zod";
 * import { getSchemaParseFn } from "@gantry/sdk";
 * const parse = getSchemaParseFn(z.object({ n: z.number() }));
 * await parse({ n: 1 }); // { n: 1 }
 */
export function getSchemaParseFn<T = unknown>(schema: Schema): (value: unknown) => Promise<T> {
  const parser = schema as Record<string, unknown> & ((value: unknown) => unknown);
  const isStandard = typeof parser === "object" || typeof parser === "function" ? "~standard" in parser : false;
  const method = (name: string) => (typeof parser[name] === "function" ? (parser[name] as (v: unknown) => unknown).bind(parser) : undefined);

  if (typeof parser === "function" && typeof parser.assert === "function") return async (v) => (await method("assert")!(v)) as T;
  if (typeof parser === "function" && !isStandard) return async (v) => (await parser(v)) as T;
  const parseAsync = method("parseAsync");
  if (parseAsync) return async (v) => (await parseAsync(v)) as T;
  const parse = method("parse");
  if (parse) return async (v) => (await parse(v)) as T;
  const validateSync = method("validateSync");
  if (validateSync) return async (v) => validateSync(v) as T;
  const create = method("create");
  if (create) return async (v) => create(v) as T;
  const assert = method("assert");
  if (assert) {
    return async (v) => {
      assert(v);
      return v as T;
    };
  }
  if (isStandard) {
    const standard = (schema as StandardSchemaLike)["~standard"];
    return async (v) => {
      const result = await standard.validate(v);
      if (result.issues) {
        const detail = result.issues.map((i) => (i.path?.length ? `${i.path.map(String).join(".")}: ${i.message}` : i.message)).join("; ");
        throw new Error(`Invalid payload: ${detail}`);
      }
      return result.value as T;
    };
  }
  throw new TypeError("schemaTask: the schema has no parse, parseAsync, validateSync, create, assert or ~standard.validate, and is not a function");
}
