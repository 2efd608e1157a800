import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { LogEvent } from "@gantry/sdk/contracts";
import { FIXTURES_DIR, makeExecution } from "../testing/execution-fixture.js";
import { DOCKER_SUSPEND_NOTICE, DockerExecutor, dockerAvailable } from "./docker-executor.js";
import type { Executor } from "./types.js";

const hasDocker = await dockerAvailable();

describe("DockerExecutor", () => {
  it("runs each attempt in a container sized by its machine preset, with the bundle mounted read-only", () => {
    const executor = new DockerExecutor({ defaultImage: "node:20-bookworm-slim", apiUrl: "http://127.0.0.1:3030" });
    const execution = makeExecution({ action: "echo" }, { machine: "medium-1x", env: { API_KEY: "v" } });
    const args = executor.runArgs("gantry-x", { execution, workerDir: FIXTURES_DIR, entryPoint: "worker.mjs", onLog: () => {} }, execution);
    const joined = args.join(" ");
    expect(joined).toContain("--memory 2048m --cpus 1");
    expect(joined).toContain(`-v ${FIXTURES_DIR}:/app:ro`);
    expect(joined).toContain("node:20-bookworm-slim node /gantry/shim.mjs /app/worker.mjs 1638");
    // attempt variables travel in the execute message, never on the command line
    expect(joined).not.toContain("API_KEY");

    const withImage = { ...execution, deployment: { ...execution.deployment, imageReference: "registry.local/proj:20260101.1" } };
    const imageArgs = executor.runArgs("gantry-y", { execution: withImage, workerDir: FIXTURES_DIR, entryPoint: "worker.mjs", onLog: () => {} }, withImage);
    expect(imageArgs).toContain("registry.local/proj:20260101.1");
    expect(imageArgs.join(" ")).not.toContain(":/app:ro");
  });

  it("relays the IPC protocol through the container's stdio and maps crashes, timeouts and cancels (fake docker CLI)", async () => {
    const executor = new DockerExecutor({ defaultImage: "node:20-bookworm-slim", cancelGraceMs: 200, dockerBin: join(FIXTURES_DIR, "fake-docker.mjs") });
    const run = (payload: Record<string, unknown>, logs: LogEvent[] = []) =>
      executor.execute({ execution: makeExecution(payload, { maxDuration: payload.maxDuration as number | undefined, env: { API_KEY: "v" } }), workerDir: FIXTURES_DIR, entryPoint: "worker.mjs", onLog: (e) => logs.push(e) });
    try {
      const ok = await run({ action: "echo" });
      expect(ok.ok).toBe(true);
      expect(ok.ok && JSON.parse(ok.output ?? "{}").executionEnv).toEqual({ API_KEY: "v" });

      const logs: LogEvent[] = [];
      expect((await run({ action: "log" }, logs)).ok).toBe(true);
      expect(logs.map((l) => l.message)).toEqual(expect.arrayContaining(["hello from stdout", "warning on stderr", "logger.info line"]));

      const crashed = await run({ action: "crash" });
      expect(crashed.ok === false && crashed.error.code).toBe("TASK_PROCESS_EXITED_WITH_NON_ZERO_CODE");
      expect(crashed.ok === false && crashed.outcome).toBe("CRASHED");

      const timedOut = await run({ action: "hang", maxDuration: 1 });
      expect(timedOut.ok === false && timedOut.outcome).toBe("TIMED_OUT");

      const execution = makeExecution({ action: "hang" });
      const pending = executor.execute({ execution, workerDir: FIXTURES_DIR, entryPoint: "worker.mjs", onLog: () => {} });
      while (!executor.cancel(execution.run.id)) await new Promise((r) => setTimeout(r, 10));
      const canceled = await pending;
      expect(canceled.ok === false && canceled.outcome).toBe("CANCELED");
    } finally {
      await executor.close();
    }
  });

  it("keeps no attempt suspended at a wait: the container stops, the attempt ends as let go, and the run's log says it replays (fake docker CLI)", async () => {
    const executor = new DockerExecutor({ defaultImage: "node:20-bookworm-slim", dockerBin: join(FIXTURES_DIR, "fake-docker.mjs") });
    try {
      const logs: LogEvent[] = [];
      const result = await executor.execute({ execution: makeExecution({ action: "wait" }), workerDir: FIXTURES_DIR, entryPoint: "suspending.mjs", onLog: (e) => logs.push(e) });
      expect(result.ok === false && result.error.code).toBe("TASK_RUN_SUSPENDED");
      expect(logs.filter((l) => l.level === "warn").map((l) => l.message)).toEqual([DOCKER_SUSPEND_NOTICE]);
      expect((executor as Executor).resume).toBeUndefined();
    } finally {
      await executor.close();
    }
  });

  // This machine has the docker CLI but no engine (`docker info` fails); the test runs wherever one answers.
  it.skipIf(!hasDocker)("executes an attempt in a container and reports its result", async () => {
    const executor = new DockerExecutor({ defaultImage: "node:20-bookworm-slim", cancelGraceMs: 500 });
    try {
      const execution = makeExecution({ action: "echo" });
      const result = await executor.execute({ execution, workerDir: FIXTURES_DIR, entryPoint: "worker.mjs", onLog: () => {} });
      expect(result.ok).toBe(true);
      const crashed = await executor.execute({ execution: makeExecution({ action: "crash" }), workerDir: FIXTURES_DIR, entryPoint: "worker.mjs", onLog: () => {} });
      expect(crashed.ok === false && crashed.outcome).toBe("CRASHED");
    } finally {
      await executor.close();
    }
  });
});
