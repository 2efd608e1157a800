import type { TaskManifest } from "../contracts/index.js";
import { payloadJsonSchema } from "./payload-schema.js";
import type { AnyTaskOptions } from "./types.js";

/** A task as `task()` registered it: found by registration, not by export (hidden tasks count). */
export interface RegisteredTask {
  id: string;
  filePath: string;
  options: AnyTaskOptions;
  /** schemaTask: validates and transforms the payload before every run */
  parsePayload?: (payload: unknown) => Promise<unknown>;
  triggerSource: "STANDARD" | "SCHEDULED";
  schedule?: TaskManifest["schedule"];
}

interface RegistryState {
  tasks: Map<string, RegisteredTask>;
  currentFile: string;
  /** "id: a.ts and b.ts" for every id registered twice */
  duplicates: string[];
}

// On globalThis so that the bundle's entry and its task files share one registry whatever the module graph.
const KEY = Symbol.for("gantry.sdk.registry");

function state(): RegistryState {
  const g = globalThis as { [KEY]?: RegistryState };
  g[KEY] ??= { tasks: new Map(), currentFile: "", duplicates: [] };
  return g[KEY];
}

/**
 * Tells the registry which file the next `task()` calls come from (the builder's generated entry
 * calls it before importing each task file).
 *
 * @example
 * import { setCurrentFile } from "@gantry/sdk/worker";
 * setCurrentFile("src/trigger/hello.ts");
 * await import("./src/trigger/hello.js");
 */
export function setCurrentFile(filePath: string): void {
  state().currentFile = filePath;
}

export function registerTask(task: Omit<RegisteredTask, "filePath">): void {
  const s = state();
  const existing = s.tasks.get(task.id);
  if (existing && existing.filePath !== s.currentFile) {
    s.duplicates.push(`${task.id}: ${existing.filePath || "(unknown file)"} and ${s.currentFile || "(unknown file)"}`);
  }
  s.tasks.set(task.id, { ...task, filePath: s.currentFile });
}

export function getRegisteredTask(id: string): RegisteredTask | undefined {
  return state().tasks.get(id);
}

export function listRegisteredTasks(): RegisteredTask[] {
  return [...state().tasks.values()];
}

export function duplicateTaskIds(): string[] {
  return [...state().duplicates];
}

/** The manifest entry of a registered task, as `gantry deploy` records it. */
export function toTaskManifest(task: RegisteredTask): TaskManifest {
  const { options } = task;
  const machine = typeof options.machine === "string" ? options.machine : options.machine?.preset;
  const manifest: TaskManifest = { id: task.id, filePath: task.filePath, triggerSource: task.triggerSource };
  if (options.description) manifest.description = options.description;
  if (options.queue) {
    manifest.queue = { name: options.queue.name ?? `task/${task.id}` };
    if (options.queue.concurrencyLimit !== undefined) manifest.queue.concurrencyLimit = options.queue.concurrencyLimit;
    if (options.queue.totalConcurrencyLimit !== undefined) manifest.queue.totalConcurrencyLimit = options.queue.totalConcurrencyLimit;
    if (options.queue.rateLimit) manifest.queue.rateLimit = { ...options.queue.rateLimit };
    if (options.queue.keyRateLimit) manifest.queue.keyRateLimit = { ...options.queue.keyRateLimit };
  }
  if (options.retry) {
    // outOfMemory.machine travels with the task: the api retries an out-of-memory attempt on that machine
    const { outOfMemory, ...retry } = options.retry;
    manifest.retry = outOfMemory?.machine ? { ...retry, outOfMemory: { machine: outOfMemory.machine } } : retry;
  }
  if (options.maxDuration !== undefined) manifest.maxDuration = options.maxDuration;
  if (machine) manifest.machine = machine;
  if (task.schedule) manifest.schedule = task.schedule;
  const payloadSchema = "schema" in options ? payloadJsonSchema(options.schema) : undefined;
  if (payloadSchema !== undefined) manifest.payloadSchema = payloadSchema;
  return manifest;
}
