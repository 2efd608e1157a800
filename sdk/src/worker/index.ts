import { AsyncLocalStorage } from "node:async_hooks";
import { ParentToWorker, RuntimeConfig, type WorkerToParent } from "../contracts/index.js";
import { setLogLevel } from "../logger/logger.js";
import { installRuntime, type ExecutionStore } from "../runtime/current.js";
import { addGlobalHook } from "../tasks/hooks.js";
import { duplicateTaskIds, listRegisteredTasks, setCurrentFile as setRegistryFile, toTaskManifest } from "../tasks/registry.js";
import { interceptConsole } from "./console.js";
import { executeAttempt, type RunningAttempt } from "./execute-attempt.js";
import { internalError } from "./serialize-error.js";
import { warmUp } from "./warm-up.js";

export { executeAttempt, CANCEL_GRACE_MS } from "./execute-attempt.js";

type Mode = "index" | "execute";
let indexHandlersInstalled = false;
let currentFile = "";

/**
 * Tells the registry which file the next `task()` calls come from. The builder's generated entry calls it
 * before importing each task file; in index mode an import that throws is reported as `index_error`
 * naming that file.
 *
 * @example
 * import { setCurrentFile, startWorker } from "@gantry/sdk/worker";
 * import config from "./gantry.config.js";
 * setCurrentFile("src/trigger/hello.ts");
 * await import("/abs/src/trigger/hello.ts");
 * startWorker({ config });
 */
export function setCurrentFile(filePath: string): void {
  currentFile = filePath;
  setRegistryFile(filePath);
  if (!indexHandlersInstalled && workerMode() === "index" && process.send) {
    indexHandlersInstalled = true;
    const report = (error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      send({ type: "index_error", error: { message: `Importing ${currentFile} failed: ${e.message}`, ...(e.stack ? { stack: e.stack } : {}) } }, () => process.exit(1));
    };
    process.on("uncaughtException", report);
    process.on("unhandledRejection", report);
  }
}

/**
 * The worker side of the runner's IPC protocol (`contracts/ipc.ts`), called last by the bundle's entry.
 * GANTRY_WORKER_MODE=index: sends `indexed` (every registered task, hidden ones included) and exits.
 * GANTRY_WORKER_MODE=execute: sends `ready`, then runs `execute` messages (several at once if asked),
 * honours `cancel` and `shutdown`.
 *
 * @example
 * import { startWorker } from "@gantry/sdk/worker";
 * import config from "./gantry.config.js";
 * startWorker({ config });
 */
export function startWorker(opts: { config: unknown }): void {
  if (!process.send) {
    throw new Error("startWorker: this process has no IPC channel. Workers are started by the Gantry runner (fork with an IPC channel); run `gantry dev` or a runner instead of `node index.mjs`.");
  }
  const rawConfig = (opts.config && typeof opts.config === "object" ? opts.config : {}) as Record<string, unknown>;
  const config = runtimeConfig(rawConfig);
  if (config?.logLevel) setLogLevel(config.logLevel);
  registerConfigHooks(rawConfig);

  const storage = new AsyncLocalStorage<ExecutionStore>();
  installRuntime({ get: () => storage.getStore(), run: (store, fn) => storage.run(store, fn) });

  if (workerMode() === "index") {
    const duplicates = duplicateTaskIds();
    if (duplicates.length > 0) {
      send({ type: "index_error", error: { message: `Task ids must be unique in a project; registered twice: ${duplicates.join("; ")}` } }, () => process.exit(1));
      return;
    }
    if (!config) {
      // The builder validates gantry.config.ts itself (and may supply the project ref from flags), so indexing
      // still succeeds; the runtime settings it could not read are left out.
      const parsed = RuntimeConfig.safeParse(pickRuntime(rawConfig));
      const detail = parsed.success ? "" : parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
      process.stderr.write(`gantry worker: config ignored while indexing (${detail})\n`);
    }
    const tasks = listRegisteredTasks().map(toTaskManifest);
    send({ type: "indexed", tasks, ...(config ? { config } : {}) }, () => process.exit(0));
    return;
  }

  interceptConsole();
  const running = new Map<string, RunningAttempt>();
  let shuttingDown = false;

  // attempts suspended at a wait do not hold a shutdown up: their runs replay from the record elsewhere
  const exitWhenIdle = () => {
    if (shuttingDown && [...running.values()].every((a) => a.suspended)) process.exit(0);
  };

  process.on("message", (raw: unknown) => {
    const parsed = ParentToWorker.safeParse(raw);
    if (!parsed.success) {
      const execution = (raw as { execution?: { run?: { id?: unknown }; attempt?: { number?: unknown } } })?.execution;
      const runId = execution?.run?.id;
      const attemptNumber = execution?.attempt?.number;
      if (typeof runId === "string" && typeof attemptNumber === "number") {
        // Answer so the runner does not wait for an attempt that never starts.
        const error = internalError("CONFIGURED_INCORRECTLY", `The worker could not read the execution: ${parsed.error.message}`);
        send({ type: "completed", runId, attemptNumber, result: { ok: false, id: runId, error, skippedRetrying: true } });
      } else {
        process.stderr.write(`gantry worker: ignored an invalid message: ${parsed.error.message}\n`);
      }
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case "execute": {
        const execution = message.execution;
        const attempt = executeAttempt(execution, {
          ...(config ? { config } : {}),
          emit: (event) => send({ type: "log", event }),
          onSuspended: () => {
            send({ type: "suspended", runId: execution.run.id, attemptNumber: execution.attempt.number });
            exitWhenIdle();
          },
        });
        running.set(execution.run.id, attempt);
        void attempt.result.then((result) => {
          if (running.get(execution.run.id) !== attempt) return; // discarded meanwhile
          running.delete(execution.run.id);
          send({ type: "completed", runId: execution.run.id, attemptNumber: execution.attempt.number, result });
          exitWhenIdle();
        });
        return;
      }
      case "cancel":
        void running.get(message.runId)?.cancel();
        return;
      case "resume": {
        const attempt = running.get(message.runId);
        if (!attempt?.resume(message.waitpoint, message.runToken)) {
          // nothing suspended here for that run any more: say so, the runner starts it afresh (a replay)
          const error = internalError("TASK_RUN_RESUME_FAILED", `No attempt of run ${message.runId} is suspended in this process`);
          send({ type: "completed", runId: message.runId, attemptNumber: message.attemptNumber, result: { ok: false, id: message.runId, error, skippedRetrying: true } });
        }
        return;
      }
      case "discard":
        // the suspended attempt's promise is never settled: its code, and everything it holds, is collected
        running.delete(message.runId);
        exitWhenIdle();
        return;
      case "shutdown":
        shuttingDown = true;
        exitWhenIdle();
        return;
    }
  });
  process.on("disconnect", () => process.exit(0));
  // `ready` only once the execute path is compiled, so a pre-spawned process starts its first run warm
  const taskCount = listRegisteredTasks().length;
  void warmUp()
    .catch(() => undefined)
    .then(() => send({ type: "ready", taskCount }));
}

function send(message: WorkerToParent, callback?: () => void): void {
  process.send!(message, undefined, {}, callback ? () => callback() : undefined);
}

function workerMode(): Mode {
  // The runner sets this variable when it forks the worker; it is the worker's one input from the environment.
  return process.env.GANTRY_WORKER_MODE === "index" ? "index" : "execute";
}

function pickRuntime(config: Record<string, unknown>): Record<string, unknown> {
  const { project, retries, maxDuration, processKeepAlive, logLevel } = config;
  const machine = config.defaultMachine ?? config.machine;
  return Object.fromEntries(Object.entries({ project, retries, maxDuration, machine, processKeepAlive, logLevel }).filter(([, v]) => v !== undefined));
}

function runtimeConfig(config: Record<string, unknown>): RuntimeConfig | undefined {
  const parsed = RuntimeConfig.safeParse(pickRuntime(config));
  return parsed.success ? parsed.data : undefined;
}

function registerConfigHooks(config: Record<string, unknown>): void {
  const fn = (v: unknown) => (typeof v === "function" ? (v as never) : undefined);
  const pairs = [
    ["init", fn(config.init)],
    ["onStart", fn(config.onStart)],
    ["onSuccess", fn(config.onSuccess)],
    ["onFailure", fn(config.onFailure)],
    ["catchError", fn(config.catchError)],
  ] as const;
  for (const [kind, hook] of pairs) if (hook) addGlobalHook(kind, "gantry.config", hook);
}
