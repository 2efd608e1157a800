import { logger, task } from "@gantry/sdk";

/** A long task that reports progress in its logs, step by step. */
export const longTask = task({
  id: "long-task",
  maxDuration: 600,
  run: async (payload: { steps?: number; stepMs?: number }) => {
    const steps = payload.steps ?? 10;
    const stepMs = payload.stepMs ?? 1000;
    for (let step = 1; step <= steps; step++) {
      await new Promise((resolve) => setTimeout(resolve, stepMs));
      logger.info(`Step ${step}/${steps} done`, { progress: step / steps });
    }
    return { steps };
  },
});
