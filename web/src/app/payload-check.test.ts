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

describe("test panel payload check: constraints", () => {
  it("checks string lengths, pattern and formats", () => {
    const s = {
      type: "object",
      properties: {
        code: { type: "string", minLength: 2, maxLength: 4, pattern: "^[A-Z]+$" },
        email: { type: "string", format: "email" },
        site: { type: "string", format: "uri" },
        at: { type: "string", format: "date-time" },
      },
    };
    expect(checkPayload(s, { code: "AB", email: "ada@example.com", site: "https://example.com/x", at: "2026-01-02T03:04:05Z" })).toBeUndefined();
    expect(checkPayload(s, { code: "A" })).toBe("payload.code must be at least 2 characters");
    expect(checkPayload(s, { code: "ABCDE" })).toBe("payload.code must be at most 4 characters");
    expect(checkPayload(s, { code: "ab" })).toBe("payload.code must match ^[A-Z]+$");
    expect(checkPayload(s, { email: "ada.example.com" })).toBe("payload.email must be a valid email");
    expect(checkPayload(s, { site: "not a url" })).toBe("payload.site must be a valid uri");
    expect(checkPayload(s, { at: "2026-01-02" })).toBe("payload.at must be a valid date-time");
    expect(checkPayload(s, { at: "2026-13-45T03:04:05Z" })).toBe("payload.at must be a valid date-time");
  });

  it("checks number bounds, const, and additionalProperties: false", () => {
    const s = {
      type: "object",
      properties: { seats: { type: "integer", minimum: 1, maximum: 10 }, ratio: { type: "number", exclusiveMinimum: 0 }, kind: { const: "team" } },
      additionalProperties: false,
    };
    expect(checkPayload(s, { seats: 1, ratio: 0.5, kind: "team" })).toBeUndefined();
    expect(checkPayload(s, { seats: 0 })).toBe("payload.seats must be ≥ 1");
    expect(checkPayload(s, { seats: 11 })).toBe("payload.seats must be ≤ 10");
    expect(checkPayload(s, { ratio: 0 })).toBe("payload.ratio must be > 0");
    expect(checkPayload(s, { kind: "solo" })).toBe('payload.kind must be "team"');
    expect(checkPayload(s, { seats: 2, extra: true })).toBe("payload.extra is not allowed");
    // a schema for the extra keys applies to them
    expect(checkPayload({ type: "object", additionalProperties: { type: "number" } }, { a: 1, b: "x" })).toBe("payload.b must be number");
  });

  it("checks anyOf (one fits) and oneOf (exactly one fits)", () => {
    const any = { anyOf: [{ type: "string", minLength: 3 }, { type: "number" }] };
    expect(checkPayload(any, "abc")).toBeUndefined();
    expect(checkPayload(any, 4)).toBeUndefined();
    expect(checkPayload(any, "ab")).toBe("payload matches none of the allowed shapes (payload must be at least 3 characters)");
    expect(checkPayload(any, true)).toMatch(/^payload matches none of the allowed shapes/);
    const one = { oneOf: [{ type: "integer" }, { type: "number", maximum: 5 }] };
    expect(checkPayload(one, 7)).toBeUndefined();
    expect(checkPayload(one, 2.5)).toBeUndefined();
    expect(checkPayload(one, 3)).toBe("payload matches more than one of the allowed shapes");
    // zod's discriminated unions and optional fields come out as anyOf with objects
    const union = { type: "object", properties: { plan: { anyOf: [{ type: "object", properties: { kind: { const: "free" } }, required: ["kind"] }, { type: "null" }] } } };
    expect(checkPayload(union, { plan: null })).toBeUndefined();
    expect(checkPayload(union, { plan: { kind: "pro" } })).toMatch(/^payload.plan matches none/);
  });
});
