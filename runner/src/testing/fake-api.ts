import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { Artifact, LogEvent, RuntimeConfig, TaskRunExecution } from "@gantry/sdk/contracts";
import { FIXTURES_DIR, makeExecution } from "./execution-fixture.js";

type Completion = { runId: string; attemptNumber: number; result: { ok: boolean; output?: string; outcome?: string; error?: { code?: string } } };

/** An artifact holding runner/test/fixtures/worker.mjs, as `gantry deploy` would upload it. */
export function fixtureArtifact(config: Partial<RuntimeConfig> = {}): { hash: string; bytes: Buffer } {
  const artifact: Artifact = {
    format: "gantry-artifact-v1",
    files: { "worker.mjs": readFileSync(join(FIXTURES_DIR, "worker.mjs")).toString("base64") },
    manifest: { contentHash: "c".repeat(64), sdkVersion: "0.1.0", runtime: "node", entryPoint: "worker.mjs", config: { project: "proj_gantrydemo", ...config }, tasks: [], queues: [] },
  };
  const bytes = Buffer.from(JSON.stringify(artifact));
  return { hash: createHash("sha256").update(bytes).digest("hex"), bytes };
}

/**
 * A loopback stand-in for the api's runner endpoints (sdk/src/contracts/runner.ts), recording what a runner
 * sends. Runs are registered with the payload the fixture worker acts on.
 */
export async function startFakeApi(opts: { token: string; startDelayMs?: number; artifact: { hash: string; bytes: Buffer } }) {
  const runs = new Map<string, TaskRunExecution>();
  const startBatches: string[][] = [];
  const completions: Completion[] = [];
  const heartbeats: Array<Array<{ runId: string; attemptNumber: number }>> = [];
  const logs: LogEvent[] = [];
  const cancelOnHeartbeat = new Set<string>();
  const completionWaiters: Array<() => void> = [];
  let artifactFetches = 0;

  const server: Server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${opts.token}`) return send(401, { error: "Invalid runner token", code: "unauthorized" });
    const url = req.url ?? "";
    if (req.method === "GET" && url === `/api/runner/v1/artifacts/${opts.artifact.hash}`) {
      artifactFetches += 1;
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(opts.artifact.bytes);
    }
    const body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    switch (url) {
      case "/api/runner/v1/attempts/start": {
        const ids = (body.runs as Array<{ runId: string }>).map((r) => r.runId);
        startBatches.push(ids);
        if (opts.startDelayMs) await new Promise((r) => setTimeout(r, opts.startDelayMs));
        return send(200, {
          results: ids.map((runId) => {
            const execution = runs.get(runId);
            return execution ? { runId, ok: true, execution } : { runId, ok: false, reason: "not_startable" };
          }),
        });
      }
      case "/api/runner/v1/attempts/complete": {
        const items = body.completions as Completion[];
        completions.push(...items);
        for (const wake of completionWaiters.splice(0)) wake();
        return send(200, { results: items.map((c) => ({ runId: c.runId, action: "done", status: c.result.ok ? "COMPLETED" : "FAILED" })) });
      }
      case "/api/runner/v1/heartbeat": {
        const attempts = body.attempts as Array<{ runId: string; attemptNumber: number }>;
        heartbeats.push(attempts);
        return send(200, { cancel: attempts.map((a) => a.runId).filter((id) => cancelOnHeartbeat.has(id)) });
      }
      case "/api/runner/v1/logs":
        logs.push(...(body.events as LogEvent[]));
        return send(200, { ok: true });
      default:
        return send(404, { error: `no route ${url}`, code: "not_found" });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    startBatches,
    completions,
    heartbeats,
    logs,
    cancelOnHeartbeat,
    get artifactFetches() {
      return artifactFetches;
    },
    /** Registers a startable run whose fixture worker does `payload.action`. */
    addRun(payload: Record<string, unknown>): string {
      const execution = makeExecution(payload);
      execution.deployment.artifactHash = opts.artifact.hash;
      runs.set(execution.run.id, execution);
      return execution.run.id;
    },
    async waitForCompletions(count: number): Promise<Completion[]> {
      while (completions.length < count) await new Promise<void>((resolve) => completionWaiters.push(resolve));
      return completions;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8") || "{}"));
    req.on("error", reject);
  });
}
