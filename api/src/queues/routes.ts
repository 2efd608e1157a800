import { Hono, type Context } from "hono";
import { OverrideQueueConcurrencyRequestBody, PauseQueueRequestBody, QueueLookupType, ResetQueueConcurrencyRequestBody } from "@gantry/sdk/contracts";
import type { AppEnv } from "../context.js";
import { authEnvironment, requireAuth } from "../auth/middleware.js";
import { onRunsFinished } from "../engine/run-finished.js";
import { badRequest } from "../errors.js";
import { readJson } from "../http/read-json.js";
import { releaseSlots } from "../queue/gate.js";
import { listQueues, overrideQueueConcurrency, pauseQueue, retrieveQueue } from "./service.js";

/**
 * The reference's queue endpoints (`queues.list/retrieve/pause/resume/overrideConcurrencyLimit/
 * resetConcurrencyLimit` of the official client). Also registers the gate's reaction to finished runs: their
 * slots (or places in line) are released.
 */
export function queuesRoutes(): Hono<AppEnv> {
  onRunsFinished("concurrency gate", async (deps, runs) => releaseSlots(deps, runs.map((r) => r.runId)));
  const app = new Hono<AppEnv>();
  const auth = requireAuth(["environment"]);

  app.get("/api/v1/queues", auth, async (c) => {
    const { page, perPage } = c.req.query();
    return c.json(await listQueues(c.get("deps"), authEnvironment(c.get("auth")), { page, perPage }));
  });

  app.get("/api/v1/queues/:queue", auth, async (c) =>
    c.json(await retrieveQueue(c.get("deps"), authEnvironment(c.get("auth")), queueParam(c), lookupType(c.req.query("type")))),
  );

  app.post("/api/v1/queues/:queue/pause", auth, async (c) => {
    const body = await readJson(c, PauseQueueRequestBody);
    return c.json(await pauseQueue(c.get("deps"), authEnvironment(c.get("auth")), queueParam(c), body.type, body.action));
  });

  app.post("/api/v1/queues/:queue/concurrency/override", auth, async (c) => {
    const body = await readJson(c, OverrideQueueConcurrencyRequestBody);
    return c.json(await overrideQueueConcurrency(c.get("deps"), authEnvironment(c.get("auth")), queueParam(c), body.type, body.concurrencyLimit));
  });

  app.post("/api/v1/queues/:queue/concurrency/reset", auth, async (c) => {
    const body = await readJson(c, ResetQueueConcurrencyRequestBody);
    return c.json(await overrideQueueConcurrency(c.get("deps"), authEnvironment(c.get("auth")), queueParam(c), body.type, null));
  });

  return app;
}

/** The client encodes "/" as %2F before encoding the whole value (so "task/x" arrives as "task%252Fx"). */
function queueParam(c: Context<AppEnv>): string {
  const raw = c.req.param("queue") ?? "";
  let value = raw;
  for (let i = 0; i < 2 && value.includes("%"); i++) {
    try {
      value = decodeURIComponent(value);
    } catch {
      break; // a literal "%" in the name
    }
  }
  return value;
}

function lookupType(value: string | undefined) {
  const parsed = QueueLookupType.safeParse(value ?? "id");
  if (!parsed.success) throw badRequest(`type must be one of id, task, custom`, "type");
  return parsed.data;
}
