import { Hono, type Context } from "hono";
import {
  CompleteAttemptsRequest,
  HeartbeatRequest,
  LogsRequest,
  RUNNER_API_PREFIX,
  StartAttemptsRequest,
} from "@gantry/sdk/contracts";
import type { AppEnv } from "../context.js";
import { requireAuth } from "../auth/middleware.js";
import { forbidden } from "../errors.js";
import { readJson } from "../http/read-json.js";
import { completeRuns } from "./complete.js";
import { markRunnerAlive } from "./forward-resume.js";
import { heartbeat } from "./heartbeat.js";
import { insertLogs } from "./logs.js";
import type { AttemptScope } from "./queries/start-attempts.js";
import { startRuns } from "./start.js";

/**
 * The runner ↔ api protocol (sdk/src/contracts/runner.ts), batch-shaped. A runner token acts on runs of
 * deployed environments; a dev secret key (the `gantry dev` session) on its own environment's runs.
 */
export function runnerRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(["runner", "environment"]);

  app.post(`${RUNNER_API_PREFIX}/attempts/start`, auth, async (c) => {
    const body = await readJson(c, StartAttemptsRequest);
    const environmentHints = [...new Set(body.runs.flatMap((r) => (r.environmentId ? [r.environmentId] : [])))];
    const scope = attemptScope(c);
    const [results] = await Promise.all([
      startRuns(
        c.get("deps"),
        { kind: "ids", runIds: body.runs.map((r) => r.runId), scope },
        body.runnerId,
        environmentHints,
        new Map(body.runs.flatMap((r) => (r.resumeAttempt !== undefined ? [[r.runId, r.resumeAttempt] as const] : []))),
      ),
      // a runner that starts attempts is alive: the resumes of attempts it suspends are handed to it
      scope.kind === "runner" ? markRunnerAlive(c.get("deps"), body.runnerId) : undefined,
    ]);
    return c.json({ results });
  });

  app.post(`${RUNNER_API_PREFIX}/attempts/complete`, auth, async (c) => {
    const body = await readJson(c, CompleteAttemptsRequest);
    const results = await completeRuns(c.get("deps"), body.completions, attemptScope(c));
    return c.json({ results });
  });

  app.post(`${RUNNER_API_PREFIX}/heartbeat`, auth, async (c) => {
    const body = await readJson(c, HeartbeatRequest);
    return c.json(await heartbeat(c.get("deps"), body.attempts, attemptScope(c), body.runnerId));
  });

  app.post(`${RUNNER_API_PREFIX}/logs`, auth, async (c) => {
    const body = await readJson(c, LogsRequest);
    const accepted = await insertLogs(c.get("deps"), body.events, attemptScope(c));
    return c.json({ accepted });
  });

  return app;
}

export function attemptScope(c: Context<AppEnv>): AttemptScope {
  const auth = c.get("auth");
  if (auth.kind === "runner") return { kind: "runner" };
  if (auth.kind === "environment" && auth.via === "secretKey" && auth.environment.type === "DEVELOPMENT") {
    return { kind: "environment", environmentId: auth.environment.id };
  }
  throw forbidden("Runner endpoints take a runner token (gr_runner_…), or a dev secret key (tr_dev_…) for that dev environment's own runs");
}
