import type { ResetIdempotencyKeyResponse } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { notFound } from "../errors.js";
import { clearRunIdempotencyKey } from "./queries/reset-idempotency-key.js";

/**
 * POST /api/v1/idempotencyKeys/:key/reset (`idempotencyKeys.reset`): the next trigger of `taskIdentifier` with
 * this key makes a new run. `key` is the hashed key, as triggers send it: the client hashes the user's key with
 * its scope before calling (wire-format.md §3.3), so the api never hashes. The runs keep their data; only the
 * key is cleared. As the reference's server answers: `{ id: key }`, or a 404 when no run of the task holds it
 * (the official client then retries with the other reading of a 64-character key).
 */
export async function resetIdempotencyKey(
  deps: ApiDeps,
  environmentId: string,
  key: string,
  taskIdentifier: string,
): Promise<ResetIdempotencyKeyResponse> {
  const cleared = await clearRunIdempotencyKey(deps.sql, environmentId, taskIdentifier, key);
  if (cleared === 0) throw notFound(`No run of task "${taskIdentifier}" holds idempotency key ${key} in this environment`, "idempotencyKey");
  return { id: key };
}
