import { logger, schedules } from "@gantry/sdk";

/**
 * A declarative schedule: deploying this file creates an hourly schedule in every environment (see Schedules
 * in the dashboard). Cheap on purpose: it only reports which tick it is and when the next one comes.
 */
export const hourlyDigest = schedules.task({
  id: "hourly-digest",
  cron: "0 * * * *",
  run: async (payload) => {
    logger.info("Hourly digest", { tick: payload.timestamp, previous: payload.lastTimestamp, next: payload.upcoming[0] });
    return { tick: payload.timestamp.toISOString(), scheduleId: payload.scheduleId, next: payload.upcoming[0]?.toISOString() };
  },
});
