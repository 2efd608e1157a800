import { afterEach, describe, expect, it } from "vitest";
import type { ExecutionStore } from "../runtime/current.js";
import { startAttemptUsage, usage } from "./usage.js";

/** Burns CPU: a fixed amount of work (millions of square roots), so the CPU it takes does not depend on the load. */
function burn(millions: number): number {
  let x = 0;
  for (let i = 0; i < millions * 1_000_000; i++) x += Math.sqrt(i);
  return x;
}

const KEY = Symbol.for("gantry.sdk.runtime");
const g = globalThis as Record<symbol, unknown>;
const previous = g[KEY];
afterEach(() => {
  g[KEY] = previous;
});

function fakeStore(run = { durationMs: 0, costInCents: 0, baseCostInCents: 0 }, centsPerMs = 0): ExecutionStore {
  return { ctx: { run, machine: { centsPerMs } } } as unknown as ExecutionStore;
}

function enter(store: ExecutionStore) {
  g[KEY] = { get: () => store, run: (_: unknown, fn: () => unknown) => fn() };
}

describe("attempt usage (CPU time)", () => {
  it("an attempt paused at a wait does not count the CPU another attempt uses meanwhile", () => {
    const waiting = startAttemptUsage(fakeStore());
    burn(2);
    waiting.pause();
    const other = startAttemptUsage(fakeStore());
    burn(20);
    other.stop();
    waiting.resume();
    const waited = waiting.durationMs();
    waiting.stop();
    expect(other.durationMs()).toBeGreaterThan(0);
    expect(waited).toBeLessThan(other.durationMs());
    // stopped meters no longer move
    const frozen = other.durationMs();
    burn(2);
    expect(other.durationMs()).toBe(frozen);
  });

  it("attempts running at the same moment share the process's CPU time evenly", () => {
    const before = process.cpuUsage();
    const a = startAttemptUsage(fakeStore());
    const b = startAttemptUsage(fakeStore());
    burn(20);
    a.stop();
    b.stop();
    const spent = process.cpuUsage(before);
    const spentMs = (spent.user + spent.system) / 1000;
    // each got about half (b alone also got the sliver between the two stops)
    expect(a.durationMs()).toBeGreaterThan(spentMs * 0.4);
    expect(b.durationMs()).toBeGreaterThan(spentMs * 0.4);
    expect(Math.abs(a.durationMs() - b.durationMs())).toBeLessThan(spentMs * 0.1);
    expect(a.durationMs() + b.durationMs()).toBeLessThanOrEqual(spentMs + 0.01);
  });

  it("getCurrent adds the previous attempts' usage and prices it at ctx.machine.centsPerMs; measure returns fn's result and CPU", async () => {
    const store = fakeStore({ durationMs: 40, costInCents: 0.4, baseCostInCents: 0.1 }, 0.01);
    const meter = startAttemptUsage(store);
    enter(store);
    const { result, compute } = await usage.measure(async () => burn(5) && "done");
    expect(result).toBe("done");
    expect(compute.durationMs).toBeGreaterThan(0);
    expect(compute.costInCents).toBeCloseTo(compute.durationMs * 0.01, 9);
    meter.stop();
    const current = usage.getCurrent();
    const attempt = meter.durationMs();
    expect(current.compute.attempt.durationMs).toBe(attempt);
    expect(attempt).toBeGreaterThanOrEqual(compute.durationMs);
    expect(current.compute.attempt.costInCents).toBeCloseTo(attempt * 0.01, 9);
    expect(current.compute.total.durationMs).toBeCloseTo(attempt + 40, 9);
    expect(current.compute.total.costInCents).toBeCloseTo(attempt * 0.01 + 0.4, 9);
    expect(current.baseCostInCents).toBe(0.1);
    expect(current.totalCostInCents).toBeCloseTo(attempt * 0.01 + 0.4 + 0.1, 9);
  });

  it("outside a task every number is 0 and measure still returns the result", async () => {
    g[KEY] = undefined;
    expect(usage.getCurrent()).toEqual({
      compute: { attempt: { costInCents: 0, durationMs: 0 }, total: { costInCents: 0, durationMs: 0 } },
      baseCostInCents: 0,
      totalCostInCents: 0,
    });
    expect(await usage.measure(() => 7)).toEqual({ result: 7, compute: { costInCents: 0, durationMs: 0 } });
  });
});
