import { applyMetadataOperations, LIMITS, UpdateRunMetadataResponse, type RunMetadataOperation } from "../contracts/index.js";
import { apiClient } from "../client/config.js";
import { currentExecution, type ExecutionStore } from "../runtime/current.js";
import { streams, type StreamWriteOptions } from "./streams.js";

interface RunMetadataState {
  runId: string;
  current: Record<string, unknown>;
  /** this run's operations, its parent's and its root's, not yet sent */
  pending: { operations: RunMetadataOperation[]; parentOperations: RunMetadataOperation[]; rootOperations: RunMetadataOperation[] };
  sending: Promise<void>;
  inFlight: boolean;
  /** the first failure since the last flush(), which throws it */
  failure?: unknown;
}

// Per attempt (the worker's store), so a process that runs many attempts (processKeepAlive) keeps no stale state.
const states = new WeakMap<ExecutionStore, RunMetadataState>();

function state(): RunMetadataState | undefined {
  const store = currentExecution();
  if (!store) return undefined;
  let s = states.get(store);
  if (!s) {
    s = {
      runId: store.execution.run.id,
      current: { ...(store.execution.run.metadata ?? {}) },
      pending: { operations: [], parentOperations: [], rootOperations: [] },
      sending: Promise.resolve(),
      inFlight: false,
    };
    states.set(store, s);
  }
  return s;
}

type Target = "self" | "parent" | "root";

/** A root run (no parent) is its own parent and root, as in the official client. */
function resolveTarget(target: Target): Target {
  if (target === "self") return "self";
  const run = currentExecution()?.execution.run;
  return run && !run.parentTaskRunId ? "self" : target;
}

const textEncoder = new TextEncoder();

/** Queues an operation; it is sent at once when nothing is in flight, else with the next batch. */
function enqueue(target: Target, op: RunMetadataOperation): void {
  const s = state();
  if (!s) return; // outside a task there is no current run: the reference ignores it too
  const resolved = resolveTarget(target);
  if (resolved === "self") {
    const next = applyMetadataOperations(s.current, [op]);
    const size = textEncoder.encode(JSON.stringify(next)).length;
    if (size > LIMITS.metadataBytes) {
      throw new Error(`Run metadata would be ${size} bytes: the limit is ${LIMITS.metadataBytes} (256 KB). Store large data elsewhere and keep a reference in metadata.`);
    }
    s.current = next;
    s.pending.operations.push(op);
  } else {
    // the api applies it to the parent's / root's record; this run's view does not hold the other run's metadata
    (resolved === "parent" ? s.pending.parentOperations : s.pending.rootOperations).push(op);
  }
  if (!s.inFlight) s.sending = send(s);
}

const hasPending = (s: RunMetadataState) => s.pending.operations.length + s.pending.parentOperations.length + s.pending.rootOperations.length > 0;

/** Sends what is pending, coalescing everything queued while a request is in flight into the next one. */
async function send(s: RunMetadataState): Promise<void> {
  s.inFlight = true;
  try {
    while (hasPending(s)) {
      const { operations, parentOperations, rootOperations } = s.pending;
      s.pending = { operations: [], parentOperations: [], rootOperations: [] };
      const body = {
        operations,
        ...(parentOperations.length ? { parentOperations } : {}),
        ...(rootOperations.length ? { rootOperations } : {}),
      };
      try {
        await apiClient().request(UpdateRunMetadataResponse, "PUT", `/api/v1/runs/${encodeURIComponent(s.runId)}/metadata`, { body });
      } catch (error) {
        // a background send has no caller to throw to: log it (the run's logs) and let the next flush() throw it
        console.error(`metadata: ${operations.length + parentOperations.length + rootOperations.length} change(s) did not reach the api: ${(error as Error)?.message ?? error}`);
        s.failure ??= error;
      }
    }
  } finally {
    s.inFlight = false;
  }
}

async function flushState(): Promise<void> {
  const s = state();
  if (!s) return;
  while (s.inFlight || hasPending(s)) {
    if (!s.inFlight) s.sending = send(s);
    await s.sending;
  }
  const failure = s.failure;
  s.failure = undefined;
  if (failure !== undefined) throw failure;
}

/** The update methods of `metadata.parent` / `metadata.root` (fluent, like the run's own). */
export interface MetadataUpdater {
  set(key: string, value: unknown): MetadataUpdater;
  del(key: string): MetadataUpdater;
  append(key: string, value: unknown): MetadataUpdater;
  remove(key: string, value: unknown): MetadataUpdater;
  increment(key: string, value?: number): MetadataUpdater;
  decrement(key: string, value?: number): MetadataUpdater;
  update(value: Record<string, unknown>): MetadataUpdater;
  /** pipes `source` into the parent's / root's stream `key` and returns the chunks to consume in the task */
  stream<T>(key: string, source: AsyncIterable<T> | ReadableStream<T>, options?: StreamWriteOptions): Promise<AsyncIterable<T>>;
}

function updater(target: "parent" | "root"): MetadataUpdater {
  const self: MetadataUpdater = {
    set: (key, value) => (enqueue(target, { type: "set", key, value }), self),
    del: (key) => (enqueue(target, { type: "delete", key }), self),
    append: (key, value) => (enqueue(target, { type: "append", key, value }), self),
    remove: (key, value) => (enqueue(target, { type: "remove", key, value }), self),
    increment: (key, value = 1) => (enqueue(target, { type: "increment", key, value }), self),
    decrement: (key, value = 1) => (enqueue(target, { type: "increment", key, value: -Math.abs(value) }), self),
    update: (value) => (enqueue(target, { type: "update", value }), self),
    stream: async <T>(key: string, source: AsyncIterable<T> | ReadableStream<T>, options?: StreamWriteOptions) =>
      streams.pipe<T>(key, source, { ...options, target: resolveTarget(target) }).stream,
  };
  return self;
}

/**
 * The current run's metadata: set it while the task runs and every subscriber (runs.subscribeToRun, the
 * React hooks, the dashboard) sees it within milliseconds. Outside a task the setters do nothing. Changes past
 * 256 KB throw.
 *
 * `metadata.parent` and `metadata.root` change the parent run's and the root run's metadata (the root: the run
 * triggered from outside, e.g. your backend); in a run without a parent both are the run itself. Their changes
 * travel in the same requests as the run's own.
 *
 * @example
 * import { metadata } from "@gantry/sdk";
 * metadata.set("progress", 0.5).append("log", "resized");
 * metadata.parent.increment("processedRows", 1); // in a child run: the parent's counter
 * await metadata.flush(); // optional: wait until the api has it
 */
export const metadata = {
  current(): Record<string, unknown> {
    return { ...(state()?.current ?? {}) };
  },
  get(key: string): unknown {
    return state()?.current[key];
  },
  set(key: string, value: unknown) {
    enqueue("self", { type: "set", key, value });
    return metadata;
  },
  del(key: string) {
    enqueue("self", { type: "delete", key });
    return metadata;
  },
  append(key: string, value: unknown) {
    enqueue("self", { type: "append", key, value });
    return metadata;
  },
  remove(key: string, value: unknown) {
    enqueue("self", { type: "remove", key, value });
    return metadata;
  },
  increment(key: string, value = 1) {
    enqueue("self", { type: "increment", key, value });
    return metadata;
  },
  decrement(key: string, value = 1) {
    enqueue("self", { type: "increment", key, value: -value });
    return metadata;
  },
  replace(value: Record<string, unknown>) {
    const s = state();
    if (!s) return metadata;
    for (const key of Object.keys(s.current)) enqueue("self", { type: "delete", key });
    enqueue("self", { type: "update", value });
    return metadata;
  },
  /** The parent run's metadata (this run's own in a run without a parent). */
  parent: updater("parent"),
  /** The root run's metadata (this run's own in a run without a parent). */
  root: updater("root"),
  /** Resolves once every change so far (the parent's and root's included) reached the api; throws if one failed. */
  flush: flushState,
  /** Sends pending changes, then reloads the run's metadata from the api (e.g. after a child changed it). */
  async refresh(): Promise<void> {
    const s = state();
    if (!s) return;
    await flushState();
    const { data } = await apiClient().request(UpdateRunMetadataResponse, "GET", `/api/v1/runs/${encodeURIComponent(s.runId)}/metadata`);
    // changes made while the request was out stay on top of what it read
    s.current = applyMetadataOperations(data.metadata, s.pending.operations);
  },
  /**
   * The reference's v1 `metadata.stream`: pipes `source` into the run's stream `key` and returns the chunks to
   * consume in the task.
   */
  async stream<T>(key: string, source: AsyncIterable<T> | ReadableStream<T>, options?: StreamWriteOptions): Promise<AsyncIterable<T>> {
    return streams.pipe<T>(key, source, options).stream;
  },
};
