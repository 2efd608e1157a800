import { applyMetadataOperations, UpdateRunMetadataResponse, type RunMetadataOperation } from "../contracts/index.js";
import { apiClient } from "../client/config.js";
import { currentExecution } from "../runtime/current.js";
import { streams, type StreamWriteOptions } from "./streams.js";

interface RunMetadataState {
  current: Record<string, unknown>;
  pending: RunMetadataOperation[];
  sending: Promise<void>;
  inFlight: boolean;
}

const states = new Map<string, RunMetadataState>();

function state(): { runId: string; s: RunMetadataState } | undefined {
  const store = currentExecution();
  if (!store) return undefined;
  const runId = store.execution.run.id;
  let s = states.get(runId);
  if (!s) {
    s = { current: { ...(store.execution.run.metadata ?? {}) }, pending: [], sending: Promise.resolve(), inFlight: false };
    states.set(runId, s);
  }
  return { runId, s };
}

/** Queues an operation; it is sent at once when nothing is in flight, else with the next batch. */
function enqueue(op: RunMetadataOperation): void {
  const st = state();
  if (!st) return; // outside a task there is no current run: the reference ignores it too
  st.s.current = applyMetadataOperations(st.s.current, [op]);
  st.s.pending.push(op);
  if (!st.s.inFlight) st.s.sending = send(st.runId, st.s);
}

async function send(runId: string, s: RunMetadataState): Promise<void> {
  s.inFlight = true;
  try {
    while (s.pending.length) {
      const operations = s.pending.splice(0);
      await apiClient().request(UpdateRunMetadataResponse, "PUT", `/api/v1/runs/${encodeURIComponent(runId)}/metadata`, { body: { operations } });
    }
  } finally {
    s.inFlight = false;
  }
}

/**
 * The current run's metadata: set it while the task runs and every subscriber (runs.subscribeToRun, the
 * React hooks, the dashboard) sees it within milliseconds. Outside a task the setters do nothing.
 *
 * @example
 * import { metadata } from "@gantry/sdk";
 * metadata.set("progress", 0.5).append("log", "resized");
 * await metadata.flush(); // optional: wait until the api has it
 */
export const metadata = {
  current(): Record<string, unknown> {
    return { ...(state()?.s.current ?? {}) };
  },
  get(key: string): unknown {
    return state()?.s.current[key];
  },
  set(key: string, value: unknown) {
    enqueue({ type: "set", key, value });
    return metadata;
  },
  del(key: string) {
    enqueue({ type: "delete", key });
    return metadata;
  },
  append(key: string, value: unknown) {
    enqueue({ type: "append", key, value });
    return metadata;
  },
  remove(key: string, value: unknown) {
    enqueue({ type: "remove", key, value });
    return metadata;
  },
  increment(key: string, value = 1) {
    enqueue({ type: "increment", key, value });
    return metadata;
  },
  decrement(key: string, value = 1) {
    enqueue({ type: "increment", key, value: -value });
    return metadata;
  },
  replace(value: Record<string, unknown>) {
    const st = state();
    if (!st) return metadata;
    for (const key of Object.keys(st.s.current)) enqueue({ type: "delete", key });
    enqueue({ type: "update", value });
    return metadata;
  },
  /** Resolves once every change so far reached the api. */
  async flush(): Promise<void> {
    const st = state();
    if (!st) return;
    while (st.s.inFlight || st.s.pending.length) {
      if (!st.s.inFlight) st.s.sending = send(st.runId, st.s);
      await st.s.sending;
    }
  },
  /**
   * The reference's v1 `metadata.stream`: pipes `source` into the run's stream `key` and returns the chunks to
   * consume in the task.
   */
  async stream<T>(key: string, source: AsyncIterable<T> | ReadableStream<T>, options?: StreamWriteOptions): Promise<AsyncIterable<T>> {
    return streams.pipe<T>(key, source, options).stream;
  },
};
