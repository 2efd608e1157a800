import { describe, expect, it } from "vitest";
import { checkPayload } from "./payload-check.js";

// The JSON Schema a schemaTask's zod schema becomes (z.toJSONSchema) when the manifest carries it.
const schema = {
  type: "object",
  required: ["name", "count"],
  properties: {
    name: { type: "string" },
    count: { type: "integer" },
    mode: { enum: ["fast", "slow"] },
    tags: { type: "array", items: { type: "string" } },
  },
};

describe("test panel payload check", () => {
  it("accepts a payload that fits, and anything when the task has no schema", () => {
    expect(checkPayload(schema, { name: "Ada", count: 2, mode: "fast", tags: ["a"] })).toBeUndefined();
    expect(checkPayload(undefined, "anything")).toBeUndefined();
  });

  it("names the first field that does not fit", () => {
    expect(checkPayload(schema, { name: "Ada" })).toBe("payload.count is required");
    expect(checkPayload(schema, { name: 1, count: 2 })).toBe("payload.name must be string");
    expect(checkPayload(schema, { name: "Ada", count: 1.5 })).toBe("payload.count must be integer");
    expect(checkPayload(schema, { name: "Ada", count: 1, mode: "medium" })).toBe('payload.mode must be one of "fast", "slow"');
    expect(checkPayload(schema, { name: "Ada", count: 1, tags: ["a", 2] })).toBe("payload.tags[1] must be string");
    expect(checkPayload(schema, [])).toBe("payload must be object");
  });
});
