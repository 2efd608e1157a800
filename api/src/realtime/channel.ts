import type { ApiConfig } from "../config.js";

/** The Redis pub/sub channel that announces run changes of one environment (one message per flush). */
export function realtimeChannel(config: ApiConfig, environmentId: string): string {
  return `${config.GANTRY_REDIS_PREFIX}:realtime:env:${environmentId}`;
}

/** Message body: the changed run ids, comma-separated (run ids hold no comma). */
export function encodeRunIds(runIds: Iterable<string>): string {
  return [...runIds].join(",");
}

export function decodeRunIds(message: string): string[] {
  return message ? message.split(",") : [];
}

/** Messages announcing stream chunks (not run row changes) start with this. */
export const STREAM_MESSAGE_PREFIX = "s:";
