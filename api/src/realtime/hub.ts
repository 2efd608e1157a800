import type { Redis } from "ioredis";
import type { ApiDeps } from "../context.js";
import { decodeRunIds, realtimeChannel, STREAM_MESSAGE_PREFIX } from "./channel.js";

/** What the hub wakes: a run subscription or a stream reader. */
export interface HubSubscriber {
  readonly environmentId: string;
  /** whether a message about these runs concerns it: `kind` "run" (a run row changed) or "stream" (chunks appended) */
  concerns(runIds: readonly string[], kind: "run" | "stream"): boolean;
  wake(): void;
  close(): void;
}

/**
 * One per api instance (per deps): a Redis subscriber connection listening on the channels of the environments
 * that have open subscriptions here, waking the subscriptions a message concerns. It holds no run state.
 */
export class RealtimeHub {
  private readonly subscriber: Redis;
  private readonly byChannel = new Map<string, Set<HubSubscriber>>();
  private closed = false;

  constructor(private readonly deps: ApiDeps) {
    this.subscriber = deps.redis.duplicate({ lazyConnect: false, maxRetriesPerRequest: null });
    this.subscriber.on("error", () => {}); // reconnects by itself
    this.subscriber.on("message", (channel: string, message: string) => this.onMessage(channel, message));
    // messages published while we were disconnected are gone: re-read everything once reconnected
    let connectedOnce = false;
    this.subscriber.on("ready", () => {
      if (connectedOnce) for (const subs of this.byChannel.values()) for (const s of subs) s.wake();
      connectedOnce = true;
    });
    deps.redis.once("end", () => this.close());
  }

  /** Starts listening for the subscription's environment; resolves once Redis confirmed the channel. */
  async add(subscription: HubSubscriber): Promise<void> {
    const channel = realtimeChannel(this.deps.config, subscription.environmentId);
    let subs = this.byChannel.get(channel);
    if (!subs) {
      this.byChannel.set(channel, (subs = new Set()));
      subs.add(subscription);
      await this.subscriber.subscribe(channel);
    } else {
      subs.add(subscription);
    }
  }

  remove(subscription: HubSubscriber): void {
    subscription.close();
    const channel = realtimeChannel(this.deps.config, subscription.environmentId);
    const subs = this.byChannel.get(channel);
    if (!subs) return;
    subs.delete(subscription);
    if (subs.size === 0) {
      this.byChannel.delete(channel);
      if (!this.closed) this.subscriber.unsubscribe(channel).catch(() => undefined);
    }
  }

  /** Open subscriptions on this instance. */
  get size(): number {
    let n = 0;
    for (const subs of this.byChannel.values()) n += subs.size;
    return n;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const subs of this.byChannel.values()) for (const s of subs) s.close();
    this.byChannel.clear();
    this.subscriber.disconnect();
    hubs.delete(this.deps);
  }

  private onMessage(channel: string, message: string): void {
    const subs = this.byChannel.get(channel);
    if (!subs) return;
    const stream = message.startsWith(STREAM_MESSAGE_PREFIX);
    const runIds = decodeRunIds(stream ? message.slice(STREAM_MESSAGE_PREFIX.length) : message);
    for (const s of subs) if (s.concerns(runIds, stream ? "stream" : "run")) s.wake();
  }
}

const hubs = new WeakMap<ApiDeps, RealtimeHub>();

/** This instance's hub, created on first use and closed with the api's Redis connection. */
export function realtimeHub(deps: ApiDeps): RealtimeHub {
  let hub = hubs.get(deps);
  if (!hub) hubs.set(deps, (hub = new RealtimeHub(deps)));
  return hub;
}
