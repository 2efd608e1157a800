import { Hono } from "hono";
import { AddRunTagsRequestBody, LIMITS } from "@gantry/sdk/contracts";
import type { ApiDeps, AppEnv } from "../context.js";
import { authEnvironment, requireAuth } from "../auth/middleware.js";
import { ApiError, badRequest, forbidden, notFound } from "../errors.js";
import { readJson } from "../http/read-json.js";
import { publishRunChanges } from "../realtime/publish.js";
import { lockRunTags, updateRunTags } from "./queries/run-tags.js";

/**
 * Adds tags to a run after its trigger (`tags.add` inside the run). Tags already on the run are kept once; each
 * tag is 1-128 characters (400). A run keeps at most 10 tags: when the new ones would take it past that, none is
 * added and the answer is a 422 naming `tags` (the reference: "an error is logged and the new tags are
 * ignored"; the official client logs a 422 and goes on). Realtime subscribers (by run or by tag) see the change.
 */
export async function addRunTags(deps: ApiDeps, environmentId: string, runId: string, input: string | string[]): Promise<{ message: string }> {
  const wanted = [...new Set(typeof input === "string" ? [input] : input)];
  for (const tag of wanted) {
    if (tag.length === 0 || tag.length > LIMITS.tagMaxLength) {
      throw badRequest(`Tags must be 1-${LIMITS.tagMaxLength} characters (got ${tag.length === 0 ? "an empty tag" : `"${tag.slice(0, 40)}…", ${tag.length} characters`})`, "tags");
    }
  }
  const added = await deps.sql.begin(async (tx) => {
    const existing = await lockRunTags(tx, environmentId, runId);
    if (!existing) throw notFound(`Run ${runId} not found in this environment`, "runId");
    const fresh = wanted.filter((t) => !existing.includes(t));
    if (fresh.length === 0) return 0;
    const total = existing.length + fresh.length;
    if (total > LIMITS.tagsPerRun) {
      throw new ApiError(
        422,
        "unprocessable",
        `Runs can only have ${LIMITS.tagsPerRun} tags, you're trying to set ${total}. These tags have not been set: ${fresh.map((t) => `"${t}"`).join(", ")}.`,
        "tags",
      );
    }
    await updateRunTags(tx, runId, [...existing, ...fresh]);
    return fresh.length;
  });
  if (added > 0) publishRunChanges(deps, [{ runId, environmentId }]);
  return { message: `Successfully set ${added} new tag${added === 1 ? "" : "s"}.` };
}

/**
 * `POST /api/v1/runs/:runId/tags` with `{ tags }` (the official client's `addTags`): the environment's secret
 * key for any of its runs, a run token for its own run only (403 for any other).
 */
export function runTagsRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post("/api/v1/runs/:runId/tags", requireAuth(["environment", "run"]), async (c) => {
    const body = await readJson(c, AddRunTagsRequestBody);
    const auth = c.get("auth");
    const runId = c.req.param("runId");
    if (auth.kind === "run" && auth.runId !== runId) throw forbidden(`A run token may add tags to its own run only, not run ${runId}`);
    return c.json(await addRunTags(c.get("deps"), authEnvironment(auth).id, runId, body.tags));
  });
  return app;
}
