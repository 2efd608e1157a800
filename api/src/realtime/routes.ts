import { Hono, type Context } from "hono";
import { parseDurationMs } from "@gantry/sdk/contracts";
import type { AppEnv } from "../context.js";
import { authEnvironment, requireAuth } from "../auth/middleware.js";
import { badRequest, notFound } from "../errors.js";
import type { RunFilter } from "./queries/select-run-changes.js";
import { selectRunEnvironment } from "./queries/select-run-environment.js";
import { serveElectricShape } from "./serve-electric.js";
import { serveRunEvents } from "./serve-runs.js";
import { metadataRoutes } from "./metadata-routes.js";
import { streamsRoutes } from "./streams-routes.js";

/**
 * Realtime over Server-Sent Events at the reference's paths (contracts/realtime.ts). A secret key, a run token
 * or a public access token whose scopes cover what is asked (checked by requireAuth).
 */
export function realtimeRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(["environment", "run"]);

  app.get("/realtime/v1/runs/:runId", auth, async (c) => {
    const runId = c.req.param("runId");
    const environmentId = await selectRunEnvironment(c.get("deps").sql, runId);
    if (environmentId !== authEnvironment(c.get("auth")).id) throw notFound(`Run ${runId} not found in this environment`, "runId");
    return serve(c, { kind: "run", runId });
  });

  app.get("/realtime/v1/runs", auth, (c) => {
    const tags = realtimeTags(c.req.queries("tags") ?? c.req.queries("tags[]") ?? []);
    if (tags.length === 0) throw badRequest("Pass the tags to follow: /realtime/v1/runs?tags=tag1,tag2", "tags");
    const createdAt = c.req.query("createdAt");
    let createdAfter: Date | undefined;
    if (createdAt) {
      const ms = parseDurationMs(createdAt);
      if (ms === undefined) throw badRequest(`createdAt "${createdAt}" is not a period like "1h" or "7d"`, "createdAt");
      createdAfter = new Date(c.get("deps").clock().getTime() - ms);
    }
    return serve(c, { kind: "tags", tags, ...(createdAfter ? { createdAfter } : {}) });
  });

  app.get("/realtime/v1/batches/:batchId", auth, (c) => serve(c, { kind: "batch", batchId: c.req.param("batchId") }));
  app.route("/", streamsRoutes());
  app.route("/", metadataRoutes());

  return app;
}

/** SSE for Gantry's SDK and curl; Electric's shape protocol for the official client (it always sends `offset`). */
function serve(c: Context<AppEnv>, filter: RunFilter): Response | Promise<Response> {
  return c.req.query("offset") !== undefined ? serveElectricShape(c, filter) : serveRunEvents(c, filter);
}

/** `?tags=a,b` and `?tags=a&tags=b` both work. */
export function realtimeTags(values: string[]): string[] {
  return [...new Set(values.flatMap((v) => v.split(",")).map((t) => t.trim()).filter(Boolean))];
}
