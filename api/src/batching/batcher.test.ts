import { describe, expect, it } from "vitest";
import { createBatcher } from "./batcher.js";

describe("createBatcher", () => {
  it("flushes calls made together as one batch, and later calls behind the in-flight flush", async () => {
    const flushes: number[][] = [];
    let release!: () => void;
    let first = true;
    const batcher = createBatcher<number, number>(async (items) => {
      flushes.push(items);
      if (first) {
        first = false;
        await new Promise<void>((resolve) => (release = resolve));
      }
      return items.map((i) => i * 2);
    });
    const a = [batcher.add(1), batcher.add(2)];
    await new Promise((r) => setTimeout(r, 5));
    const b = [batcher.add(3), batcher.add(4), batcher.add(5)];
    await new Promise((r) => setTimeout(r, 5));
    expect(flushes).toEqual([[1, 2]]);
    release();
    expect(await Promise.all([...a, ...b])).toEqual([2, 4, 6, 8, 10]);
    expect(flushes).toEqual([[1, 2], [3, 4, 5]]);
  });

  it("caps a flush at maxBatch", async () => {
    const sizes: number[] = [];
    const batcher = createBatcher<number, number>(async (items) => (sizes.push(items.length), items), { maxBatch: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((i) => batcher.add(i)));
    expect(sizes).toEqual([2, 2, 1]);
  });

  it("fails only the bad item when a batch fails", async () => {
    const batcher = createBatcher<number, number>(async (items) => {
      if (items.includes(13)) throw new Error("unlucky");
      return items;
    });
    const results = await Promise.allSettled([12, 13, 14].map((i) => batcher.add(i)));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  });
});
