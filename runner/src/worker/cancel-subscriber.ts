import { Redis } from "ioredis";
import { CANCEL_CHANNEL } from "@gantry/sdk/contracts";

/** The Redis channel the api publishes canceled runs on: `<GANTRY_REDIS_PREFIX>:gantry:cancel`. */
export function cancelChannel(redisPrefix: string): string {
  return `${redisPrefix}:${CANCEL_CHANNEL}`;
}

/** Subscribes to the cancel channel so a canceled run stops at once, not at the next heartbeat. */
export async function subscribeToCancels(opts: {
  redisUrl: string;
  redisPrefix: string;
  onCancel: (runId: string) => void;
  warn: (message: string) => void;
}): Promise<{ close(): Promise<void> }> {
  const subscriber = new Redis(opts.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  subscriber.on("error", (err) => opts.warn(`cancel channel: ${err.message}`));
  const channel = cancelChannel(opts.redisPrefix);
  subscriber.on("message", (received: string, message: string) => {
    if (received !== channel) return;
    try {
      const { runId } = JSON.parse(message) as { runId?: unknown };
      if (typeof runId === "string") opts.onCancel(runId);
    } catch {
      opts.warn(`cancel channel: ignored a message that is not JSON { runId }: ${message.slice(0, 200)}`);
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
