import { Hono } from "hono";
import { CreateBulkActionRequestBody } from "@gantry/sdk/contracts";
import type { AppEnv } from "../context.js";
import { authEnvironment, requireAuth } from "../auth/middleware.js";
import { readJson } from "../http/read-json.js";
import { abortAction, createBulkAction, listActions, retrieveBulkAction } from "./service.js";

/** Bulk actions (README.md): the routes the official client's `runs.bulk.*` calls. */
export function bulkActionsRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // a run token too, as for the run routes: a task may cancel or replay runs of its environment
  const auth = requireAuth(["environment", "run"]);

  app.post("/api/v1/bulk-actions", auth, async (c) => {
    const body = await readJson(c, CreateBulkActionRequestBody);
    return c.json(await createBulkAction(c.get("deps"), authEnvironment(c.get("auth")), body));
  });
  app.get("/api/v1/bulk-actions", auth, async (c) =>
    c.json(await listActions(c.get("deps"), authEnvironment(c.get("auth")).id, c.req.query())),
  );
  app.get("/api/v1/bulk-actions/:id", auth, async (c) =>
    c.json(await retrieveBulkAction(c.get("deps"), authEnvironment(c.get("auth")).id, c.req.param("id"))),
  );
  app.post("/api/v1/bulk-actions/:id/abort", auth, async (c) =>
    c.json(await abortAction(c.get("deps"), authEnvironment(c.get("auth")).id, c.req.param("id"))),
  );
  return app;
}
