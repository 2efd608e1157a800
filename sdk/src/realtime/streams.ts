import { currentExecution } from "../runtime/current.js";
import { realtimeRequest, type RealtimeConnection } from "./request.js";
import { readChunks } from "./stream-read.js";

/** Where a stream is written: the current run (default), its parent, its root, or a run id. */
export type StreamTarget = "self" | "parent" | "root" | (string & {});

export interface StreamWriteOptions extends RealtimeConnection {
  target?: StreamTarget;
}

export interface StreamReadOptions extends RealtimeConnection {
  /** end the iteration after this many seconds without a chunk; default 60 */
  timeoutInSeconds?: number;
  /** start at this chunk (0-based); default the first */
  startIndex?: number;
  signal?: AbortSignal;
}

export interface PipeResult<T> {
  /** the same chunks, for the task to use while they are sent */
  stream: AsyncIterable<T>;
  /** resolves once every chunk is stored */
  waitUntilComplete(): Promise<void>;
}

/** A typed stream (streams v2): `streams.define<string>({ id: "tokens" })`. */
export interface StreamDefinition<T> {
  id: string;
  pipe(source: AsyncIterable<T> | ReadableStream<T>, options?: StreamWriteOptions): PipeResult<T>;
  append(chunk: T, options?: StreamWriteOptions): Promise<void>;
  writer(params: { execute(ctx: { write(chunk: T): void; merge(source: AsyncIterable<T> | ReadableStream<T>): void }): void | Promise<void> } & StreamWriteOptions): { waitUntilComplete(): Promise<void> };
  read(runId: string, options?: StreamReadOptions): AsyncIterable<T>;
}

export type InferStreamType<S> = S extends StreamDefinition<infer T> ? T : unknown;

const DEFAULT_KEY = "default";
const FLUSH_MS = 25;

/** Resolves the run and connection a write goes to. */
function writeTarget(options: StreamWriteOptions): { runId: string; target: string; conn: RealtimeConnection } {
  const store = currentExecution();
  const target = options.target ?? "self";
  if (store) {
    return { runId: store.execution.run.id, target, conn: { accessToken: store.execution.runToken, baseURL: store.execution.apiUrl, ...options } };
  }
  if (target === "self" || target === "parent" || target === "root") {
    throw new Error("Writing to a stream outside a task needs the run id as `target`: streams.pipe(key, source, { target: runId })");
  }
  return { runId: target, target: "self", conn: options };
}

/** Sends chunks in order, batched, each batch numbered so a retried request writes nothing twice. */
class ChunkWriter<T> {
  private buffer: string[] = [];
  private nextSeq: number | undefined;
  private sending: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failed: unknown;

  constructor(
    private readonly key: string,
    private readonly options: StreamWriteOptions,
  ) {}

  write(chunk: T): void {
    this.buffer.push(JSON.stringify(chunk === undefined ? null : chunk));
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const lines = this.buffer;
    this.buffer = [];
    if (lines.length) this.sending = this.sending.then(() => this.send(lines)).catch((error) => void (this.failed ??= error));
    return this.sending.then(() => {
      if (this.failed) throw this.failed;
    });
  }

  private async send(lines: string[]): Promise<void> {
    const { runId, target, conn } = writeTarget(this.options);
    let resolved = runId;
    if (target !== "self") {
      const put = realtimeRequest(`/realtime/v1/streams/${encodeURIComponent(runId)}/${encodeURIComponent(target)}/${encodeURIComponent(this.key)}`, conn);
      const res = await put.fetch(put.url, { method: "PUT", headers: put.headers });
      if (!res.ok) throw new Error(`Stream ${this.key}: HTTP ${res.status} ${await res.text()}`);
      resolved = ((await res.json()) as { runId: string }).runId;
    }
    const req = realtimeRequest(`/realtime/v1/streams/${encodeURIComponent(resolved)}/${encodeURIComponent(this.key)}`, conn);
    const headers: Record<string, string> = { ...req.headers, "content-type": "application/x-ndjson" };
    if (this.nextSeq !== undefined) headers["x-stream-start-seq"] = String(this.nextSeq);
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await req.fetch(req.url, { method: "POST", headers, body: lines.join("\n") })
        if (res.ok) {
          this.nextSeq = ((await res.json()) as { nextSeq: number }).nextSeq;
          return;
        }
        if (res.status < 500 || attempt >= 5) throw new Error(`Stream ${this.key}: HTTP ${res.status} ${await res.text()}`);
      } catch (error) {
        if (attempt >= 5 || (error instanceof Error && error.message.startsWith(`Stream ${this.key}`))) throw error;
      }
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    }
  }
}

async function* iterate<T>(source: AsyncIterable<T> | ReadableStream<T>): AsyncGenerator<T> {
  if (Symbol.asyncIterator in source) {
    yield* source as AsyncIterable<T>;
    return;
  }
  const reader = (source as ReadableStream<T>).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

function pipe<T>(key: string, source: AsyncIterable<T> | ReadableStream<T>, options: StreamWriteOptions = {}): PipeResult<T> {
  const writer = new ChunkWriter<T>(key, options);
  const copies: T[] = [];
  let notify: (() => void) | undefined;
  let finished = false;
  const done = (async () => {
    try {
      for await (const chunk of iterate(source)) {
        writer.write(chunk);
        copies.push(chunk);
        notify?.();
      }
    } finally {
      finished = true;
      notify?.();
    }
    await writer.flush();
  })();
  done.catch(() => undefined);
  async function* stream(): AsyncGenerator<T> {
    for (let i = 0; ; ) {
      while (i < copies.length) yield copies[i++]!;
      if (finished) return;
      await new Promise<void>((resolve) => (notify = resolve));
    }
  }
  return { stream: stream(), waitUntilComplete: () => done };
}

async function append<T>(key: string, chunk: T, options: StreamWriteOptions = {}): Promise<void> {
  const writer = new ChunkWriter<T>(key, options);
  writer.write(chunk);
  await writer.flush();
}

function read<T>(runId: string, key: string, options: StreamReadOptions = {}): AsyncGenerator<T> {
  return readChunks<T>(runId, key, { ...options, timeoutInSeconds: options.timeoutInSeconds ?? 60 });
}

/**
 * Streams a run writes while it runs (e.g. LLM tokens) and anyone with read access follows, live or later.
 *
 * @example
 * export const tokens = streams.define<string>({ id: "tokens" });
 * // in a task:
 * const { waitUntilComplete } = tokens.pipe(llm.stream(prompt)); await waitUntilComplete();
 * // in a backend (or with a public token in a browser):
 * for await (const t of tokens.read(runId)) process.stdout.write(t);
 */
export const streams = {
  define<T>({ id }: { id: string }): StreamDefinition<T> {
    return {
      id,
      pipe: (source, options) => pipe<T>(id, source, options),
      append: (chunk, options) => append<T>(id, chunk, options),
      writer({ execute, ...options }) {
        const writer = new ChunkWriter<T>(id, options);
        const merges: Promise<void>[] = [];
        const done = (async () => {
          await execute({
            write: (chunk) => writer.write(chunk),
            merge: (source) => {
              merges.push((async () => { for await (const c of iterate(source)) writer.write(c); })());
            },
          });
          await Promise.all(merges);
          await writer.flush();
        })();
        done.catch(() => undefined);
        return { waitUntilComplete: () => done };
      },
      read: (runId, options) => read<T>(runId, id, options),
    };
  },
  pipe<T>(keyOrSource: string | AsyncIterable<T> | ReadableStream<T>, sourceOrOptions?: AsyncIterable<T> | ReadableStream<T> | StreamWriteOptions, options?: StreamWriteOptions): PipeResult<T> {
    if (typeof keyOrSource === "string") return pipe<T>(keyOrSource, sourceOrOptions as AsyncIterable<T>, options);
    return pipe<T>(DEFAULT_KEY, keyOrSource, sourceOrOptions as StreamWriteOptions | undefined);
  },
  append<T>(key: string, chunk: T, options?: StreamWriteOptions): Promise<void> {
    return append<T>(key, chunk, options);
  },
  read<T = unknown>(runId: string, key: string = DEFAULT_KEY, options?: StreamReadOptions): AsyncIterable<T> {
    return read<T>(runId, key, options);
  },
};
