import { describe, expect, it } from "vitest";
import { z } from "zod";
import { payloadJsonSchema } from "./payload-schema.js";
import { getRegisteredTask, toTaskManifest } from "./registry.js";
import { schemaTask, task } from "./task.js";

describe("payloadJsonSchema", () => {
  it("turns a zod schema into the JSON schema of its input", () => {
    const schema = payloadJsonSchema(z.object({ email: z.string(), plan: z.enum(["free", "pro"]), seats: z.number().int().default(1) }));
    expect(schema).toMatchObject({
      type: "object",
      properties: { email: { type: "string" }, plan: { enum: ["free", "pro"] }, seats: { type: "integer" } },
      required: ["email", "plan"],
    });
  });

  it("is undefined for schemas that cannot describe themselves (functions, yup-like, superstruct-like)", () => {
    expect(payloadJsonSchema((v: unknown) => v)).toBeUndefined();
    expect(payloadJsonSchema({ validateSync: (v: unknown) => v })).toBeUndefined();
    expect(payloadJsonSchema({ create: (v: unknown) => v })).toBeUndefined();
    expect(payloadJsonSchema(undefined)).toBeUndefined();
    // a library that throws while producing one is skipped, not fatal to indexing
    expect(payloadJsonSchema({ "~standard": { jsonSchema: { input: () => { throw new Error("unrepresentable"); } } } })).toBeUndefined();
  });

  it("a schemaTask's manifest entry carries it, a plain task's does not", () => {
    schemaTask({ id: "signup-h6", schema: z.object({ email: z.string(), seats: z.number() }), run: async (p) => p.email });
    task({ id: "plain-h6", run: async () => {} });
    const manifest = toTaskManifest(getRegisteredTask("signup-h6")!);
    expect(manifest.payloadSchema).toMatchObject({ type: "object", required: ["email", "seats"] });
    expect(toTaskManifest(getRegisteredTask("plain-h6")!).payloadSchema).toBeUndefined();
  });
});
