// A loopback proxy in front of Gantry that lets the first matching request through to the api but answers the
// client 503, as if the response were lost on the way back. The official client then retries the call.
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FlakyProxy {
  url: string;
  /** how many matching requests the api saw */
  hits(): number;
  close(): Promise<void>;
}

export async function startFlakyProxy(target: string, matches: (method: string, path: string) => boolean): Promise<FlakyProxy> {
  const upstream = new URL(target);
  let hits = 0;
  const server: Server = createServer((req, res) => {
    const matched = matches(req.method ?? "GET", req.url ?? "/");
    if (matched) hits += 1;
    const loseResponse = matched && hits === 1;
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (upstreamRes) => {
        if (loseResponse) {
          upstreamRes.resume();
          upstreamRes.on("end", () => res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ error: "lost on the way back" })));
          return;
        }
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    forward.on("error", (error) => res.writeHead(502).end(String(error)));
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
