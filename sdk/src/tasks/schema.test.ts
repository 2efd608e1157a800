import { describe, expect, it } from "vitest";
import { z } from "zod";
import { getSchemaParseFn } from "./schema.js";

describe("getSchemaParseFn", () => {
  it("uses zod's parseAsync, with transforms and defaults", async () => {
    const parse = getSchemaParseFn(z.object({ n: z.coerce.number(), d: z.string().default("x") }));
    expect(await parse({ n: "2" })).toEqual({ n: 2, d: "x" });
    await expect(parse({ n: "abc" })).rejects.toThrow();
  });

  it("supports yup (validateSync), superstruct (create), runtypes/scale (assert) and ArkType (callable with assert)", async () => {
    const yupLike = { validateSync: (v: unknown) => ({ ...(v as object), yup: true }) };
    expect(await getSchemaParseFn(yupLike)({ a: 1 })).toEqual({ a: 1, yup: true });
    const superstructLike = { create: (v: unknown) => ({ ...(v as object), s: true }) };
    expect(await getSchemaParseFn(superstructLike)({})).toEqual({ s: true });
    const assertLike = {
      assert: (v: unknown) => {
        if (typeof v !== "number") throw new Error("not a number");
      },
    };
    expect(await getSchemaParseFn(assertLike)(3)).toBe(3);
    await expect(getSchemaParseFn(assertLike)("3")).rejects.toThrow("not a number");
    const ark = Object.assign((v: unknown) => ({ problems: v }), { assert: (v: unknown) => ({ ark: v }) });
    expect(await getSchemaParseFn(ark)(1)).toEqual({ ark: 1 });
  });

  it("calls plain functions (custom parsers, valibot's parser) and Standard Schema validators", async () => {
    const custom = (v: unknown) => {
      if (typeof v !== "string") throw new Error("want a string");
      return v.toUpperCase();
    };
    expect(await getSchemaParseFn(custom)("a")).toBe("A");
    await expect(getSchemaParseFn(custom)(1)).rejects.toThrow("want a string");
    const standard = {
      "~standard": {
        version: 1,
        vendor: "x",
        validate: (v: unknown) => (typeof v === "number" ? { value: v * 10 } : { issues: [{ message: "Expected number", path: ["n"] }] }),
      },
    };
    expect(await getSchemaParseFn(standard)(2)).toBe(20);
    await expect(getSchemaParseFn(standard)("x")).rejects.toThrow("n: Expected number");
  });

  it("rejects something that is not a schema, saying what it looked for", () => {
    expect(() => getSchemaParseFn({} as never)).toThrow(/parse, parseAsync/);
  });
});
