import http from "node:http";

const REQUEST_TIMEOUT_MS = 10_000;

export interface TriggerOutcome {
  status: number;
  /** the run id when the trigger was accepted */
  id?: string;
  /** client-side round trip */
  ms: number;
  /** wall-clock time the request was sent (ms since epoch) */
  sentAt: number;
  error?: string;
}

/**
 * `POST /api/v1/tasks/{taskId}/trigger` over a keep-alive agent (node:http: cheaper per request than fetch,
 * and the load generator shares the machine's two cores with everything it measures).
 */
export class TriggerClient {
  private readonly agent: http.Agent;
  private readonly url: URL;
  private readonly body = Buffer.from(JSON.stringify({ payload: {} }));

  constructor(apiUrl: string, private readonly secretKey: string, taskId: string, maxSockets: number) {
    this.url = new URL(`/api/v1/tasks/${encodeURIComponent(taskId)}/trigger`, apiUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  trigger(): Promise<TriggerOutcome> {
    return this.send(Date.now(), performance.now(), true);
  }

  private send(sentAt: number, t0: number, mayRetry: boolean): Promise<TriggerOutcome> {
    return new Promise((resolve) => {
      const req = http.request(
        this.url,
        {
          method: "POST",
          agent: this.agent,
          headers: {
            authorization: `Bearer ${this.secretKey}`,
            "content-type": "application/json",
            "content-length": this.body.length,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const ms = performance.now() - t0;
            const status = res.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString("utf8");
            if (status >= 200 && status < 300) {
              try {
                resolve({ status, ms, sentAt, id: (JSON.parse(text) as { id?: string }).id });
              } catch {
                resolve({ status, ms, sentAt, error: `unparseable body: ${text.slice(0, 200)}` });
              }
            } else {
              resolve({ status, ms, sentAt, error: text.slice(0, 300) });
            }
          });
          res.on("error", (error) => resolve({ status: 0, ms: performance.now() - t0, sentAt, error: error.message }));
        },
      );
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.on("error", (error: NodeJS.ErrnoException) => {
        // The server closed an idle keep-alive socket just as this request went out on it: the request never
        // reached the api, so sending it again is safe (Node's documented pattern for reusedSocket).
        if (mayRetry && req.reusedSocket && error.code === "ECONNRESET") resolve(this.send(sentAt, t0, false));
        else resolve({ status: 0, ms: performance.now() - t0, sentAt, error: error.message });
      });
      req.end(this.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
