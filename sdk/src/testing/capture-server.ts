import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface CapturedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** set once the reply has been written */
  answered?: boolean;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** answer only after this long (to observe whether the client waits for the answer) */
  delayMs?: number;
}

/** A loopback HTTP server that records every request and answers from a queue of replies (or a handler). */
export interface CaptureServer {
  url: string;
  requests: CapturedRequest[];
  /** replies used in order; when empty, `fallback` answers */
  replies: Reply[];
  fallback: (req: CapturedRequest) => Reply;
  close(): Promise<void>;
}

export async function startCaptureServer(): Promise<CaptureServer> {
  const state: Omit<CaptureServer, "url" | "close"> = { requests: [], replies: [], fallback: () => ({ status: 404, body: { error: "no reply queued" } }) };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const captured: CapturedRequest = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      state.requests.push(captured);
      const reply = state.replies.shift() ?? state.fallback(captured);
      const answer = () => {
        res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers });
        res.end(reply.body === undefined ? "" : typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body));
        captured.answered = true;
      };
      if (reply.delayMs) setTimeout(answer, reply.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
