import type { Redis } from "ioredis";
import type { ApiDeps } from "../context.js";

/**
 * Wakes long-polling dev claims when a dev environment gets a ready run. Redis pub/sub, so a trigger on one
 * api instance wakes a claim waiting on another; one subscriber connection per api process.
 * Channel: `{prefix}:dev-ready:<environmentId>`.
 */
interface Notifier {
  subscriber: Redis;
  waiters: Map<string, Set<() => void>>;
}

const notifiers = new WeakMap<ApiDeps, Notifier>();

function channel(deps: ApiDeps, environmentId: string): string {
  return `{${deps.config.GANTRY_REDIS_PREFIX}}:dev-ready:${environmentId}`;
}

export async function wakeDevClaims(deps: ApiDeps, environmentId: string): Promise<void> {
  await deps.redis.publish(channel(deps, environmentId), "1");
}

function notifier(deps: ApiDeps): Notifier {
  let n = notifiers.get(deps);
  if (!n) {
    const subscriber = deps.redis.duplicate();
    const waiters = new Map<string, Set<() => void>>();
    subscriber.on("message", (ch: string) => {
      for (const wake of waiters.get(ch) ?? []) wake();
    });
    subscriber.on("error", (error: unknown) => console.error("[dev] notifier connection error:", error));
    n = { subscriber, waiters };
    notifiers.set(deps, n);
  }
  return n;
}

/** Resolves when a run becomes ready in this environment, or after `ms`, whichever comes first. */
export async function waitForDevRun(deps: ApiDeps, environmentId: string, ms: number): Promise<void> {
  if (ms <= 0) return;
  const n = notifier(deps);
  const ch = channel(deps, environmentId);
  let set = n.waiters.get(ch);
  if (!set) {
    set = new Set();
    n.waiters.set(ch, set);
    await n.subscriber.subscribe(ch);
  }
  const waiters = set;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      waiters.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    waiters.add(done);
  });
  if (waiters.size === 0 && n.waiters.get(ch) === waiters) {
    n.waiters.delete(ch);
    await n.subscriber.unsubscribe(ch).catch(() => {});
  }
}

export async function closeDevNotifier(deps: ApiDeps): Promise<void> {
  const n = notifiers.get(deps);
  if (!n) return;
  notifiers.delete(deps);
  for (const set of n.waiters.values()) for (const wake of set) wake();
  n.subscriber.disconnect();
}
