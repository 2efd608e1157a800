/** A Server-Sent Events client over fetch (browser-safe: no EventSource, so it can send Authorization). */

export interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

export interface SseOptions {
  headers: Record<string, string>;
  fetch: typeof fetch;
  /** resume after this event id (sent as Last-Event-ID) */
  lastEventId?: string;
  signal?: AbortSignal;
  /** reconnect (with Last-Event-ID) when the stream ends or the network fails; default true */
  reconnect?: boolean;
  /** false: a response the server ends cleanly ends the iteration (failures still reconnect); default true */
  reconnectOnClose?: boolean;
  /** called with the HTTP status of a refused connection; throwing there ends the iteration */
  onHttpError?(response: Response): Promise<never>;
}

/**
 * The events of an SSE endpoint, reconnecting with `Last-Event-ID` after a dropped connection (the server's
 * `retry:` sets the pause), until `signal` aborts or the consumer stops iterating.
 *
 * @example
 * for await (const e of sseEvents(url, { headers, fetch })) console.log(e.event, JSON.parse(e.data));
 */
export async function* sseEvents(url: string, opts: SseOptions): AsyncGenerator<SseEvent> {
  let lastEventId = opts.lastEventId;
  let retryMs = 1000;
  let failures = 0;
  while (!opts.signal?.aborted) {
    let response: Response | undefined;
    try {
      const headers: Record<string, string> = { ...opts.headers, accept: "text/event-stream" };
      if (lastEventId !== undefined) headers["last-event-id"] = lastEventId;
      response = await opts.fetch(url, { method: "GET", headers, ...(opts.signal ? { signal: opts.signal } : {}) });
    } catch (error) {
      if (opts.signal?.aborted) return;
      if (opts.reconnect === false) throw error;
    }
    if (response && !response.ok) {
      if (opts.onHttpError) await opts.onHttpError(response);
      throw new Error(`Realtime connection refused: HTTP ${response.status} ${await response.text().catch(() => "")}`);
    }
    if (response?.body) {
      try {
        for await (const field of parseSse(response.body)) {
          if (field.retry !== undefined) retryMs = field.retry;
          if (field.lastEventId !== undefined) lastEventId = field.lastEventId;
          if (field.event) {
            failures = 0;
            if (field.event.id !== undefined) lastEventId = field.event.id;
            yield field.event;
          }
        }
        if (opts.reconnectOnClose === false) return;
      } catch (error) {
        if (opts.signal?.aborted) return;
        if (opts.reconnect === false) throw error;
      }
    }
    if (opts.reconnect === false || opts.signal?.aborted) return;
    failures++;
    await sleep(Math.min(30_000, retryMs * Math.min(failures, 10)), opts.signal);
  }
}

/**
 * Parses an SSE byte stream into events, `retry:` hints and `lastEventId` updates (an `id:` with no data: as the
 * SSE spec says, it moves the id a reconnect sends without dispatching an event).
 */
export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event?: SseEvent; retry?: number; lastEventId?: string }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let data: string[] = [];
  let event = "";
  let id: string | undefined;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + (buffer.startsWith("\r\n", nl) ? 2 : 1));
        if (line === "") {
          if (data.length) yield { event: { event: event || "message", ...(id !== undefined ? { id } : {}), data: data.join("\n") } };
          else if (id !== undefined) yield { lastEventId: id };
          data = [];
          event = "";
          id = undefined;
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "data") data.push(value);
        else if (field === "event") event = value;
        else if (field === "id") id = value;
        else if (field === "retry" && /^\d+$/.test(value)) yield { retry: Number(value) };
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
