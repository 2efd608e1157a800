import type { Redis } from "ioredis";
import type { ApiDeps } from "../context.js";
import { ChangeHorizon } from "./change-horizon.js";
import { decodeRunIds, realtimeChannel, STREAM_MESSAGE_PREFIX } from "./channel.js";

export type ChangeKind = "run" | "stream";

/** What the hub wakes: a run subscription, a stream reader, a long poll. */
export interface HubSubscriber {
  readonly environmentId: string;
  /** set when it follows one run: the hub then wakes it only for messages naming that run */
  readonly runId?: string;
  /** whether a message of this kind ("run": a run row changed; "stream": chunks appended) concerns it */
  wants(kind: ChangeKind): boolean;
  wake(): void;
  close(): void;
}

interface ChannelSubscribers {
  /** followers of one run, by run id */
  byRun: Map<string, Set<HubSubscriber>>;
  /** followers of sets of runs (tags, batches): woken by every message */
  others: Set<HubSubscriber>;
  size: number;
}

/**
 * One per api instance (per deps): a Redis subscriber connection listening on the channels of the environments
 * that have open subscriptions here, waking the subscriptions a message concerns. It holds no run state.
 */
export class RealtimeHub {
  private readonly subscriber: Redis;
  private readonly channels = new Map<string, ChannelSubscribers>();
  private closed = false;
  /** sampled while this instance has subscribers: what their reads may take as final */
  readonly horizon: ChangeHorizon;

  constructor(private readonly deps: ApiDeps) {
    this.horizon = new ChangeHorizon(deps.sql);
    this.subscriber = deps.redis.duplicate({ lazyConnect: false, maxRetriesPerRequest: null });
    this.subscriber.on("error", () => {}); // reconnects by itself
    this.subscriber.on("message", (channel: string, message: string) => this.onMessage(channel, message));
    // messages published while we were disconnected are gone: re-read everything once reconnected
    let connectedOnce = false;
    this.subscriber.on("ready", () => {
      if (connectedOnce) for (const s of this.all()) s.wake();
      connectedOnce = true;
    });
    deps.redis.once("end", () => this.close());
  }

  /** Starts listening for the subscriber's environment; resolves once Redis confirmed the channel. */
  async add(subscriber: HubSubscriber): Promise<void> {
    const channel = realtimeChannel(this.deps.config, subscriber.environmentId);
    let subs = this.channels.get(channel);
    const first = !subs;
    if (!subs) this.channels.set(channel, (subs = { byRun: new Map(), others: new Set(), size: 0 }));
    if (subscriber.runId !== undefined) {
      let set = subs.byRun.get(subscriber.runId);
      if (!set) subs.byRun.set(subscriber.runId, (set = new Set()));
      set.add(subscriber);
    } else {
      subs.others.add(subscriber);
    }
    subs.size++;
    if (!this.closed) this.horizon.start();
    if (first) await this.subscriber.subscribe(channel);
  }

  remove(subscriber: HubSubscriber): void {
    subscriber.close();
    const channel = realtimeChannel(this.deps.config, subscriber.environmentId);
    const subs = this.channels.get(channel);
    if (!subs) return;
    let removed = false;
    if (subscriber.runId !== undefined) {
      const set = subs.byRun.get(subscriber.runId);
      removed = set?.delete(subscriber) ?? false;
      if (set && set.size === 0) subs.byRun.delete(subscriber.runId);
    } else {
      removed = subs.others.delete(subscriber);
    }
    if (removed) subs.size--;
    if (subs.size === 0) {
      this.channels.delete(channel);
      if (!this.closed) this.subscriber.unsubscribe(channel).catch(() => undefined);
      if (this.channels.size === 0) this.horizon.stop();
    }
  }

  /** Open subscribers on this instance. */
  get size(): number {
    let n = 0;
    for (const subs of this.channels.values()) n += subs.size;
    return n;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.horizon.stop();
    for (const s of this.all()) s.close();
    this.channels.clear();
    this.subscriber.disconnect();
    hubs.delete(this.deps);
  }

  private *all(): Generator<HubSubscriber> {
    for (const subs of this.channels.values()) {
      yield* subs.others;
      for (const set of subs.byRun.values()) yield* set;
    }
  }

  private onMessage(channel: string, message: string): void {
    const subs = this.channels.get(channel);
    if (!subs) return;
    const kind: ChangeKind = message.startsWith(STREAM_MESSAGE_PREFIX) ? "stream" : "run";
    for (const s of subs.others) if (s.wants(kind)) s.wake();
    if (subs.byRun.size === 0) return;
    for (const runId of decodeRunIds(kind === "stream" ? message.slice(STREAM_MESSAGE_PREFIX.length) : message)) {
      const set = subs.byRun.get(runId);
      if (set) for (const s of set) if (s.wants(kind)) s.wake();
    }
  }
}

const hubs = new WeakMap<ApiDeps, RealtimeHub>();

/** This instance's hub, created on first use and closed with the api's Redis connection. */
export function realtimeHub(deps: ApiDeps): RealtimeHub {
  let hub = hubs.get(deps);
  if (!hub) hubs.set(deps, (hub = new RealtimeHub(deps)));
  return hub;
}
