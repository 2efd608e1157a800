import { AsyncLocalStorage } from "node:async_hooks";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LogEvent } from "../contracts/index.js";
import { installRuntime, runWithStore, type ExecutionStore, type LogInput } from "../runtime/current.js";
import { buildContext } from "../tasks/context.js";
import { makeExecution } from "../testing/worker-process.js";
import { logger, setLogLevel } from "./logger.js";

// The worker's real runtime wiring (AsyncLocalStorage), without a child process.
const storage = new AsyncLocalStorage<ExecutionStore>();
beforeAll(() => installRuntime({ get: () => storage.getStore(), run: (store, fn) => storage.run(store, fn) }));
afterEach(() => setLogLevel("info"));

function attempt(): { store: ExecutionStore; events: LogInput[] } {
  const execution = makeExecution("t", undefined);
  const events: LogInput[] = [];
  return { store: { execution, ctx: buildContext(execution), locals: new Map(), emit: (e) => events.push(e) }, events };
}

describe("logger", () => {
  it("drops logger calls below the configured level, default info", () => {
    const { store, events } = attempt();
    runWithStore(store, () => {
      logger.debug("hidden");
      logger.log("shown log");
      logger.info("shown info");
      setLogLevel("error");
      logger.warn("hidden warn");
      logger.error("shown error", { err: new Error("x") });
    });
    expect(events.map((e) => e.message)).toEqual(["shown log", "shown info", "shown error"]);
    expect((events[2]!.attributes as { err: { message: string } }).err.message).toBe("x");
  });

  it("records a failing span with its error and rethrows", async () => {
    const { store, events } = attempt();
    await expect(runWithStore(store, () => logger.trace("doomed", async () => Promise.reject(new Error("bad"))))).rejects.toThrow("bad");
    const span = events.find((e) => e.kind === "span") as LogEvent | undefined;
    expect(span).toMatchObject({ message: "doomed", level: "error", attributes: { error: "bad" } });
  });

  it("nests spans: a span inside a span names its parent", async () => {
    const { store, events } = attempt();
    await runWithStore(store, () => logger.trace("outer", () => logger.trace("inner", () => 1)));
    const inner = events.find((e) => e.message === "inner")!;
    const outer = events.find((e) => e.message === "outer")!;
    expect(inner.parentSpanId).toBe(outer.spanId);
    expect(outer.parentSpanId).toBeUndefined();
  });
});
