import { z } from "zod";
import { MachinePreset, RunStatus } from "./common.js";

const StringOrArray = z.union([z.string(), z.array(z.string())]);
const DateOrEpochMs = z.union([z.number(), z.coerce.date()]);
/** `{ type: "task", name: <task id> }` (the task's own queue) or `{ type: "custom", name }` */
export const BulkActionQueue = z.object({ type: z.enum(["task", "custom"]), name: z.string().min(1) });

/** Which runs a bulk action acts on (the official client's `BulkActionFilterRequestBody`); at least one field. */
export const BulkActionFilter = z
  .object({
    status: z.union([RunStatus, z.array(RunStatus)]).optional(),
    taskIdentifier: StringOrArray.optional(),
    version: StringOrArray.optional(),
    from: DateOrEpochMs.optional(),
    to: DateOrEpochMs.optional(),
    period: z.string().optional(),
    bulkAction: z.string().optional(),
    tag: StringOrArray.optional(),
    schedule: z.string().optional(),
    isTest: z.boolean().optional(),
    batch: z.string().optional(),
    queue: z.union([BulkActionQueue, z.array(BulkActionQueue)]).optional(),
    machine: z.union([MachinePreset, z.array(MachinePreset)]).optional(),
    region: StringOrArray.optional(),
  })
  .strict()
  .refine((f) => Object.values(f).some(nonEmpty), { message: "At least one filter must be provided" });
export type BulkActionFilter = z.infer<typeof BulkActionFilter>;

function nonEmpty(value: unknown): boolean {
  if (value === undefined) return false;
  if (Array.isArray(value)) return value.some(nonEmpty);
  if (typeof value === "string") return value.trim().length > 0;
  return true;
}

/** POST /api/v1/bulk-actions (what `runs.bulk.cancel` / `runs.bulk.replay` send): exactly one of filter or runIds. */
export const CreateBulkActionRequestBody = z
  .object({
    action: z.enum(["cancel", "replay"]),
    filter: BulkActionFilter.optional(),
    runIds: z.array(z.string().min(1)).min(1).max(10_000).optional(),
    name: z.string().max(255, "Name must be less than 255 characters").optional(),
    targetRegion: z.string().optional(),
  })
  .refine((b) => (b.filter ? 1 : 0) + (b.runIds ? 1 : 0) === 1, { message: "Exactly one of filter or runIds must be provided", path: ["filter"] });
export type CreateBulkActionRequestBody = z.infer<typeof CreateBulkActionRequestBody>;

export const BULK_ACTION_STATES = ["PENDING", "RUNNING", "COMPLETED", "ABORTED"] as const;
export const BulkActionState = z.enum(BULK_ACTION_STATES);
export type BulkActionState = z.infer<typeof BulkActionState>;

/** A bulk action as the API answers it (api/src/bulk-actions/README.md). */
export const BulkActionObject = z.object({
  id: z.string(),
  name: z.string().optional(),
  type: z.enum(["CANCEL", "REPLAY"]),
  /** the official client's enum: PENDING while queued or running */
  status: z.enum(["PENDING", "COMPLETED", "ABORTED"]),
  /** Gantry's finer status */
  state: BulkActionState.optional(),
  counts: z.object({ total: z.number(), success: z.number(), failure: z.number() }),
  processed: z.number().optional(),
  selection: z.object({ runIds: z.array(z.string()).optional(), filter: z.record(z.string(), z.unknown()).optional() }).optional(),
  createdAt: z.coerce.date(),
  updatedAt: z.coerce.date().optional(),
  completedAt: z.coerce.date().optional(),
});
export type BulkActionObject = z.infer<typeof BulkActionObject>;

export const ListBulkActionsResponse = z.object({
  data: z.array(BulkActionObject),
  pagination: z.object({ next: z.string().optional(), previous: z.string().optional() }),
});
export type ListBulkActionsResponse = z.infer<typeof ListBulkActionsResponse>;
