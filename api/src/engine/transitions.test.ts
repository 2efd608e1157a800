import { describe, expect, it } from "vitest";
import { FINAL_RUN_STATUSES } from "@gantry/sdk/contracts";
import { assertTransition, canTransition, sourcesOf } from "./transitions.js";

describe("run transitions", () => {
  it("never leaves a final status", () => {
    for (const status of FINAL_RUN_STATUSES) {
      expect(sourcesOf("QUEUED")).not.toContain(status);
      expect(canTransition(status, "CANCELED")).toBe(false);
    }
  });
  it("lets every live status be canceled", () => {
    expect(sourcesOf("CANCELED").sort()).toEqual(["DELAYED", "DEQUEUED", "EXECUTING", "PENDING_VERSION", "QUEUED", "WAITING"]);
  });
  it("rejects a completion of a run that never started", () => {
    expect(() => assertTransition("QUEUED", "COMPLETED")).toThrow(/QUEUED → COMPLETED/);
  });
});
