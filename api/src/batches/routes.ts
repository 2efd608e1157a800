import { Hono, type Context } from "hono";
import { z } from "zod";
import { CreateBatchRequestBody } from "@gantry/sdk/contracts";
import type { AppEnv } from "../context.js";
import { authEnvironment, requireAuth } from "../auth/middleware.js";
import { readJson } from "../http/read-json.js";
import { registerBatchCompletion } from "./completion.js";
import { createBatch } from "./create.js";
import { addBatchItems } from "./items.js";
import { retrieveBatch } from "./retrieve.js";
import { triggerBatch } from "./trigger-batch.js";

const REQUEST_KEY_HEADER = "x-trigger-request-idempotency-key";

/** Items are checked one by one (so an error names `items[3]…`), after this outer shape. */
const OneRequestBatchBody = z.object({
  items: z.array(z.unknown()),
  parentRunId: z.string().optional(),
  resumeParentOnCompletion: z.boolean().optional(),
});

/**
 * The batch endpoints: the official client's two-phase batch (`POST /api/v3/batches`, then NDJSON items),
 * the reference's one-request batch (`POST /api/v1/tasks/batch`; `/api/v2/tasks/batch` for older clients) and
 * `batch.retrieve`. Registers the listener that completes batches as their runs finish.
 */
export function batchesRoutes(): Hono<AppEnv> {
  registerBatchCompletion();
  const app = new Hono<AppEnv>();
  const auth = requireAuth(["environment", "run"]);
  const authRunId = (c: Context<AppEnv>) => {
    const a = c.get("auth");
    return a.kind === "run" ? a.runId : undefined;
  };
  // the official client signs the batch's public token (read:batch:<id>) with these claims (wire-format.md §3.4)
  const claims = (c: Context<AppEnv>, environmentId: string) =>
    c.header("x-trigger-jwt-claims", JSON.stringify({ sub: environmentId, pub: true }));

  app.post("/api/v3/batches", auth, async (c) => {
    const body = await readJson(c, CreateBatchRequestBody);
    const environment = authEnvironment(c.get("auth"));
    const { batch, isCached } = await createBatch(c.get("deps"), environment, body, {
      requestIdempotencyKey: c.req.header(REQUEST_KEY_HEADER) || undefined,
      authRunId: authRunId(c),
    });
    claims(c, environment.id);
    return c.json({
      id: batch.id,
      runCount: batch.run_count,
      isCached,
      ...(batch.idempotency_key ? { idempotencyKey: batch.idempotency_key } : {}),
    });
  });

  app.post("/api/v3/batches/:batchId/items", auth, async (c) => {
    const environment = authEnvironment(c.get("auth"));
    return c.json(await addBatchItems(c.get("deps"), environment, c.req.param("batchId"), await c.req.text()));
  });

  const oneRequest = async (c: Context<AppEnv>) => {
    const body = await readJson(c, OneRequestBatchBody);
    const environment = authEnvironment(c.get("auth"));
    const result = await triggerBatch(c.get("deps"), environment, {
      ...body,
      requestIdempotencyKey: c.req.header(REQUEST_KEY_HEADER) || undefined,
      authRunId: authRunId(c),
    });
    claims(c, environment.id);
    return result;
  };
  app.post("/api/v1/tasks/batch", auth, async (c) => {
    const { batchId, runs } = await oneRequest(c);
    return c.json({ batchId, runs });
  });
  app.post("/api/v2/tasks/batch", auth, async (c) => {
    const { batchId, runCount } = await oneRequest(c);
    return c.json({ id: batchId, runCount });
  });

  const retrieve = async (c: Context<AppEnv>) =>
    c.json(await retrieveBatch(c.get("deps"), authEnvironment(c.get("auth")).id, c.req.param("batchId")!));
  app.get("/api/v2/batches/:batchId", auth, retrieve);
  app.get("/api/v1/batches/:batchId", auth, retrieve);

  return app;
}
