import { Redis } from "ioredis";
import { RESUME_CHANNEL } from "@gantry/sdk/contracts";

/**
 * Subscribes to `<GANTRY_REDIS_PREFIX>:gantry:resume`, where the api hands a resumed run to the runner holding
 * its suspended attempt when the run's job went to another runner. Calls `onResume` for this runner's runs.
 */
export async function subscribeToResumes(opts: {
  redisUrl: string;
  redisPrefix: string;
  runnerId: string;
  onResume: (runId: string) => void;
  warn: (message: string) => void;
}): Promise<{ close(): Promise<void> }> {
  const subscriber = new Redis(opts.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  subscriber.on("error", (err) => opts.warn(`resume channel: ${err.message}`));
  const channel = `${opts.redisPrefix}:${RESUME_CHANNEL}`;
  subscriber.on("message", (received: string, message: string) => {
    if (received !== channel) return;
    try {
      const { runId, runnerId } = JSON.parse(message) as { runId?: unknown; runnerId?: unknown };
      if (typeof runId === "string" && runnerId === opts.runnerId) opts.onResume(runId);
    } catch {
      opts.warn(`resume channel: ignored a message that is not JSON { runId, runnerId }: ${message.slice(0, 200)}`);
    }
  });
  await subscriber.connect();
  await subscriber.subscribe(channel);
  return {
    async close() {
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
