import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createHttpTransport } from "./http-transport.js";

let server: Server | undefined;
afterEach(async () => {
  const s = server;
  server = undefined;
  if (!s) return;
  s.closeAllConnections();
  await new Promise((r) => s.close(r)); // called back with an error when it is closed already
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

describe("the runner's HTTP transport", () => {
  it("sends the body and headers, and reads an answer sent in pieces split inside characters", async () => {
    const seen: Array<{ method?: string; auth?: string; length?: string; body: string }> = [];
    const answer = Buffer.from(JSON.stringify({ text: "ünïcödé ✓ 🚀".repeat(50) }));
    const url = await listen((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (c: string) => (body += c));
      req.on("end", () => {
        seen.push({ method: req.method, auth: req.headers.authorization, length: req.headers["content-length"], body });
        res.writeHead(201, { "content-type": "application/json" });
        for (let i = 0; i < answer.length; i += 5) res.write(answer.subarray(i, i + 5));
        res.end();
      });
    });
    const send = createHttpTransport();
    try {
      const sent = JSON.stringify({ runs: ["é", "🚀"] });
      const reply = await send(`${url}/api/runner/v1/attempts/start`, { method: "POST", headers: { authorization: "Bearer t" }, body: sent });
      expect(reply.status).toBe(201);
      expect(reply.ok).toBe(true);
      expect(await reply.json()).toEqual(JSON.parse(answer.toString("utf8")));
      expect(seen).toEqual([{ method: "POST", auth: "Bearer t", length: String(Buffer.byteLength(sent)), body: sent }]);
      const bytes = await (await send(`${url}/x`, { method: "GET" })).arrayBuffer();
      expect(Buffer.from(bytes).equals(answer)).toBe(true);
    } finally {
      send.close();
    }
  });

  it("reuses its connection, and sends again when the api closed the idle connection it reused", async () => {
    const sockets = new Set<Socket>();
    let requests = 0;
    const url = await listen((req, res) => {
      requests++;
      sockets.add(req.socket);
      res.end(JSON.stringify({ n: requests }));
    });
    const send = createHttpTransport();
    try {
      expect(await (await send(`${url}/a`, { method: "GET" })).json()).toEqual({ n: 1 });
      expect(await (await send(`${url}/b`, { method: "GET" })).json()).toEqual({ n: 2 });
      expect(sockets.size).toBe(1); // kept alive
      // the api drops the idle connection (its keep-alive timeout) without the client having seen it yet
      const [socket] = [...sockets];
      socket!.destroy();
      expect(await (await send(`${url}/c`, { method: "GET" })).json()).toEqual({ n: 3 });
      expect(sockets.size).toBe(2);
    } finally {
      send.close();
    }
  });

  it("fails when nothing listens (the client's retry decides what next)", async () => {
    const url = await listen((_req, res) => res.end());
    server!.closeAllConnections();
    await new Promise((r) => server!.close(r));
    const send = createHttpTransport();
    await expect(send(`${url}/a`, { method: "GET" })).rejects.toThrow(/ECONNREFUSED/);
    send.close();
  });
});
