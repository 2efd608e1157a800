import type { RetrieveWaitpointTokenResponse, WaitpointResult, WaitpointTokenItem, WaitpointTokenStatus } from "@gantry/sdk/contracts";
import type { ApiConfig } from "../config.js";
import { callbackUrl } from "./callback.js";
import type { WaitpointRow } from "./queries/waitpoints.js";

/** A token's status as the reference names it: a completed token whose output is an error timed out. */
export function tokenStatus(row: Pick<WaitpointRow, "status" | "output_is_error">): WaitpointTokenStatus {
  if (row.status === "PENDING") return "WAITING";
  return row.output_is_error ? "TIMED_OUT" : "COMPLETED";
}

export function tokenItem(config: ApiConfig, row: WaitpointRow): WaitpointTokenItem {
  return {
    id: row.id,
    url: callbackUrl(config, row.id),
    status: tokenStatus(row),
    ...(row.completed_at ? { completedAt: row.completed_at } : {}),
    ...(row.completed_after ? { timeoutAt: row.completed_after } : {}),
    ...(row.idempotency_key ? { idempotencyKey: row.idempotency_key } : {}),
    ...(row.idempotency_key_expires_at ? { idempotencyKeyExpiresAt: row.idempotency_key_expires_at } : {}),
    tags: row.tags,
    createdAt: row.created_at,
  };
}

export function tokenDetail(config: ApiConfig, row: WaitpointRow): RetrieveWaitpointTokenResponse {
  return {
    ...tokenItem(config, row),
    ...(row.output !== null ? { output: row.output } : {}),
    ...(row.status === "COMPLETED" ? { outputType: row.output_type, outputIsError: row.output_is_error } : {}),
  };
}

export function waitpointResult(row: Pick<WaitpointRow, "id" | "output" | "output_type" | "output_is_error">): WaitpointResult {
  return {
    id: row.id,
    ...(row.output !== null ? { output: row.output } : {}),
    outputType: row.output_type,
    isError: row.output_is_error,
  };
}
