import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

/** What the client reads from an answer: a fetch `Response` has it too (tests may pass their own fetch). */
export interface HttpReply {
  ok: boolean;
  status: number;
  text(): Promise<string>;
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface HttpInit {
  method: string;
  headers?: Record<string, string>;
  body?: string;
}

export type HttpTransport = ((url: string, init: HttpInit) => Promise<HttpReply>) & { close(): void };

/** As undici's default header and body timeouts: an api that stops answering fails the request, then it is retried. */
const TIMEOUT_MS = 300_000;

/**
 * The runner's HTTP to the api on Node's own http client with keep-alive, rather than `fetch`: the runner sends
 * a few batched requests per flush, and fetch's Request/Response objects and web streams were a fifth of the
 * runner's CPU per run. Whole bodies, JSON in and out, as the protocol needs.
 */
export function createHttpTransport(): HttpTransport {
  const agents = { http: new HttpAgent({ keepAlive: true, scheduling: "lifo" }), https: new HttpsAgent({ keepAlive: true, scheduling: "lifo" }) };
  const send = (url: string, init: HttpInit, firstTry: boolean): Promise<HttpReply> =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const secure = target.protocol === "https:";
      const headers: OutgoingHttpHeaders = { ...init.headers };
      const body = init.body === undefined ? undefined : Buffer.from(init.body, "utf8");
      if (body) headers["content-length"] = body.length;
      const req = (secure ? httpsRequest : httpRequest)(
        target,
        { method: init.method, headers, agent: secure ? agents.https : agents.http, timeout: TIMEOUT_MS },
        (res) => {
          readAll(res).then((bytes) => resolve(reply(res.statusCode ?? 0, bytes)), reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
      req.on("error", (error: NodeJS.ErrnoException) => {
        // a kept-alive connection the api closed just as it was reused: the request never reached it, send it again
        if (firstTry && req.reusedSocket && (error.code === "ECONNRESET" || error.message === "socket hang up")) {
          send(url, init, false).then(resolve, reject);
          return;
        }
        reject(error);
      });
      req.end(body);
    });
  const transport = ((url: string, init: HttpInit) => send(url, init, true)) as HttpTransport;
  transport.close = () => {
    agents.http.destroy();
    agents.https.destroy();
  };
  return transport;
}

function readAll(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (chunk: Buffer) => chunks.push(chunk));
    res.on("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    res.on("error", reject);
    res.on("aborted", () => reject(new Error("the api closed the connection mid-answer")));
  });
}

function reply(status: number, bytes: Buffer): HttpReply {
  const text = () => {
    const s = bytes.toString("utf8");
    return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
  };
  return {
    ok: status >= 200 && status < 300,
    status,
    text: async () => text(),
    json: async () => JSON.parse(text()) as unknown,
    arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  };
}
