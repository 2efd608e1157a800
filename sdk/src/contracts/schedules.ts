import { z } from "zod";

/**
 * Schedules: the reference's `/api/v1/schedules` and `/api/v1/timezones` (wire-format.md §3.2).
 * A schedule belongs to the environment of the key that made it (declarative ones: of the deployment).
 */
export const ScheduleType = z.enum(["DECLARATIVE", "IMPERATIVE"]);
export type ScheduleType = z.infer<typeof ScheduleType>;

/** POST /api/v1/schedules. A second create with the same `deduplicationKey` updates that schedule. */
export const CreateScheduleRequestBody = z.object({
  /** a task defined with `schedules.task` */
  task: z.string().min(1),
  /** 5 fields: minute hour day-of-month month day-of-week */
  cron: z.string().min(1),
  deduplicationKey: z.string().min(1).max(256).optional(),
  externalId: z.string().min(1).max(256).optional(),
  /** IANA, default "UTC" */
  timezone: z.string().optional(),
  /** sent by newer official clients; accepted and ignored */
  window: z.unknown().optional(),
});
export type CreateScheduleRequestBody = z.infer<typeof CreateScheduleRequestBody>;

/** PUT /api/v1/schedules/{id} (imperative schedules only). */
export const UpdateScheduleRequestBody = CreateScheduleRequestBody.omit({ deduplicationKey: true });
export type UpdateScheduleRequestBody = z.infer<typeof UpdateScheduleRequestBody>;

export const ScheduleObject = z.object({
  id: z.string(),
  type: ScheduleType,
  task: z.string(),
  active: z.boolean(),
  deduplicationKey: z.string().nullish(),
  externalId: z.string().nullish(),
  generator: z.object({ type: z.literal("CRON"), expression: z.string(), description: z.string() }),
  timezone: z.string(),
  nextRun: z.coerce.date().nullish(),
  environments: z.array(z.object({ id: z.string(), type: z.string(), userName: z.string().nullish() })),
});
export type ScheduleObject = z.infer<typeof ScheduleObject>;

export const ListSchedulesResult = z.object({
  data: z.array(ScheduleObject),
  pagination: z.object({ currentPage: z.coerce.number(), totalPages: z.coerce.number(), count: z.coerce.number() }),
});
export type ListSchedulesResult = z.infer<typeof ListSchedulesResult>;

export const DeletedScheduleObject = z.object({ id: z.string() });
export type DeletedScheduleObject = z.infer<typeof DeletedScheduleObject>;

/** GET /api/v1/timezones[?excludeUtc=true] */
export const TimezonesResult = z.object({ timezones: z.array(z.string()) });
export type TimezonesResult = z.infer<typeof TimezonesResult>;

/** What a scheduled run receives (SuperJSON, so the dates arrive as Dates). `type` is the schedule's. */
export interface ScheduledRunPayload {
  type: ScheduleType;
  timestamp: Date;
  lastTimestamp?: Date;
  timezone: string;
  scheduleId: string;
  externalId?: string;
  upcoming: Date[];
}
