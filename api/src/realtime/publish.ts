import type { ApiDeps } from "../context.js";
import { encodeRunIds, realtimeChannel, STREAM_MESSAGE_PREFIX } from "./channel.js";

/** A run whose row changed (status, metadata, output, tags...). */
export interface RunChange {
  runId: string;
  environmentId: string;
}

interface Pending {
  byEnvironment: Map<string, Set<string>>;
  scheduled: boolean;
}

const pendingByDeps = new WeakMap<ApiDeps, Pending>();

/**
 * Announce run changes to realtime subscribers. Fire-and-forget: never throws, never awaits. Call it after the
 * change committed. Calls in one tick coalesce into one PUBLISH per environment; the message only wakes the
 * api instances serving subscribers, which then read the runs from Postgres (the record), so a lost message
 * delays an update (until the subscription's safety poll) but never loses it.
 */
export function publishRunChanges(deps: ApiDeps, changes: Array<RunChange>): void {
  if (changes.length === 0) return;
  try {
    let pending = pendingByDeps.get(deps);
    if (!pending) {
      pending = { byEnvironment: new Map(), scheduled: false };
      pendingByDeps.set(deps, pending);
    }
    for (const { runId, environmentId } of changes) {
      let ids = pending.byEnvironment.get(environmentId);
      if (!ids) pending.byEnvironment.set(environmentId, (ids = new Set()));
      ids.add(runId);
    }
    if (!pending.scheduled) {
      pending.scheduled = true;
      setImmediate(flush, deps, pending);
    }
  } catch {
    // never let realtime break a write path
  }
}

function flush(deps: ApiDeps, pending: Pending): void {
  pending.scheduled = false;
  const batch = pending.byEnvironment;
  pending.byEnvironment = new Map();
  for (const [environmentId, runIds] of batch) {
    try {
      deps.redis.publish(realtimeChannel(deps.config, environmentId), encodeRunIds(runIds)).catch(() => undefined);
    } catch {
      // a closed connection during shutdown
    }
  }
}

/** Announce chunks appended to a run's streams (wakes that run's stream readers only). */
export function publishStreamAppend(deps: ApiDeps, environmentId: string, runId: string): void {
  try {
    deps.redis.publish(realtimeChannel(deps.config, environmentId), STREAM_MESSAGE_PREFIX + runId).catch(() => undefined);
  } catch {
    // a closed connection during shutdown
  }
}
