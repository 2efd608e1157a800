import { describe, expect, it } from "vitest";
import { FIXTURES_DIR, makeExecution } from "../testing/execution-fixture.js";
import { ProcessExecutor } from "./process-executor.js";
import { SpawnGate } from "./spawn-gate.js";

describe("SpawnGate", () => {
  it("lets `max` holders in and hands slots on in arrival order", async () => {
    const gate = new SpawnGate(2);
    const order: number[] = [];
    const a = await gate.acquire();
    const b = await gate.acquire();
    const waiting = [3, 4].map((n) => gate.acquire().then((release) => (order.push(n), release)));
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([]);
    a();
    a(); // releasing twice frees one slot only
    const third = await waiting[0]!;
    expect(order).toEqual([3]);
    b();
    (await waiting[1]!)();
    third();
    expect(order).toEqual([3, 4]);
  });
});

describe("ProcessExecutor under a burst of cold starts", () => {
  it("runs every attempt of a burst larger than its start cap, and closes cleanly while starts are queued", async () => {
    const executor = new ProcessExecutor({ warmProcesses: 0, maxConcurrentStarts: 1 });
    const run = () => executor.execute({ execution: makeExecution({ action: "echo" }), workerDir: FIXTURES_DIR, entryPoint: "worker.mjs", onLog: () => {} });
    const results = await Promise.all([run(), run(), run()]);
    expect(results.every((r) => r.ok)).toBe(true);

    const queued = [run(), run(), run()];
    await executor.close();
    const outcomes = await Promise.all(queued);
    expect(outcomes.every((r) => !r.ok)).toBe(true);
  });
});
