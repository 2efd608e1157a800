import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogEvent } from "@gantry/sdk/contracts";
import { FIXTURES_DIR, makeExecution } from "../testing/execution-fixture.js";
import { ProcessExecutor } from "./process-executor.js";

let bundleDir: string;
let executor: ProcessExecutor;

beforeAll(async () => {
  bundleDir = await mkdtemp(join(tmpdir(), "gantry-real-bundle-"));
  await build({
    entryPoints: [join(FIXTURES_DIR, "sdk-project/entry.ts")],
    outfile: join(bundleDir, "index.mjs"),
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "silent",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  executor = new ProcessExecutor({ cancelGraceMs: 500 });
});

afterAll(async () => {
  await executor?.close();
  await rm(bundleDir, { recursive: true, force: true });
});

describe("ProcessExecutor with a bundle built on @gantry/sdk/worker", () => {
  it("runs the task from a warm process, with its env vars and logs, and none of the runner's secrets", async () => {
    await executor.prewarm({ workerDir: bundleDir, entryPoint: "index.mjs", machine: "small-1x" });
    process.env.GANTRY_RUNNER_TOKEN = "gr_runner_secret";
    try {
      const execution = makeExecution({ name: "Ada" }, { env: { GREETING_SUFFIX: "!" } });
      execution.task = { id: "hello", filePath: "hello.ts" };
      const logs: LogEvent[] = [];
      const result = await executor.execute({ execution, workerDir: bundleDir, entryPoint: "index.mjs", onLog: (e) => logs.push(e) });
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      const raw = JSON.parse(result.output ?? "null");
      const output = result.outputType === "application/super+json" ? raw.json : raw;
      expect(output).toEqual({ greeting: "Hello Ada", secretVisible: null, fromEnv: "!" });
      expect(logs.map((l) => l.message)).toEqual(expect.arrayContaining(["greeting", "console line"]));
    } finally {
      delete process.env.GANTRY_RUNNER_TOKEN;
    }
  });

  it("reports a task id the bundle does not have as a failure naming it", async () => {
    const execution = makeExecution({});
    execution.task = { id: "no-such-task", filePath: "x.ts" };
    const result = await executor.execute({ execution, workerDir: bundleDir, entryPoint: "index.mjs", onLog: () => {} });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.message).toContain("no-such-task");
  });
});
