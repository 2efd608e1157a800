// Tasks the conformance suite adds to the e2e fixture project before deploying it (copied in by
// conformance-platform.ts). They report what the platform handed them, so the tests can check that the official
// client's trigger options reached the run.
import { schedules, task } from "@gantry/sdk";

export const conformanceInspect = task({
  id: "conformance-inspect",
  run: async (payload: unknown, { ctx }) => ({
    payload,
    attempt: ctx.attempt.number,
    maxAttempts: ctx.run.maxAttempts ?? null,
    machine: ctx.machine.name,
    tags: ctx.run.tags,
  }),
});

export const conformanceFailsOnce = task({
  id: "conformance-fails",
  retry: { maxAttempts: 4, minTimeoutInMs: 50, maxTimeoutInMs: 100, factor: 1, randomize: false },
  run: async (_payload: unknown, { ctx }) => {
    throw new Error(`fails on attempt ${ctx.attempt.number}`);
  },
});

export const conformanceScheduled = schedules.task({
  id: "conformance-scheduled",
  run: async (payload) => ({ scheduleId: payload.scheduleId, externalId: payload.externalId ?? null }),
});

export const conformanceDeclarative = schedules.task({
  id: "conformance-declarative",
  cron: "0 5 * * *",
  run: async (payload) => ({ scheduleId: payload.scheduleId }),
});
