import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sseEvents } from "./sse.js";

// A server that ends its first response after an event and an id-only line (as Gantry's keepalives carry the
// resume cursor), and records the Last-Event-ID each reconnect sends.
let server: Server;
let url: string;
const received: Array<string | undefined> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push(req.headers["last-event-id"] as string | undefined);
    res.writeHead(200, { "content-type": "text/event-stream" });
    if (received.length === 1) res.end("retry: 10\n\nevent: run\nid: 5\ndata: {\"n\":1}\n\n: keepalive\nid: 9\n\n");
    else res.end('event: run\nid: 12\ndata: {"n":2}\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("sseEvents", () => {
  it("an id with no data moves the Last-Event-ID a reconnect sends, without yielding an event", async () => {
    const events: Array<{ id?: string; data: string }> = [];
    for await (const event of sseEvents(url, { headers: {}, fetch: globalThis.fetch })) {
      events.push(event);
      if (events.length === 2) break;
    }
    expect(events).toEqual([
      { event: "run", id: "5", data: '{"n":1}' },
      { event: "run", id: "12", data: '{"n":2}' },
    ]);
    expect(received).toEqual([undefined, "9"]);
  });
});
