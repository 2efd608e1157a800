import { AddRunTagsResponse } from "../contracts/index.js";
import { apiClient, type RequestOptions } from "../client/config.js";
import { UnprocessableEntityError } from "../client/errors.js";
import { logger } from "../logger/logger.js";
import { currentExecution } from "../runtime/current.js";

/**
 * Adds tags to the current run (each 1-128 characters, at most 10 per run, trigger-time tags included). Past 10
 * the api refuses them all: the error is logged on the run and the new tags are ignored, as the reference says.
 * `ctx.run.tags` keeps the tags the run was triggered with; `runs.retrieve`, `runs.list({ tag })` and
 * `runs.subscribeToRunsWithTag` see the new ones.
 *
 * @example
 * import { tags, task } from "@gantry/sdk";
 * export const t = task({
 *   id: "tagged",
 *   run: async (payload: { productId: string }) => {
 *     await tags.add(`product_${payload.productId}`);
 *   },
 * });
 */
async function add(tags: string | string[], requestOptions?: RequestOptions): Promise<void> {
  const store = currentExecution();
  if (!store) throw new Error("Can't set tags outside of a run. You can trigger a task and set tags in the options.");
  const runId = store.execution.run.id;
  try {
    await apiClient(requestOptions).request(AddRunTagsResponse, "POST", `/api/v1/runs/${encodeURIComponent(runId)}/tags`, { body: { tags } });
  } catch (error) {
    if (error instanceof UnprocessableEntityError) {
      logger.error(error.message, { existingTags: store.ctx.run.tags, newTags: tags });
      return;
    }
    logger.error("Failed to set tags", { error });
    throw error;
  }
}

/**
 * Tags of the current run.
 *
 * @example
 * import { tags } from "@gantry/sdk";
 * await tags.add(["user_123", "video:456"]); // inside a task's run function
 */
export const tags = { add };
