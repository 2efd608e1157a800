import type { ApiDeps } from "../context.js";

/** Every gate key starts with this: the hash tag keeps them in one Redis Cluster slot. */
export function gateBase(deps: ApiDeps): string {
  return `{${deps.config.GANTRY_REDIS_PREFIX}}:gate`;
}

/** Present once the gate's state was derived from Postgres; gone after a Redis loss. */
export function gateEpochKey(deps: ApiDeps): string {
  return `${gateBase(deps)}:epoch`;
}
