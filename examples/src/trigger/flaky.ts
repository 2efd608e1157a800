import { logger, task } from "@gantry/sdk";

/** Fails on its first two attempts and succeeds on the third: watch the retries in the run's attempts. */
export const flakyTask = task({
  id: "flaky-task",
  retry: { maxAttempts: 3, minTimeoutInMs: 200, maxTimeoutInMs: 1000, factor: 2 },
  run: async (payload: { failUntilAttempt?: number }, { ctx }) => {
    const failUntil = payload.failUntilAttempt ?? 3;
    if (ctx.attempt.number < failUntil) {
      logger.warn("Not this time", { attempt: ctx.attempt.number });
      throw new Error(`Attempt ${ctx.attempt.number} failed on purpose`);
    }
    return { succeededOnAttempt: ctx.attempt.number };
  },
});
