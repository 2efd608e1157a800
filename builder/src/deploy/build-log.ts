import { AppendDeploymentLogsResponse, DEPLOYMENT_LOG_APPEND_MAX } from "@gantry/sdk/contracts";
import { ApiRequestError } from "../errors.js";
import type { ApiClient } from "./api-client.js";

export interface BuildLogStreamOptions {
  /** Send at most this long after a line is written (default 250 ms)... */
  flushMs?: number;
  /** ...or at once when this many lines wait (default 50). */
  maxLines?: number;
  /** One request's time limit (default 5 s): a slow api must not hold up the deploy. */
  requestTimeoutMs?: number;
}

/** A longer line (a minified stack, a huge warning) is cut: the log is for reading. */
const MAX_LINE_CHARS = 16 * 1024;
/** What waits while the api is unreachable; the oldest lines go first (the api keeps a log's last 1 MB too). */
const MAX_BUFFERED_CHARS = 1024 * 1024;
/** Consecutive failed sends after which the stream gives up (the deploy goes on; its log stays partial). */
const MAX_FAILURES = 3;

/**
 * Streams a deploy's lines to its deployment's build log (`POST /api/v1/deployments/:id/logs`), so the
 * dashboard follows the deploy while it runs and keeps the log after. Batched: one request per `flushMs` or per
 * `maxLines` lines, one at a time. Lines written before `attach` (the deployment does not exist yet) go first.
 * Best effort by design: nothing here throws, and a failing api only costs the log, never the deploy.
 */
export class BuildLogStream {
  private readonly flushMs: number;
  private readonly maxLines: number;
  private readonly requestTimeoutMs: number;
  private deploymentId: string | undefined;
  private pending: string[] = [];
  private pendingChars = 0;
  private dropped = 0;
  private failures = 0;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly client: ApiClient,
    opts: BuildLogStreamOptions = {},
  ) {
    this.flushMs = opts.flushMs ?? 250;
    this.maxLines = opts.maxLines ?? 50;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 5000;
  }

  /** The deployment the lines belong to; sending starts now. */
  attach(deploymentId: string): void {
    this.deploymentId = deploymentId;
    this.schedule();
  }

  /** Adds a line (or several, split on newlines). */
  line(text: string): void {
    if (this.stopped) return;
    for (const raw of text.replace(/\r?\n$/, "").split(/\r?\n/)) {
      const line = raw.length > MAX_LINE_CHARS ? `${raw.slice(0, MAX_LINE_CHARS)} … [line cut at ${MAX_LINE_CHARS} characters]` : raw;
      this.pending.push(line);
      this.pendingChars += line.length + 1;
    }
    while (this.pendingChars > MAX_BUFFERED_CHARS && this.pending.length > 1) {
      this.pendingChars -= this.pending.shift()!.length + 1;
      this.dropped++;
    }
    this.schedule();
  }

  /** Sends everything written so far (after a send in flight), one try per batch. Never throws. */
  async flush(): Promise<void> {
    this.clearTimer();
    while (this.inFlight) await this.inFlight;
    let sent = true;
    while (sent && this.deploymentId && !this.stopped && this.pending.length > 0) {
      this.inFlight = this.send(this.deploymentId, this.takeBatch()).then((ok) => {
        sent = ok;
      });
      await this.inFlight;
      this.inFlight = undefined;
    }
    // lines a failed send put back: retried after flushMs
    if (!sent) this.schedule(true);
  }

  /** Sends what is left (retrying a failed send up to 3 times in all) and stops; later lines are ignored. */
  async close(): Promise<void> {
    while (this.deploymentId && !this.stopped && this.pending.length > 0) await this.flush();
    this.stopped = true;
    this.clearTimer();
  }

  private schedule(retry = false): void {
    if (!this.deploymentId || this.stopped || this.inFlight || this.pending.length === 0) return;
    if (this.pending.length >= this.maxLines && !retry) {
      this.clearTimer();
      void this.flush();
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.flushMs);
    this.timer.unref?.();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The oldest lines, newline-terminated, within one request's limit. */
  private takeBatch(): string {
    let text = "";
    if (this.dropped > 0) {
      text = `[… ${this.dropped} line${this.dropped === 1 ? "" : "s"} dropped before they could be sent]\n`;
      this.dropped = 0;
    }
    while (this.pending.length > 0 && text.length + this.pending[0]!.length + 1 <= DEPLOYMENT_LOG_APPEND_MAX) {
      const line = this.pending.shift()!;
      this.pendingChars -= line.length + 1;
      text += `${line}\n`;
    }
    return text;
  }

  /** True when the api took the batch; a failed one goes back to the front of the queue. */
  private async send(deploymentId: string, logs: string): Promise<boolean> {
    try {
      const path = `/api/v1/deployments/${encodeURIComponent(deploymentId)}/logs`;
      await this.client.json("POST", path, AppendDeploymentLogsResponse, { logs }, AbortSignal.timeout(this.requestTimeoutMs));
      this.failures = 0;
      return true;
    } catch (error) {
      // an api that refuses (no such route on an older api, a 4xx) will refuse again: stop; otherwise retry
      // the batch with the next send, a few times
      const refused = error instanceof ApiRequestError && error.status >= 400 && error.status < 500 && error.status !== 429;
      if (refused || ++this.failures >= MAX_FAILURES) {
        this.stopped = true;
        this.pending = [];
        this.pendingChars = 0;
        return false;
      }
      this.pending.unshift(...logs.replace(/\n$/, "").split("\n"));
      this.pendingChars += logs.length;
      return false;
    }
  }
}
