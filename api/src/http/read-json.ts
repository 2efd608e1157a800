import type { Context } from "hono";
import type { z } from "zod";
import { badRequest } from "../errors.js";

/**
 * Reads the request body as JSON (an empty body reads as `{}`) and parses it with a contract schema.
 * A zod failure propagates and becomes a 400 naming the field (http/on-error.ts).
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const text = await c.req.text();
  let value: unknown = {};
  if (text.trim() !== "") {
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw badRequest(`Malformed JSON body: ${(error as Error).message}`);
    }
  }
  return schema.parse(value);
}
