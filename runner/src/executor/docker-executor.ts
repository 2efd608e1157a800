import { spawn, execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { posix } from "node:path";
import { MACHINE_SPECS, WorkerToParent, type TaskRunExecution, type TaskRunExecutionResult } from "@gantry/sdk/contracts";
import { heapLimitMb } from "./process-executor.js";
import { canceledResult, crashedResult, isHeapOutOfMemoryLine, suspendedResult, systemFailureResult, timedOutResult } from "./results.js";
import type { ExecuteRequest, Executor } from "./types.js";

export type DockerExecutorOptions = {
  /** Image for versions that have none of their own; the bundle is mounted read-only at /app. */
  defaultImage: string;
  cancelGraceMs?: number;
  /** `docker run --network`; "host" lets the SDK reach an api on localhost. */
  network?: string;
  apiUrl?: string;
  dockerBin?: string;
};

/** The run's log line at a wait under the docker executor (runner/README.md, "Attempts suspended at a wait"). */
export const DOCKER_SUSPEND_NOTICE =
  "The docker executor keeps no attempt suspended at a wait: this container stops now. When the wait is over the run starts a new attempt " +
  "that replays the task from the start: its waits, child runs and tokens are answered from the record, but other code before the wait runs again.";

const SHIM = fileURLToPath(new URL("./docker-shim.mjs", import.meta.url));

type Running = { name: string; canceled: boolean; send(line: string): void; killTimer?: NodeJS.Timeout };

/**
 * One container per attempt (`docker run --rm`), from the version's image or the default Node image with the
 * bundle mounted. Isolates attempts from the host and from each other far better than the process executor.
 */
export class DockerExecutor implements Executor {
  private readonly running = new Map<string, Running>();
  private readonly docker: string;

  constructor(private readonly opts: DockerExecutorOptions) {
    this.docker = opts.dockerBin ?? "docker";
  }

  async prewarm(): Promise<void> {
    // Containers start per attempt; pulling ahead is left to the image's first run.
  }

  async execute(request: ExecuteRequest): Promise<TaskRunExecutionResult> {
    const startedAt = performance.now();
    const elapsed = () => Math.round(performance.now() - startedAt);
    const execution: TaskRunExecution = request.env
      ? { ...request.execution, env: { ...request.execution.env, ...request.env } }
      : request.execution;
    const name = `gantry-${execution.run.id}-${execution.attempt.number}`.replace(/[^a-zA-Z0-9_.-]/g, "-");
    const args = this.runArgs(name, request, execution);
    const child = spawn(this.docker, args, { stdio: ["pipe", "pipe", "pipe"], env: { PATH: "/usr/local/bin:/usr/bin:/bin" } });
    const running: Running = { name, canceled: false, send: (line) => child.stdin.write(`${line}\n`) };
    this.running.set(execution.run.id, running);

    let result: TaskRunExecutionResult | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const stderr: string[] = [];
    const log = (level: "log" | "error", message: string) =>
      request.onLog({ runId: execution.run.id, attemptNumber: execution.attempt.number, kind: "log", level, message, time: Date.now() });

    createInterface({ input: child.stdout }).on("line", (line) => {
      const record = parseRecord(line);
      if (!record) return log("log", line);
      if (record.stdout !== undefined) return log("log", record.stdout);
      if (record.exit) exit = record.exit;
      const message = WorkerToParent.safeParse(record.message);
      if (!message.success) return;
      if (message.data.type === "ready") running.send(JSON.stringify({ type: "execute", execution }));
      else if (message.data.type === "log") request.onLog(message.data.event);
      else if (message.data.type === "completed" && message.data.runId === execution.run.id) {
        result = message.data.result;
        child.stdin.end(); // the shim then stops the worker and the container exits (--rm)
        setTimeout(() => void this.kill(name), 10_000).unref();
      } else if (message.data.type === "suspended" && message.data.runId === execution.run.id) {
        // a container keeps no suspended attempt: it stops, and the run replays from its recorded waits on resume
        request.onLog({ runId: execution.run.id, attemptNumber: execution.attempt.number, kind: "log", level: "warn", message: DOCKER_SUSPEND_NOTICE, time: Date.now() });
        result = suspendedResult(execution, elapsed());
        child.stdin.end();
        setTimeout(() => void this.kill(name), 10_000).unref();
      }
    });
    let heapOutOfMemory = false;
    createInterface({ input: child.stderr }).on("line", (line) => {
      // kept apart from the tail: V8's native stack trace after this line can push it out
      if (isHeapOutOfMemoryLine(line)) heapOutOfMemory = true;
      stderr.push(line);
      if (stderr.length > 20) stderr.shift();
      log("error", line);
    });

    let timedOut = false;
    const maxDuration = execution.run.maxDuration;
    const timer =
      maxDuration !== undefined && maxDuration > 0
        ? setTimeout(() => {
            timedOut = true;
            this.kill(name);
          }, maxDuration * 1000)
        : undefined;
    const closed = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
      child.once("error", (error) => resolve({ code: null, error }));
      child.once("close", (code) => resolve({ code }));
    });
    clearTimeout(timer);
    clearTimeout(running.killTimer);
    this.running.delete(execution.run.id);

    if (timedOut) return timedOutResult(execution, maxDuration ?? 0, elapsed());
    if (running.canceled) return canceledResult(execution, elapsed());
    if (result) return result.usage ? result : { ...result, usage: { durationMs: elapsed() } };
    if (closed.error) return systemFailureResult(execution, `Could not run docker: ${closed.error.message}: install Docker or set GANTRY_EXECUTOR=process`, elapsed());
    // docker itself fails with 125 (daemon or image problems) before the task's code runs
    if (closed.code === 125 && !exit) return systemFailureResult(execution, `docker run failed: ${stderr.join("\n")}`, elapsed());
    const containerExit = exit ?? (closed.code === 137 ? { code: null, signal: "SIGKILL" as const } : { code: closed.code, signal: null });
    return crashedResult(execution, containerExit, stderr.join("\n"), elapsed(), undefined, heapOutOfMemory ? "heap" : undefined);
  }

  cancel(runId: string): boolean {
    const running = this.running.get(runId);
    if (!running) return false;
    if (running.canceled) return true;
    running.canceled = true;
    running.send(JSON.stringify({ type: "cancel", runId }));
    running.killTimer = setTimeout(() => this.kill(running.name), this.opts.cancelGraceMs ?? 30_000);
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => this.kill(r.name)));
  }

  /** The `docker run` arguments for one attempt. Values reach the container only through the IPC relay and -e. */
  runArgs(name: string, request: ExecuteRequest, execution: TaskRunExecution): string[] {
    const machine = MACHINE_SPECS[execution.machine.name];
    const image = execution.deployment.imageReference ?? this.opts.defaultImage;
    const appDir = "/app";
    const args = ["run", "--rm", "-i", "--name", name, "--memory", `${Math.round(machine.memoryGb * 1024)}m`, "--cpus", String(machine.cpu)];
    args.push("--network", this.opts.network ?? "host", "--workdir", appDir);
    args.push("-v", `${SHIM}:/gantry/shim.mjs:ro`);
    if (!execution.deployment.imageReference) args.push("-v", `${request.workerDir}:${appDir}:ro`);
    args.push("-e", "GANTRY_WORKER_MODE=execute");
    if (this.opts.apiUrl) args.push("-e", `GANTRY_API_URL=${this.opts.apiUrl}`, "-e", `TRIGGER_API_URL=${this.opts.apiUrl}`);
    args.push(image, "node", "/gantry/shim.mjs", posix.join(appDir, request.entryPoint), String(heapLimitMb(execution.machine.name)));
    return args;
  }

  private kill(name: string): Promise<void> {
    return new Promise((resolve) => execFile(this.docker, ["kill", name], () => resolve()));
  }
}

function parseRecord(line: string): { message?: unknown; stdout?: string; exit?: { code: number | null; signal: NodeJS.Signals | null } } | undefined {
  if (!line.startsWith('{"gantry":1')) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** True when a Docker engine answers (`docker info`). */
export function dockerAvailable(dockerBin = "docker"): Promise<boolean> {
  return new Promise((resolve) => execFile(dockerBin, ["info"], { timeout: 10_000 }, (err) => resolve(!err)));
}
