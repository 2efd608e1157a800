import { Hono } from "hono";
import { UpdateRunMetadataRequestBody } from "@gantry/sdk/contracts";
import type { AppEnv } from "../context.js";
import { authEnvironment, requireAuth } from "../auth/middleware.js";
import { readJson } from "../http/read-json.js";
import { readMetadata, updateMetadata } from "./metadata-update.js";
import { publishRunChanges } from "./publish.js";

/**
 * `PUT /api/v1/runs/:runId/metadata` (the reference's path): replace a run's metadata and/or apply operations
 * (set, delete, append, remove, increment, update) to it, its parent (`parentOperations`) and its root
 * (`rootOperations`) atomically; subscribers of each changed run see the change at once. A run token (the
 * task itself: `metadata.set`, `metadata.parent.*`, `metadata.root.*`) or the environment's secret key.
 * `GET` on the same path reads it (the official client's `metadata.refresh()`).
 */
export function metadataRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.put("/api/v1/runs/:runId/metadata", requireAuth(["environment", "run"]), async (c) => {
    const body = await readJson(c, UpdateRunMetadataRequestBody);
    const deps = c.get("deps");
    const auth = c.get("auth");
    const environmentId = authEnvironment(auth).id;
    const result = await deps.sql.begin((tx) =>
      updateMetadata(tx, { environmentId, runId: c.req.param("runId"), body, callerRunId: auth.kind === "run" ? auth.runId : undefined }),
    );
    publishRunChanges(deps, result.changed.map((runId) => ({ runId, environmentId })));
    return c.json({ metadata: result.metadata });
  });
  app.get("/api/v1/runs/:runId/metadata", requireAuth(["environment", "run"]), async (c) => {
    const auth = c.get("auth");
    const metadata = await readMetadata(c.get("deps").sql, authEnvironment(auth).id, c.req.param("runId"), auth.kind === "run" ? auth.runId : undefined);
    return c.json({ metadata });
  });
  return app;
}
