import { describe, expect, it } from "vitest";
import { Batcher } from "./batcher.js";

describe("Batcher", () => {
  it("sends a lone call at once and coalesces calls made while a batch is in flight", async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new Batcher<number, number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await gate;
      return items.map((i) => i * 10);
    }, 3);

    const first = batcher.push(1);
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[1]]);
    const rest = [2, 3, 4, 5].map((i) => batcher.push(i));
    release();
    expect(await first).toBe(10);
    expect(await Promise.all(rest)).toEqual([20, 30, 40, 50]);
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
  });

  it("rejects every call of a failed batch and keeps going", async () => {
    let fail = true;
    const batcher = new Batcher<string, string>(async (items) => {
      if (fail) {
        fail = false;
        throw new Error("api down");
      }
      return items;
    });
    await expect(batcher.push("a")).rejects.toThrow("api down");
    expect(await batcher.push("b")).toBe("b");
    await batcher.drain();
  });
});

describe("Batcher weight cap", () => {
  it("splits a batch so its weight stays under the cap, always sending at least one item", async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new Batcher<number, number>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await gate;
        return items;
      },
      1000,
      { of: (n) => n, max: 10 },
    );
    const first = batcher.push(1);
    await new Promise((r) => setImmediate(r));
    const rest = [4, 5, 3, 20, 2].map((n) => batcher.push(n));
    release();
    await first;
    await Promise.all(rest);
    expect(batches).toEqual([[1], [4, 5], [3], [20], [2]]);
  });
});
