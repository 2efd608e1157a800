import { ApiError } from "../client/errors.js";
import { realtimeRequest, type RealtimeConnection } from "./request.js";
import type { AnyTask } from "../tasks/task.js";
import { decodeRealtimeRun, isFinal, type RealtimeRun } from "./run.js";
import { sseEvents } from "./sse.js";
import { runsWithStreams, type RunWithStreamsSubscription, type StreamsRecord } from "./with-streams.js";

export { realtimeRequest, type RealtimeConnection } from "./request.js";

export interface SubscribeOptions extends RealtimeConnection {
  /** end the iteration once the run (subscribeToRun) finished; default true */
  stopOnCompletion?: boolean;
  /** leave payload and output out (`["payload", "output"]`) */
  skipColumns?: string[];
  signal?: AbortSignal;
}

/** An async iterable of run states; `unsubscribe()` ends it (as does `break`). */
export interface RunSubscription<TTask extends AnyTask = AnyTask> extends AsyncIterable<RealtimeRun<TTask>> {
  unsubscribe(): void;
  /**
   * The run states and, merged in, the chunks of every stream the run writes: `{ type: "run", run }` or
   * `{ type: <stream key>, chunk, run }`. Ends when the run finished and its streams were read to the end.
   *
   * @example
   * for await (const part of runs.subscribeToRun<typeof myTask>(id).withStreams<{ openai: string }>()) {
   *   if (part.type === "run") console.log(part.run.status);
   *   else if (part.type === "openai") process.stdout.write(part.chunk);
   * }
   */
  withStreams<TStreams extends StreamsRecord = StreamsRecord>(): RunWithStreamsSubscription<TTask, TStreams>;
}

/** @internal subscribes to `path`, yielding each run's newer states, de-duplicated by change cursor. */
export function subscribeRuns<TTask extends AnyTask>(path: string, opts: SubscribeOptions, stopOn?: string): RunSubscription<TTask> {
  const controller = new AbortController();
  opts.signal?.addEventListener("abort", () => controller.abort(), { once: true });
  const query = opts.skipColumns?.length ? `${path.includes("?") ? "&" : "?"}skipColumns=${encodeURIComponent(opts.skipColumns.join(","))}` : "";
  const request = realtimeRequest(`${path}${query}`, opts);
  const seen = new Map<string, bigint>();

  async function* iterate(): AsyncGenerator<RealtimeRun<TTask>> {
    try {
      for await (const event of sseEvents(request.url, {
        headers: request.headers,
        fetch: request.fetch,
        signal: controller.signal,
        async onHttpError(response) {
          const text = await response.text().catch(() => "");
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON
          }
          throw ApiError.generate(response.status, body, undefined, Object.fromEntries(response.headers.entries()));
        },
      })) {
        if (event.event !== "run") continue;
        const { run, seq } = decodeRealtimeRun<TTask>(event.data);
        // a reconnect may replay a state already seen
        if ((seen.get(run.id) ?? -1n) >= seq) continue;
        seen.set(run.id, seq);
        yield run;
        if (stopOn !== undefined && run.id === stopOn && opts.stopOnCompletion !== false && isFinal(run.status)) return;
      }
    } finally {
      controller.abort();
    }
  }

  const generator = iterate();
  const subscription: RunSubscription<TTask> = {
    [Symbol.asyncIterator]: () => generator,
    unsubscribe: () => {
      controller.abort();
      void generator.return(undefined);
    },
    withStreams: <TStreams extends StreamsRecord>() => runsWithStreams<TTask, TStreams>(subscription, opts),
  };
  return subscription;
}

/**
 * Follows one run: yields its state now and on every change (status, metadata, tags, output), and ends when
 * it finishes (unless `stopOnCompletion: false`).
 *
 * @example
 * for await (const run of runs.subscribeToRun<typeof myTask>(handle.id)) console.log(run.status, run.metadata);
 */
export function subscribeToRun<TTask extends AnyTask = AnyTask>(runId: string | { id: string }, options: SubscribeOptions = {}): RunSubscription<TTask> {
  const id = typeof runId === "string" ? runId : runId.id;
  return subscribeRuns<TTask>(`/realtime/v1/runs/${encodeURIComponent(id)}`, options, id);
}

/**
 * Follows every run with any of the tags (never ends by itself: `break` or `unsubscribe()`).
 *
 * @example
 * for await (const run of runs.subscribeToRunsWithTag<typeof a | typeof b>("user:42", { createdAt: "1d" })) console.log(run.id);
 */
export function subscribeToRunsWithTag<TTask extends AnyTask = AnyTask>(
  tag: string | string[],
  options: SubscribeOptions & { createdAt?: string } = {},
): RunSubscription<TTask> {
  const tags = (Array.isArray(tag) ? tag : [tag]).join(",");
  const created = options.createdAt ? `&createdAt=${encodeURIComponent(options.createdAt)}` : "";
  return subscribeRuns<TTask>(`/realtime/v1/runs?tags=${encodeURIComponent(tags)}${created}`, options);
}

/**
 * Follows the runs of a batch (never ends by itself).
 *
 * @example
 * for await (const run of runs.subscribeToBatch<typeof myTask>(batch.batchId)) if (run.isCompleted) done++;
 */
export function subscribeToBatch<TTask extends AnyTask = AnyTask>(batchId: string, options: SubscribeOptions = {}): RunSubscription<TTask> {
  return subscribeRuns<TTask>(`/realtime/v1/batches/${encodeURIComponent(batchId)}`, options);
}
