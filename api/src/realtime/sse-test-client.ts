/** A minimal SSE client for tests: reads events off a real HTTP stream, one at a time. */
export interface TestSse {
  status: number;
  headers: Headers;
  /** resolves once the server ended the response */
  ended: Promise<void>;
  next(timeoutMs?: number): Promise<{ event: string; id?: string; data: any }>;
  close(): void;
}

export async function openSse(url: string, key: string, lastEventId?: string, headers: Record<string, string> = {}): Promise<TestSse> {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${key}`, accept: "text/event-stream", ...(lastEventId ? { "last-event-id": lastEventId } : {}), ...headers },
    signal: controller.signal,
  });
  let markEnded: () => void = () => {};
  const endedPromise = new Promise<void>((resolve) => (markEnded = resolve));
  const queue: Array<{ event: string; id?: string; data: any }> = [];
  const waiters: Array<() => void> = [];
  let ended = false;
  if (res.ok && res.body) {
    void (async () => {
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const fields: Record<string, string> = {};
            for (const line of block.split("\n")) {
              const i = line.indexOf(":");
              if (i <= 0) continue;
              fields[line.slice(0, i)] = line.slice(i + 1).trimStart();
            }
            if (fields.data === undefined) continue;
            let data: unknown = fields.data;
            try {
              data = JSON.parse(fields.data);
            } catch {
              // text
            }
            queue.push({ event: fields.event ?? "message", ...(fields.id ? { id: fields.id } : {}), data });
            waiters.splice(0).forEach((w) => w());
          }
        }
      } catch {
        // aborted
      }
      ended = true;
      markEnded();
      waiters.splice(0).forEach((w) => w());
    })();
  } else {
    ended = true;
    markEnded();
  }
  return {
    status: res.status,
    headers: res.headers,
    ended: endedPromise,
    async next(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (queue.length === 0) {
        if (ended) throw new Error("SSE stream ended");
        if (Date.now() > deadline) throw new Error("no SSE event arrived");
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return queue.shift()!;
    },
    close() {
      controller.abort();
    },
  };
}
