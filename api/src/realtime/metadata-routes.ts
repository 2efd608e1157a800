import { Hono } from "hono";
import { applyMetadataOperations, LIMITS, UpdateRunMetadataRequestBody } from "@gantry/sdk/contracts";
import type { AppEnv } from "../context.js";
import { authEnvironment, requireAuth } from "../auth/middleware.js";
import { notFound, tooLarge } from "../errors.js";
import { readJson } from "../http/read-json.js";
import { publishRunChanges } from "./publish.js";
import { selectRunMetadataForUpdate, updateRunMetadata } from "./queries/run-metadata.js";

/**
 * `PUT /api/v1/runs/:runId/metadata` (the reference's path): replace a run's metadata and/or apply operations
 * (set, delete, append, remove, increment, update) atomically; subscribers see the change at once. A run token
 * (the task itself, `metadata.set`) or the environment's secret key.
 */
export function metadataRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.put("/api/v1/runs/:runId/metadata", requireAuth(["environment", "run"]), async (c) => {
    const body = await readJson(c, UpdateRunMetadataRequestBody);
    const deps = c.get("deps");
    const environmentId = authEnvironment(c.get("auth")).id;
    const runId = c.req.param("runId");
    const metadata = await deps.sql.begin(async (tx) => {
      const row = await selectRunMetadataForUpdate(tx, environmentId, runId);
      if (!row) throw notFound(`Run ${runId} not found in this environment`, "runId");
      const current = row.metadata && typeof row.metadata === "object" && !Array.isArray(row.metadata) ? (row.metadata as Record<string, unknown>) : {};
      const next = applyMetadataOperations(body.metadata ?? current, body.operations ?? []);
      const size = Buffer.byteLength(JSON.stringify(next));
      if (size > LIMITS.metadataBytes) {
        throw tooLarge(`Run metadata would be ${size} bytes: the limit is ${LIMITS.metadataBytes} (256 KB). Store large data elsewhere and keep a reference in metadata.`, "metadata");
      }
      await updateRunMetadata(tx, runId, next);
      return next;
    });
    publishRunChanges(deps, [{ runId, environmentId }]);
    return c.json({ metadata });
  });
  return app;
}
