import {
  CompleteAttemptsResponse,
  DevClaimResponse,
  DevLostAttemptsResponse,
  DevRunWaitResponse,
  HeartbeatResponse,
  RUNNER_API_PREFIX,
  type LogEvent,
  type TaskRunExecutionResult,
} from "@gantry/sdk/contracts";
import { z } from "zod";
import { ApiClient } from "../deploy/api-client.js";

/**
 * `gantry dev`'s side of the runner protocol, authenticated with the dev environment's secret key: claim dev
 * runs (long poll), heartbeat, complete, logs, what a suspended run waits for, and fetch an artifact this
 * session did not build.
 */
export class DevApi {
  private readonly client: ApiClient;
  constructor(opts: { apiUrl: string; devKey: string; fetch?: typeof fetch }, readonly runnerId: string) {
    this.client = new ApiClient({ apiUrl: opts.apiUrl, token: opts.devKey, fetch: opts.fetch });
  }

  /** `suspended`: this session keeps attempts suspended at waits (resumed in place), and the ones it lost. */
  claim(max: number, waitMs: number, signal?: AbortSignal, suspended?: { keepsSuspendedAttempts: boolean; lostSuspendedRuns: string[] }) {
    return this.client.json("POST", "/api/v1/dev/claim", DevClaimResponse, { max, waitMs, runnerId: this.runnerId, ...suspended }, signal);
  }

  /** Suspended attempts this session lost (their process died): their runs replay when they resume. */
  lostAttempts(attempts: { runId: string; attemptNumber: number }[]) {
    return this.client.json("POST", "/api/v1/dev/lost-attempts", DevLostAttemptsResponse, { runnerId: this.runnerId, attempts });
  }

  /** What a run suspended at a wait waits for. */
  runWait(runId: string) {
    return this.client.json("GET", `/api/v1/dev/runs/${encodeURIComponent(runId)}/wait`, DevRunWaitResponse);
  }

  heartbeat(attempts: { runId: string; attemptNumber: number }[]) {
    return this.client.json("POST", `${RUNNER_API_PREFIX}/heartbeat`, HeartbeatResponse, { runnerId: this.runnerId, attempts });
  }

  complete(completions: { runId: string; attemptNumber: number; result: TaskRunExecutionResult }[]) {
    return this.client.json("POST", `${RUNNER_API_PREFIX}/attempts/complete`, CompleteAttemptsResponse, { runnerId: this.runnerId, completions });
  }

  async logs(events: LogEvent[]): Promise<void> {
    await this.client.json("POST", `${RUNNER_API_PREFIX}/logs`, z.unknown(), { events });
  }

  async artifact(hash: string): Promise<Buffer> {
    const response = await this.client.raw("GET", `${RUNNER_API_PREFIX}/artifacts/${hash}`);
    return Buffer.from(await response.arrayBuffer());
  }
}
