import type { AnyTask } from "../tasks/task.js";
import type { RealtimeConnection } from "./request.js";
import type { RealtimeRun } from "./run.js";
import { readChunks } from "./stream-read.js";

/** Stream chunk types by stream key, e.g. `{ openai: string; progress: { pct: number } }`. */
export type StreamsRecord = Record<string, unknown>;

/**
 * What `withStreams()` yields: the run (`type: "run"`) on every change, and each chunk of each stream the run
 * writes (`type: <stream key>`, `chunk`), with the run's latest state.
 */
export type RealtimeRunWithStreamsPart<TTask extends AnyTask = AnyTask, TStreams extends StreamsRecord = StreamsRecord> =
  | { type: "run"; run: RealtimeRun<TTask> }
  | { [K in keyof TStreams & string]: { type: K; chunk: TStreams[K]; run: RealtimeRun<TTask> } }[keyof TStreams & string];

/** An async iterable of run states and stream chunks; `unsubscribe()` ends it (as does `break`). */
export interface RunWithStreamsSubscription<TTask extends AnyTask = AnyTask, TStreams extends StreamsRecord = StreamsRecord>
  extends AsyncIterable<RealtimeRunWithStreamsPart<TTask, TStreams>> {
  unsubscribe(): void;
}

/**
 * @internal Merges a run subscription with the streams its runs write: a stream is read (from its first chunk)
 * as soon as a run state names it in `realtimeStreams`. Ends once the run subscription ended and every stream
 * was read to its end (the api ends a stream when its run finished).
 */
export function runsWithStreams<TTask extends AnyTask, TStreams extends StreamsRecord>(
  runs: AsyncIterable<RealtimeRun<TTask>> & { unsubscribe(): void },
  connection: RealtimeConnection,
): RunWithStreamsSubscription<TTask, TStreams> {
  type Part = RealtimeRunWithStreamsPart<TTask, TStreams>;
  const controller = new AbortController();
  const queue: Part[] = [];
  const latest = new Map<string, RealtimeRun<TTask>>();
  const reading = new Set<string>();
  let pending = 1; // the run subscription, plus one per stream being read
  let failure: unknown;
  let wake: (() => void) | undefined;
  const push = (part: Part) => {
    queue.push(part);
    wake?.();
  };
  const settle = (error?: unknown) => {
    if (error !== undefined && !controller.signal.aborted) failure ??= error;
    pending--;
    wake?.();
  };

  const read = (run: RealtimeRun<TTask>, key: string) => {
    const id = `${run.id}\u0000${key}`;
    if (reading.has(id)) return;
    reading.add(id);
    pending++;
    void (async () => {
      for await (const chunk of readChunks<unknown>(run.id, key, { ...connection, signal: controller.signal })) {
        push({ type: key, chunk, run: latest.get(run.id) ?? run } as Part);
      }
    })().then(() => settle(), settle);
  };

  void (async () => {
    for await (const run of runs) {
      latest.set(run.id, run);
      push({ type: "run", run } as Part);
      for (const key of run.realtimeStreams ?? []) read(run, key);
    }
  })().then(() => settle(), settle);

  async function* iterate(): AsyncGenerator<Part> {
    try {
      for (;;) {
        while (queue.length) yield queue.shift()!;
        if (failure !== undefined) throw failure;
        if (pending === 0) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      controller.abort();
      runs.unsubscribe();
    }
  }

  const generator = iterate();
  return {
    [Symbol.asyncIterator]: () => generator,
    unsubscribe: () => {
      controller.abort();
      runs.unsubscribe();
      wake?.();
      void generator.return(undefined);
    },
  };
}
