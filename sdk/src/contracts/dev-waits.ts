import { z } from "zod";

/**
 * What a dev run suspended at a wait is waiting for, for `gantry dev`'s "⏸ waiting" line.
 * GET /api/v1/dev/runs/{runId}/wait with the dev environment's secret key; 404 for a run of another environment.
 * `wait` is the last wait the run reached (absent if it never waited); `pending` is false once that wait is
 * over (a child that finished before the session asked).
 */
const waitBase = { waitpointId: z.string(), pending: z.boolean().default(true) };
export const DevRunWait = z.discriminatedUnion("type", [
  z.object({ type: z.literal("duration"), ...waitBase, until: z.coerce.date().optional() }),
  z.object({ type: z.literal("token"), ...waitBase, tokenId: z.string(), timeoutAt: z.coerce.date().optional() }),
  z.object({ type: z.literal("task"), ...waitBase, runIds: z.array(z.string()) }),
  z.object({ type: z.literal("batch"), ...waitBase, batchId: z.string().optional(), runIds: z.array(z.string()) }),
]);
export type DevRunWait = z.infer<typeof DevRunWait>;

export const DevRunWaitResponse = z.object({ runId: z.string(), status: z.string(), wait: DevRunWait.optional() });
export type DevRunWaitResponse = z.infer<typeof DevRunWaitResponse>;

/**
 * POST /api/v1/dev/lost-attempts (dev secret key): attempts this `gantry dev` session held suspended at a wait
 * and lost (their process died). The api closes each (SYSTEM_FAILURE, SUSPENDED_ATTEMPT_LOST) while its run
 * still waits in it, so the run replays in a new attempt when it resumes, even through a claim already open.
 * `closed`: the runs whose attempt this closed (others had moved on, or were never this session's).
 */
export const DevLostAttemptsRequest = z.object({
  runnerId: z.string(),
  attempts: z.array(z.object({ runId: z.string(), attemptNumber: z.number().int().min(1) })).min(1).max(1000),
});
export type DevLostAttemptsRequest = z.infer<typeof DevLostAttemptsRequest>;
export const DevLostAttemptsResponse = z.object({ closed: z.array(z.string()) });
export type DevLostAttemptsResponse = z.infer<typeof DevLostAttemptsResponse>;
