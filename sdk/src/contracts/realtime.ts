import { z } from "zod";
import { RunStatus, TaskRunError } from "./common.js";

/**
 * Realtime (issue 5). Gantry serves Server-Sent Events at the reference's realtime paths:
 * - `GET /realtime/v1/runs/{runId}`: one run;
 * - `GET /realtime/v1/runs?tags=a,b[&createdAt=1h]`: runs with any of the tags (Gantry: comma-separated);
 * - `GET /realtime/v1/batches/{batchId}`: a batch's runs;
 * - `GET /realtime/v1/streams/{runId}/{streamKey}`: a run's stream chunks; SDKs (a `trigger-version` header)
 *   get the reference's streams v2 records (`RealtimeStreamBatch`), other clients `event: chunk` (writes go to
 *   `PUT|POST /realtime/v1/streams/{runId}/{target}/{streamKey}[/append]`).
 * Each run event is `event: run`, `id: <change cursor>`, `data: <RealtimeRunWire JSON>`; a client reconnecting
 * with `Last-Event-ID: <id>` receives every run it follows that changed after that cursor.
 */
export const RealtimeRunWire = z.object({
  id: z.string(),
  taskIdentifier: z.string(),
  status: RunStatus,
  /** the payload/output packets as stored (the SDK decodes them by their type) */
  payload: z.string().optional(),
  payloadType: z.string().optional(),
  output: z.string().optional(),
  outputType: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  error: TaskRunError.partial({ type: true }).optional(),
  tags: z.array(z.string()),
  idempotencyKey: z.string().optional(),
  ttl: z.string().optional(),
  isTest: z.boolean(),
  batchId: z.string().optional(),
  createdAt: z.coerce.date(),
  updatedAt: z.coerce.date(),
  startedAt: z.coerce.date().optional(),
  finishedAt: z.coerce.date().optional(),
  delayedUntil: z.coerce.date().optional(),
  queuedAt: z.coerce.date().optional(),
  expiredAt: z.coerce.date().optional(),
  durationMs: z.number(),
  costInCents: z.number(),
  baseCostInCents: z.number(),
  attemptNumber: z.number().optional(),
  /** the keys of the streams the run wrote to (the reference's `realtimeStreams`), in the order they started */
  realtimeStreams: z.array(z.string()).optional(),
  /** the change cursor of this state (also the SSE event id) */
  seq: z.string(),
});
export type RealtimeRunWire = z.infer<typeof RealtimeRunWire>;

/** One chunk of a realtime stream: `event: chunk`, `id: <seq>`, `data: <RealtimeStreamChunk JSON>`. */
export const RealtimeStreamChunk = z.object({ seq: z.number(), data: z.unknown() });
export type RealtimeStreamChunk = z.infer<typeof RealtimeStreamChunk>;

/**
 * Streams v2 read protocol (response header `X-Stream-Version: v2`): `event: batch`, data = this; each record's
 * body is `{"data": <chunk>, "id": "<seq>"}`; resume with `Last-Event-ID: <seq_num>`. The response ends once the
 * run finished and every chunk was sent.
 */
export const RealtimeStreamBatch = z.object({
  records: z.array(z.object({ seq_num: z.number(), body: z.string(), timestamp: z.number(), headers: z.array(z.tuple([z.string(), z.string()])).optional() })),
});
export type RealtimeStreamBatch = z.infer<typeof RealtimeStreamBatch>;

/** `POST /api/v1/auth/public-tokens`: a token Gantry signs (for keys that cannot self-sign). */
export const CreatePublicTokenRequestBody = z.object({
  scopes: z.union([z.array(z.string()), z.record(z.string(), z.unknown())]).optional(),
  expirationTime: z.union([z.string(), z.number()]).optional(),
  realtime: z.object({ skipColumns: z.array(z.string()).optional() }).optional(),
  oneTimeUse: z.boolean().optional(),
});
export type CreatePublicTokenRequestBody = z.infer<typeof CreatePublicTokenRequestBody>;
export const CreatePublicTokenResponse = z.object({ token: z.string() });

/** The reference's public token scopes object: `{ read: { runs: true | ids, tags, tasks, batch }, trigger: { tasks }, write: { waitpoints } }`. */
export type PublicTokenScopes = Partial<Record<"read" | "write" | "trigger", Partial<Record<string, boolean | string | string[]>>>>;

/**
 * Flattens scopes the way the official client does: `{ read: { runs: ["run_1"] } }` → `["read:runs:run_1"]`,
 * `{ read: { runs: true } }` → `["read:runs"]`. Strings pass through.
 */
export function flattenScopes(scopes: PublicTokenScopes | readonly string[] | undefined): string[] {
  if (!scopes) return [];
  if (Array.isArray(scopes)) return scopes.filter((s): s is string => typeof s === "string");
  const out: string[] = [];
  for (const [action, resources] of Object.entries(scopes as PublicTokenScopes)) {
    for (const [resource, value] of Object.entries(resources ?? {})) {
      if (value === true) out.push(`${action}:${resource}`);
      else if (typeof value === "string") out.push(`${action}:${resource}:${value}`);
      else if (Array.isArray(value)) for (const id of value) out.push(`${action}:${resource}:${id}`);
    }
  }
  return out;
}

/** One change to a run's metadata (applied in order, atomically, by `PUT /api/v1/runs/{runId}/metadata`). */
export const RunMetadataOperation = z.discriminatedUnion("type", [
  z.object({ type: z.literal("set"), key: z.string(), value: z.unknown() }),
  z.object({ type: z.literal("delete"), key: z.string() }),
  z.object({ type: z.literal("append"), key: z.string(), value: z.unknown() }),
  z.object({ type: z.literal("remove"), key: z.string(), value: z.unknown() }),
  z.object({ type: z.literal("increment"), key: z.string(), value: z.number() }),
  z.object({ type: z.literal("update"), value: z.record(z.string(), z.unknown()) }),
]);
export type RunMetadataOperation = z.infer<typeof RunMetadataOperation>;

/**
 * `PUT /api/v1/runs/{runId}/metadata`: replace (`metadata`) and/or apply `operations` to the run, and apply
 * `parentOperations` / `rootOperations` to its parent / root run (the run itself when it has none: the
 * official client's `metadata.parent` / `metadata.root` of a root run), all in one transaction.
 */
export const UpdateRunMetadataRequestBody = z.object({
  metadata: z.record(z.string(), z.unknown()).optional(),
  operations: z.array(RunMetadataOperation).optional(),
  parentOperations: z.array(RunMetadataOperation).optional(),
  rootOperations: z.array(RunMetadataOperation).optional(),
});
export type UpdateRunMetadataRequestBody = z.infer<typeof UpdateRunMetadataRequestBody>;
export const UpdateRunMetadataResponse = z.object({ metadata: z.record(z.string(), z.unknown()) });

/** Applies metadata operations to a copy of `metadata` (shared by the api and the SDK's local view). */
export function applyMetadataOperations(metadata: Record<string, unknown>, operations: readonly RunMetadataOperation[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...metadata };
  for (const op of operations) {
    switch (op.type) {
      case "set":
        out[op.key] = op.value;
        break;
      case "delete":
        delete out[op.key];
        break;
      case "append": {
        const current = out[op.key];
        out[op.key] = Array.isArray(current) ? [...current, op.value] : current === undefined ? [op.value] : [current, op.value];
        break;
      }
      case "remove": {
        const current = out[op.key];
        if (Array.isArray(current)) out[op.key] = current.filter((v) => JSON.stringify(v) !== JSON.stringify(op.value));
        break;
      }
      case "increment": {
        const current = out[op.key];
        out[op.key] = (typeof current === "number" ? current : 0) + op.value;
        break;
      }
      case "update":
        Object.assign(out, op.value);
        break;
    }
  }
  return out;
}

/** `POST /api/v1/runs/{runId}/tags` (`tags.add` inside a run): one tag or several, each 1-128 characters. */
export const AddRunTagsRequestBody = z.object({
  tags: z.union([z.string(), z.array(z.string())]),
});
export type AddRunTagsRequestBody = z.infer<typeof AddRunTagsRequestBody>;
/** The reference's answer: `{ message }` ("Successfully set 2 new tags."). */
export const AddRunTagsResponse = z.object({ message: z.string() });
export type AddRunTagsResponse = z.infer<typeof AddRunTagsResponse>;
