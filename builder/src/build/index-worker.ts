import { fork } from "node:child_process";
import { join } from "node:path";
import { WorkerToParent, type RuntimeConfig, type TaskManifest } from "@gantry/sdk/contracts";
import { BuildError, type SourceLocation } from "../errors.js";

export interface IndexResult {
  tasks: TaskManifest[];
  config?: RuntimeConfig;
}

/**
 * Runs the bundle once with GANTRY_WORKER_MODE=index and collects the tasks it registers (registration, not
 * exports: hidden tasks count). A throw while importing the task files becomes a BuildError pointing at the
 * first frame inside the project (source maps are on).
 */
export function indexWorker(opts: {
  outDir: string;
  entryPoint: string;
  rootDir: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}): Promise<IndexResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolvePromise, rejectPromise) => {
    const child = fork(join(opts.outDir, opts.entryPoint), [], {
      cwd: opts.outDir,
      env: indexEnv(opts.env ?? process.env),
      execArgv: ["--enable-source-maps"],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "json",
    });
    let stderr = "";
    let settled = false;
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-8000);
    });
    child.stdout?.resume();
    const finish = (error: BuildError | undefined, result?: IndexResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      if (error) rejectPromise(error);
      else resolvePromise(result!);
    };
    const timer = setTimeout(() => {
      finish(new BuildError(`Indexing the tasks took longer than ${timeoutMs / 1000}s: a task file does slow work at import time (move it into run())${tail(stderr)}`, undefined, { code: "index_timeout" }));
    }, timeoutMs);
    child.on("message", (raw) => {
      const parsed = WorkerToParent.safeParse(raw);
      if (!parsed.success) return;
      const message = parsed.data;
      if (message.type === "indexed") finish(undefined, { tasks: message.tasks, config: message.config });
      else if (message.type === "index_error") {
        const location = locationFromStack(message.error.stack, opts.rootDir);
        const where = location ? `${location.file}:${location.line}: ` : "";
        finish(new BuildError(`Importing your task files threw: ${where}${message.error.message}`, location, { code: "index_failed" }));
      }
    });
    child.on("error", (error) => finish(new BuildError(`Could not start the bundle to index it: ${error.message}`, undefined, { cause: error, code: "index_failed" })));
    child.on("exit", (code, signal) => {
      const location = locationFromStack(stderr, opts.rootDir);
      finish(
        new BuildError(
          `The bundle exited (${signal ?? `code ${code}`}) before listing its tasks: does the project's @gantry/sdk match this CLI (run \`gantry update\`)?${tail(stderr)}`,
          location,
          { code: "index_failed" },
        ),
      );
    });
  });
}

/** The index run's environment: the caller's, minus the CLI's own credentials (task code runs at import). */
function indexEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const { GANTRY_ACCESS_TOKEN: _a, TRIGGER_ACCESS_TOKEN: _b, ...rest } = env;
  return { ...rest, GANTRY_WORKER_MODE: "index" };
}

function tail(stderr: string): string {
  const text = stderr.trim();
  return text ? `\n--- stderr ---\n${text.split("\n").slice(-30).join("\n")}` : "";
}

/** The first stack frame that points into the project (not node_modules, not the bundle itself). */
export function locationFromStack(stack: string | undefined, rootDir: string): SourceLocation | undefined {
  if (!stack) return undefined;
  const root = rootDir.replace(/\/$/, "") + "/";
  for (const match of stack.matchAll(/(?:file:\/\/)?(\/[^\s():]+):(\d+):(\d+)/g)) {
    const file = match[1]!;
    if (!file.startsWith(root) || file.includes("/node_modules/") || file.includes("/.gantry/")) continue;
    return { file: file.slice(root.length), line: Number(match[2]), column: Number(match[3]), absoluteFile: file };
  }
  return undefined;
}
