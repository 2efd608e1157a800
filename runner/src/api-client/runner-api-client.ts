import {
  CompleteAttemptsResponse,
  DevClaimResponse,
  HeartbeatResponse,
  RUNNER_API_PREFIX,
  StartAttemptsResponse,
  type LogEvent,
  type StartAttemptResult,
  type TaskRunExecutionResult,
} from "@gantry/sdk/contracts";
import type { z } from "zod";
import { Batcher } from "./batcher.js";
import { createHttpTransport, type HttpInit, type HttpReply } from "./http-transport.js";
import { withRetry } from "./retry.js";

export type CompleteAttemptAck = z.infer<typeof CompleteAttemptsResponse>["results"][number];
export type Completion = { runId: string; attemptNumber: number; result: TaskRunExecutionResult };

/** A non-2xx answer from the api (or a body that breaks the contract). */
export class RunnerApiError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "RunnerApiError";
  }
  /** Network failures and 5xx/429 may succeed later; 4xx will not. */
  get retryable(): boolean {
    return this.status === undefined || this.status >= 500 || this.status === 429;
  }
}

export type RunnerApiClientOptions = {
  apiUrl: string;
  /** A runner token (gr_runner_…) or, for `gantry dev`, the dev environment's secret key. */
  token: string;
  runnerId: string;
  fetch?: typeof fetch;
  warn?: (message: string) => void;
};

/**
 * The runner's side of the runner↔api protocol (sdk/src/contracts/runner.ts). Starts, completions and logs
 * of concurrent attempts are coalesced into batched requests; HTTP connections are kept alive (undici).
 */
export class RunnerApiClient {
  private readonly starts: Batcher<{ runId: string; environmentId?: string; resumeAttempt?: number }, StartAttemptResult>;
  private readonly completions: Batcher<Completion, CompleteAttemptAck>;
  private readonly logs: Batcher<LogEvent, void>;
  private readonly send: (url: string, init: HttpInit) => Promise<HttpReply>;
  private readonly closeTransport: () => void;
  /** Per run, its latest log event still being sent: a completion waits for its own run's logs only. */
  private readonly pendingLogs = new Map<string, Promise<void>>();
  private closed = false;

  constructor(private readonly opts: RunnerApiClientOptions) {
    if (opts.fetch) {
      const fetchImpl = opts.fetch;
      this.send = (url, init) => fetchImpl(url, init);
      this.closeTransport = () => {};
    } else {
      // Node's http client with keep-alive: cheaper per request than fetch (http-transport.ts)
      const transport = createHttpTransport();
      this.send = transport;
      this.closeTransport = () => transport.close();
    }
    this.starts = new Batcher((runs) => this.sendStarts(runs), 1000);
    this.completions = new Batcher((items) => this.sendCompletions(items), 1000, { of: completionBytes, max: MAX_COMPLETION_BATCH_BYTES });
    this.logs = new Batcher((events) => this.sendLogs(events), 5000);
  }

  /**
   * Starts an attempt of the run (batched with concurrent calls). Retries while the api is unreachable.
   * `environmentId` (from the run's job) lets the api read the environment's variables alongside the start.
   */
  startAttempt(runId: string, environmentId?: string, resumeAttempt?: number): Promise<StartAttemptResult> {
    // resumeAttempt: this runner holds that attempt suspended at a wait, to continue rather than start anew
    return this.starts.push({ runId, ...(environmentId ? { environmentId } : {}), ...(resumeAttempt !== undefined ? { resumeAttempt } : {}) });
  }

  /** Reports an attempt's result (batched); resolves with the api's acknowledgement. */
  completeAttempt(completion: Completion): Promise<CompleteAttemptAck> {
    return this.completions.push(completion);
  }

  /** Queues a log event; sent in batches, best effort. */
  log(event: LogEvent): void {
    if (this.closed) return;
    const sent = this.logs.push(event).catch(() => {});
    this.pendingLogs.set(event.runId, sent);
    void sent.then(() => {
      if (this.pendingLogs.get(event.runId) === sent) this.pendingLogs.delete(event.runId);
    });
  }

  /**
   * Resolves once the log events queued so far have been sent (or dropped): those of `runId` only when given
   * (a run that logged nothing waits for nothing), else all of them.
   */
  flushLogs(runId?: string): Promise<void> {
    if (runId === undefined) return this.logs.drain();
    return this.pendingLogs.get(runId) ?? Promise.resolve();
  }

  /** Renews the leases of the attempts held; returns run ids whose attempts must stop. */
  async heartbeat(attempts: Array<{ runId: string; attemptNumber: number }>): Promise<string[]> {
    const body = await this.post("/heartbeat", { runnerId: this.opts.runnerId, attempts });
    return HeartbeatResponse.parse(body).cancel;
  }

  /**
   * `gantry dev`: claims up to `max` of the dev environment's runs (long-polls up to `waitMs`); an attempt has
   * begun for each `ok` result. The client's token must be that dev environment's secret key.
   */
  async claimDevRuns(opts: { max?: number; waitMs?: number } = {}): Promise<StartAttemptResult[]> {
    const res = await this.request("/api/v1/dev/claim", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ max: opts.max ?? 10, waitMs: opts.waitMs ?? 10_000, runnerId: this.opts.runnerId }),
    });
    return DevClaimResponse.parse(await res.json()).results;
  }

  /** The artifact document's raw bytes (the caller verifies its hash). */
  async fetchArtifact(hash: string): Promise<Buffer> {
    return withRetry(
      async () => {
        const res = await this.request(`${RUNNER_API_PREFIX}/artifacts/${encodeURIComponent(hash)}`, { method: "GET" });
        return Buffer.from(await res.arrayBuffer());
      },
      { attempts: 5, isRetryable },
    );
  }

  close(): void {
    this.closed = true;
    this.closeTransport();
  }

  private async sendStarts(runs: Array<{ runId: string; environmentId?: string; resumeAttempt?: number }>): Promise<StartAttemptResult[]> {
    const runIds = runs.map((r) => r.runId);
    const body = await withRetry(
      () => this.post("/attempts/start", { runnerId: this.opts.runnerId, runs }),
      { attempts: 8, isRetryable, stopped: () => this.closed },
    );
    const byRunId = new Map(StartAttemptsResponse.parse(body).results.map((r) => [r.runId, r]));
    return runIds.map((runId) => byRunId.get(runId) ?? { runId, ok: false as const, reason: "not_found" });
  }

  private async sendCompletions(items: Completion[]): Promise<CompleteAttemptAck[]> {
    const body = await withRetry(() => this.post("/attempts/complete", { runnerId: this.opts.runnerId, completions: items }), {
      attempts: 12,
      isRetryable,
    });
    const byRunId = new Map(CompleteAttemptsResponse.parse(body).results.map((r) => [r.runId, r]));
    return items.map((c) => byRunId.get(c.runId) ?? { runId: c.runId, action: "stale" as const });
  }

  private async sendLogs(events: LogEvent[]): Promise<void[]> {
    try {
      await withRetry(() => this.post("/logs", { events }), { attempts: 3, isRetryable });
    } catch (err) {
      this.opts.warn?.(`dropped ${events.length} log events: ${(err as Error).message}`);
    }
    return events.map(() => undefined);
  }

  private async post(path: string, body: unknown): Promise<unknown> {
    const res = await this.request(`${RUNNER_API_PREFIX}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return res.json();
  }

  private async request(path: string, init: HttpInit): Promise<HttpReply> {
    const url = `${this.opts.apiUrl}${path}`;
    let res: HttpReply;
    try {
      res = await this.send(url, { ...init, headers: { ...init.headers, authorization: `Bearer ${this.opts.token}` } });
    } catch (cause) {
      throw new RunnerApiError(`${init.method} ${url} failed: ${(cause as Error).message}: is the api running at GANTRY_API_URL?`, undefined, undefined, { cause });
    }
    if (!res.ok) {
      const text = await res.text().catch(() => "");
      let detail = text;
      let code: string | undefined;
      try {
        const parsed = JSON.parse(text) as { error?: string; code?: string };
        detail = parsed.error ?? text;
        code = parsed.code;
      } catch {
        // not a JSON error body
      }
      const hint = res.status === 401 ? ": check GANTRY_RUNNER_TOKEN (`npm start` prints one)" : "";
      throw new RunnerApiError(`${init.method} ${url} answered ${res.status}: ${detail.slice(0, 500)}${hint}`, res.status, code);
    }
    return res;
  }
}

/** Well under the api's 256 MB limit for runner requests: outputs may be up to 10 MB each. */
const MAX_COMPLETION_BATCH_BYTES = 64 * 1024 * 1024;

function completionBytes(c: Completion): number {
  const r = c.result;
  return 256 + (r.ok ? (r.output?.length ?? 0) : r.error.message.length + (r.error.stackTrace?.length ?? 0));
}

function isRetryable(err: unknown): boolean {
  return err instanceof RunnerApiError ? err.retryable : false;
}
