import { createHash } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import superjson from "superjson";
import { Artifact, type TaskRunExecution } from "@gantry/sdk/contracts";
import { ProcessExecutor } from "@gantry/runner/executor";
import { loadConfig } from "../config/load-config.js";
import { BuildError } from "../errors.js";
import { packArtifact } from "./artifact.js";
import { buildProject, type BuildResult } from "./build-project.js";

const FIXTURES = fileURLToPath(new URL("../../test/fixtures/", import.meta.url));
const SDK_VERSION = (JSON.parse(readFileSync(fileURLToPath(new URL("../../../sdk/package.json", import.meta.url)), "utf8")) as { version: string }).version;

async function build(fixture: string): Promise<BuildResult> {
  const config = await loadConfig({ cwd: join(FIXTURES, fixture) });
  return buildProject({ config, target: "deploy" });
}

async function buildError(fixture: string): Promise<BuildError> {
  const error = await build(fixture).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BuildError);
  return error as BuildError;
}

describe("buildProject on a fixture project", () => {
  let result: BuildResult;
  beforeAll(async () => {
    result = await build("basic");
  });
  afterAll(() => {
    if (result) rmSync(result.outDir, { recursive: true, force: true });
  });

  it("indexes tasks by registration (hidden ones included), skipping test files, with their options", () => {
    const tasks = Object.fromEntries(result.manifest.tasks.map((t) => [t.id, t]));
    expect(Object.keys(tasks).sort()).toEqual(["hello", "hidden-task"]);
    expect(tasks["hidden-task"]?.filePath).toBe("src/trigger/hidden.ts");
    expect(tasks.hello).toMatchObject({ filePath: "src/trigger/hello.ts", retry: { maxAttempts: 2 }, queue: { name: "greetings", concurrencyLimit: 3 } });
    expect(result.manifest.queues).toEqual([{ name: "greetings", concurrencyLimit: 3 }]);
    expect(result.taskFiles[0]).toBe("src/trigger/init.ts");
    expect(result.taskFiles).not.toContain("src/trigger/hello.test.ts");
  });

  it("records the project's SDK version, the entry point and the runtime config", () => {
    expect(result.manifest.sdkVersion).toBe(SDK_VERSION);
    expect(result.manifest.entryPoint).toBe("index.mjs");
    expect(result.manifest.config).toMatchObject({ project: "proj_builderfixture", maxDuration: 60 });
  });

  it("keeps externals out of the bundle and ships them, with their dependencies, in node_modules", () => {
    expect(result.files).toContain("node_modules/superjson/package.json");
    expect(result.files).toContain("node_modules/copy-anything/package.json");
    expect(readFileSync(join(result.outDir, "index.mjs"), "utf8")).toMatch(/from "superjson"/);
    expect(result.externals.superjson).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("copies additionalFiles and files added by a custom extension's layer", () => {
    expect(result.files).toContain("data/greeting.txt");
    expect(result.files).toContain("copied/greeting.txt");
  });

  it("packs a content-addressed artifact whose hash is the sha256 of its bytes", () => {
    const artifact = packArtifact(result.outDir, result.files, result.manifest);
    expect(artifact.hash).toBe(createHash("sha256").update(artifact.bytes).digest("hex"));
    const document = Artifact.parse(JSON.parse(artifact.bytes.toString("utf8")));
    expect(Buffer.from(document.files["data/greeting.txt"]!, "base64").toString("utf8").trim()).toBe("Hello");
    expect(document.manifest.contentHash).toBe(result.manifest.contentHash);
    expect(packArtifact(result.outDir, result.files, result.manifest).hash).toBe(artifact.hash);
  });

  it("produces a bundle the runner's process executor runs, reading its additional files", async () => {
    const executor = new ProcessExecutor({ warmProcesses: 0 });
    try {
      const outcome = await executor.execute({
        execution: execution("hello", { name: "Ada" }),
        workerDir: result.outDir,
        entryPoint: result.entryPoint,
        onLog: () => {},
      });
      if (!outcome.ok) throw new Error(`attempt failed: ${outcome.error.message}`);
      const output = outcome.outputType === "application/super+json" ? superjson.parse<string>(outcome.output!) : JSON.parse(outcome.output!);
      expect(superjson.parse(output as string)).toEqual({ message: "Hello, Ada" });
    } finally {
      await executor.close();
    }
  });
});

describe("build errors", () => {
  it("a syntax error names the file and line", async () => {
    const error = await buildError("broken");
    expect(error.location).toMatchObject({ file: "src/trigger/broken.ts", line: 3 });
    expect(error.message).toContain("src/trigger/broken.ts:3:");
  });

  it("a task file that throws at import names the file and line", async () => {
    const error = await buildError("throws-on-import");
    expect(error.code).toBe("index_failed");
    expect(error.location).toMatchObject({ file: "src/trigger/bad.ts", line: 4 });
    expect(error.message).toContain("database URL missing at import time");
  });
});

function execution(taskId: string, payload: unknown): TaskRunExecution {
  const now = new Date();
  return {
    task: { id: taskId, filePath: `src/trigger/${taskId}.ts` },
    attempt: { id: "attempt_1", number: 1, startedAt: now, status: "EXECUTING" },
    run: {
      id: "run_builder_test",
      payload: JSON.stringify(payload),
      payloadType: "application/json",
      tags: [],
      isTest: false,
      createdAt: now,
      startedAt: now,
      version: "20250101.1",
      durationMs: 0,
      costInCents: 0,
      baseCostInCents: 0,
      depth: 0,
    },
    queue: { id: "queue_1", name: `task/${taskId}` },
    environment: { id: "env_1", slug: "prod", type: "PRODUCTION" },
    organization: { id: "org_1", slug: "org", name: "Org" },
    project: { id: "project_1", ref: "proj_builderfixture", slug: "fixture", name: "Fixture" },
    deployment: { id: "dep_1", shortCode: "abc", version: "20250101.1", artifactHash: "0".repeat(64), entryPoint: "index.mjs" },
    machine: { name: "small-1x", cpu: 0.5, memory: 0.5 },
    env: {},
    runToken: "test-run-token",
    apiUrl: "http://127.0.0.1:9",
  };
}
