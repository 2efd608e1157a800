import { queue, task } from "@gantry/sdk";

/** Wall-clock time with sub-millisecond precision, comparable across processes of one host. */
const now = () => performance.timeOrigin + performance.now();

/**
 * Each tenant (concurrency key) may run 10 at once, all tenants together 20: a first-come gate would let the
 * flooding tenant hold half the queue; a fair one gives it one tenant's share.
 */
export const tenants = queue({ name: "bench-tenants", concurrencyLimit: 10, totalConcurrencyLimit: 20 });

/** Sleeps the given time and reports when it ran, by its own clock: the benchmark derives concurrency from it. */
export const fair = task({
  id: "fair",
  queue: tenants,
  run: async (payload: { ms: number }) => {
    const start = now();
    await new Promise((resolve) => setTimeout(resolve, payload.ms));
    return { start, end: now() };
  },
});
