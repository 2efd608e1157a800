import { logger, task } from "@gantry/sdk";

/** The task `npm start`'s curl line triggers. */
export const helloWorld = task({
  id: "hello-world",
  run: async (payload: { name?: string }, { ctx }) => {
    logger.info("Saying hello", { name: payload.name, attempt: ctx.attempt.number });
    return { message: `Hello, ${payload.name ?? "world"}!`, environment: ctx.environment.slug };
  },
});
