import { describe, expect, it } from "vitest";
import type { RuntimeConfig } from "../contracts/index.js";
import type { RegisteredTask } from "../tasks/registry.js";
import { makeExecution } from "../testing/worker-process.js";
import { effectiveRetryPolicy } from "./retry-policy.js";

const task = (retry?: RegisteredTask["options"]["retry"]): RegisteredTask => ({
  id: "t",
  filePath: "t.ts",
  triggerSource: "STANDARD",
  options: { id: "t", run: async () => undefined, ...(retry ? { retry } : {}) },
});
const config: RuntimeConfig = { project: "proj_x", retries: { default: { maxAttempts: 4, minTimeoutInMs: 500 } } };

describe("effectiveRetryPolicy", () => {
  it("layers the api's resolved retry over the task's over the config default", () => {
    const execution = makeExecution("t", undefined);
    expect(effectiveRetryPolicy(execution, task({ factor: 3 }), config)).toMatchObject({ maxAttempts: 4, minTimeoutInMs: 500, factor: 3 });
    execution.retry = { maxAttempts: 7 };
    expect(effectiveRetryPolicy(execution, task({ factor: 3 }), config)).toMatchObject({ maxAttempts: 7, factor: 3 });
  });

  it("turns retries off in DEVELOPMENT unless retries.enabledInDev", () => {
    const execution = makeExecution("t", undefined);
    execution.environment = { id: "e", slug: "dev", type: "DEVELOPMENT" };
    expect(effectiveRetryPolicy(execution, task(), config).maxAttempts).toBe(1);
    expect(effectiveRetryPolicy(execution, task(), { ...config, retries: { ...config.retries, enabledInDev: true } }).maxAttempts).toBe(4);
  });

  it("lets the run's maxAttempts (a trigger option) win", () => {
    const execution = makeExecution("t", undefined, { maxAttempts: 2 });
    expect(effectiveRetryPolicy(execution, task({ maxAttempts: 9 }), config).maxAttempts).toBe(2);
  });
});
