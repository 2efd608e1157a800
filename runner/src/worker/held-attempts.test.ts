import { describe, expect, it } from "vitest";
import { HeldAttempts } from "./held-attempts.js";

describe("held attempts", () => {
  it("a heartbeat answer about attempt 1 does not cancel the retry (attempt 2) that started meanwhile", () => {
    const stopped: string[] = [];
    const held = new HeldAttempts((runId) => stopped.push(runId));
    const attempt = held.take("run_a")!;
    attempt.attemptNumber = 2;
    expect(held.cancel("run_a", 1)).toBe(false);
    expect(attempt.canceled).toBe(false);
    expect(stopped).toEqual([]);
    expect(held.cancel("run_a", 2)).toBe(true);
    expect(attempt.canceled).toBe(true);
    expect(stopped).toEqual(["run_a"]);
  });

  it("a cancel of the run itself (the Redis channel) stops whatever attempt is held", () => {
    const stopped: string[] = [];
    const held = new HeldAttempts((runId) => stopped.push(runId));
    held.take("run_b")!.attemptNumber = 3;
    expect(held.cancel("run_b")).toBe(true);
    expect(stopped).toEqual(["run_b"]);
    expect(held.cancel("run_unknown")).toBe(false);
    expect(held.take("run_b")).toBeUndefined();
  });
});
