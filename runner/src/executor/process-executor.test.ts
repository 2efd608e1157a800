import { afterEach, describe, expect, it } from "vitest";
import type { LogEvent, TaskRunExecutionResult } from "@gantry/sdk/contracts";
import { FIXTURES_DIR, makeExecution } from "../testing/execution-fixture.js";
import { ProcessExecutor } from "./process-executor.js";

let executor: ProcessExecutor;
afterEach(async () => {
  await executor?.close();
});

function outputOf(result: TaskRunExecutionResult): Record<string, unknown> {
  if (!result.ok) throw new Error(`attempt failed: ${JSON.stringify(result.error)}`);
  return JSON.parse(result.output ?? "null");
}

function run(payload: Record<string, unknown>, extra: Partial<Parameters<ProcessExecutor["execute"]>[0]> = {}, entryPoint = "worker.mjs") {
  const logs: LogEvent[] = [];
  const execution = makeExecution(payload, { maxDuration: (payload.maxDuration as number | undefined) ?? undefined });
  const promise = executor.execute({ execution, workerDir: FIXTURES_DIR, entryPoint, onLog: (e) => logs.push(e), ...extra });
  return { execution, logs, promise };
}

describe("ProcessExecutor", () => {
  it("runs an attempt in a process spawned ahead of it, and pre-spawns its replacement", async () => {
    executor = new ProcessExecutor({ warmProcesses: 1 });
    await executor.prewarm({ workerDir: FIXTURES_DIR, entryPoint: "worker.mjs", machine: "small-1x" });
    const [pool] = executor.poolStats();
    expect(pool?.ready).toBe(1);
    const warmPid = pool!.pids[0];

    const calledAt = Date.now();
    const out = outputOf(await run({ action: "echo" }).promise);
    expect(out.pid).toBe(warmPid);
    expect(out.readyAt as number).toBeLessThanOrEqual(calledAt);

    await executor.prewarm({ workerDir: FIXTURES_DIR, entryPoint: "worker.mjs", machine: "small-1x" });
    const [after] = executor.poolStats();
    expect(after?.ready).toBe(1);
    expect(after?.pids).not.toContain(warmPid);
  });

  it("gives each run a fresh process by default, and reuses one with keepAlive up to maxExecutionsPerProcess", async () => {
    executor = new ProcessExecutor();
    const a = outputOf(await run({ action: "echo" }).promise);
    const b = outputOf(await run({ action: "echo" }).promise);
    expect(a.pid).not.toBe(b.pid);
    expect(b.executions).toBe(1);

    const keepAlive = { enabled: true, maxExecutionsPerProcess: 2 };
    const c = outputOf(await run({ action: "echo" }, { keepAlive }).promise);
    const d = outputOf(await run({ action: "echo" }, { keepAlive }).promise);
    const e = outputOf(await run({ action: "echo" }, { keepAlive }).promise);
    expect(d.pid).toBe(c.pid);
    expect(d.executions).toBe(2);
    expect(e.pid).not.toBe(c.pid);
  });

  it("limits the heap to the machine preset's memory", async () => {
    executor = new ProcessExecutor({ warmProcesses: 0 });
    const execution = makeExecution({ action: "echo" }, { machine: "micro" });
    const out = outputOf(await executor.execute({ execution, workerDir: FIXTURES_DIR, entryPoint: "worker.mjs", onLog: () => {} }));
    expect(out.execArgv).toEqual(["--max-old-space-size=204"]);
  });

  it("reports a process that dies during the attempt as CRASHED with its exit code or signal", async () => {
    executor = new ProcessExecutor();
    const crashed = await run({ action: "crash" }).promise;
    expect(crashed.ok).toBe(false);
    if (crashed.ok) return;
    expect(crashed.outcome).toBe("CRASHED");
    expect(crashed.error.code).toBe("TASK_PROCESS_EXITED_WITH_NON_ZERO_CODE");
    expect(crashed.error.message).toContain("exited with code 3");
    expect(crashed.error.message).toContain("about to exit with 3");

    const killed = await run({ action: "sigkill" }).promise;
    expect(killed.ok === false && killed.outcome).toBe("CRASHED");
    expect(killed.ok === false && killed.error.code).toBe("TASK_PROCESS_SIGKILL");
  });

  it("reports a bundle that fails to load as CRASHED with its stderr", async () => {
    executor = new ProcessExecutor();
    const result = await run({ action: "echo" }, {}, "broken.mjs").promise;
    expect(result.ok === false && result.outcome).toBe("CRASHED");
    expect(result.ok === false && result.error.message).toContain("something in the user's bundle is broken");
  });

  it("stops an attempt past maxDuration as TIMED_OUT", async () => {
    executor = new ProcessExecutor();
    const result = await run({ action: "hang", maxDuration: 1 }).promise;
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.outcome).toBe("TIMED_OUT");
    expect(result.error.code).toBe("MAX_DURATION_EXCEEDED");
  });

  it("cancels a hanging attempt: SIGKILL after the grace period, then CANCELED", async () => {
    executor = new ProcessExecutor({ cancelGraceMs: 200 });
    const { execution, logs, promise } = run({ action: "hang" });
    await waitFor(() => logs.some((l) => l.message === "hanging"));
    expect(executor.cancel(execution.run.id)).toBe(true);
    const result = await promise;
    expect(result.ok === false && result.outcome).toBe("CANCELED");
    expect(executor.cancel(execution.run.id)).toBe(false);
  });

  it("cancels a cooperative attempt without waiting for the grace period", async () => {
    executor = new ProcessExecutor({ cancelGraceMs: 60_000 });
    const { execution, logs, promise } = run({ action: "hang", gracefulCancel: true });
    await waitFor(() => logs.some((l) => l.message === "hanging"));
    expect(executor.cancel(execution.run.id)).toBe(true);
    const result = await promise;
    expect(result.ok === false && result.outcome).toBe("CANCELED");
  });

  it("forwards logger events and stdout/stderr lines to onLog", async () => {
    executor = new ProcessExecutor();
    const { execution, logs, promise } = run({ action: "log" });
    expect((await promise).ok).toBe(true);
    const byMessage = Object.fromEntries(logs.map((l) => [l.message, l]));
    expect(byMessage["hello from stdout"]?.level).toBe("log");
    expect(byMessage["warning on stderr"]?.level).toBe("error");
    expect(byMessage["logger.info line"]?.level).toBe("info");
    expect(logs.every((l) => l.runId === execution.run.id && l.attemptNumber === 1)).toBe(true);
  });

  it("passes a task's failure through unchanged", async () => {
    executor = new ProcessExecutor();
    const result = await run({ action: "fail" }).promise;
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.outcome).toBeUndefined();
    expect(result.error.message).toBe("task threw");
    expect(result.retry?.delay).toBe(1000);
  });

  it("never hands the runner's own secrets to the task's process", async () => {
    process.env.GANTRY_RUNNER_TOKEN = "gr_runner_secret";
    process.env.DATABASE_URL = "postgres://secret";
    try {
      executor = new ProcessExecutor({ baseEnv: { PATH: process.env.PATH ?? "" } });
      const execution = makeExecution({ action: "echo" }, { env: { API_KEY: "from-env-vars" } });
      const out = outputOf(
        await executor.execute({ execution, workerDir: FIXTURES_DIR, entryPoint: "worker.mjs", env: { EXTRA: "1" }, onLog: () => {} }),
      );
      expect(out.envKeys).not.toContain("GANTRY_RUNNER_TOKEN");
      expect(out.envKeys).not.toContain("DATABASE_URL");
      expect(out.envKeys).not.toContain("REDIS_URL");
      expect(out.workerMode).toBe("execute");
      expect(out.executionEnv).toEqual({ API_KEY: "from-env-vars", EXTRA: "1" });
    } finally {
      delete process.env.GANTRY_RUNNER_TOKEN;
      delete process.env.DATABASE_URL;
    }
  });

  it.runIf(process.getuid?.() === 0)("runs attempts as the configured unprivileged user", async () => {
    executor = new ProcessExecutor({ runAs: { uid: 65534, gid: 65534 } });
    const out = outputOf(await run({ action: "echo" }).promise);
    expect(out.uid).toBe(65534);
  });
});

async function waitFor(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

describe("ProcessExecutor start failures", () => {
  it("reports a bundle directory that does not exist with the reason", async () => {
    executor = new ProcessExecutor();
    const execution = makeExecution({ action: "echo" });
    const result = await executor.execute({ execution, workerDir: "/nonexistent-gantry-bundle", entryPoint: "index.mjs", onLog: () => {} });
    expect(result.ok === false && result.outcome).toBe("CRASHED");
    expect(result.ok === false && result.error.message).toContain("could not start the process");
  });

  it("gives up on a process that never says ready", async () => {
    executor = new ProcessExecutor({ startTimeoutMs: 300 });
    const execution = makeExecution({ action: "echo" });
    const result = await executor.execute({ execution, workerDir: FIXTURES_DIR, entryPoint: "silent.mjs", onLog: () => {} });
    expect(result.ok === false && result.outcome).toBe("CRASHED");
    expect(result.ok === false && result.error.message).toContain("not ready within 300 ms");
  });
});

describe("ProcessExecutor sharing keep-alive processes", () => {
  it("runs up to maxConcurrentAttempts attempts at once in one process, and opens another past that", async () => {
    executor = new ProcessExecutor({ maxConcurrentAttemptsPerProcess: 3 });
    const keepAlive = { enabled: true };
    const results = await Promise.all(Array.from({ length: 4 }, () => run({ action: "sleep", ms: 300 }, { keepAlive }).promise));
    const pids = results.map((r) => outputOf(r).pid);
    expect(new Set(pids.slice(0, 3)).size).toBe(1);
    expect(pids[3]).not.toBe(pids[0]);

    // the processes went back to the pool: the next burst reuses them
    const again = await Promise.all(Array.from({ length: 3 }, () => run({ action: "sleep", ms: 50 }, { keepAlive }).promise));
    expect(pids).toContain(outputOf(again[0]!).pid);
  });

  it("a crash takes down the attempts sharing its process, which report CRASHED", async () => {
    executor = new ProcessExecutor({ maxConcurrentAttemptsPerProcess: 2 });
    const keepAlive = { enabled: true };
    const sibling = run({ action: "sleep", ms: 5_000 }, { keepAlive });
    await new Promise((r) => setTimeout(r, 50));
    const crashing = run({ action: "crash" }, { keepAlive });
    const [a, b] = await Promise.all([sibling.promise, crashing.promise]);
    expect(a.ok === false && a.outcome).toBe("CRASHED");
    expect(b.ok === false && b.outcome).toBe("CRASHED");
  });
});
