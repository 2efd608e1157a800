import { createHash } from "node:crypto";
import type { ApiDeps } from "../context.js";
import { createBatcher, type Batcher } from "../batching/batcher.js";
import { GATE_SCRIPT } from "./gate-script.js";
import { writeGateConfig } from "./gate-config.js";
import { gateBase, gateEpochKey } from "./gate-keys.js";
import { enqueueRuns, type RunJob } from "./run-queue.js";
import { selectGateRuns } from "./queries/gate-runs.js";
import { loadAuthEnvironment } from "../auth/environment-cache.js";
import { wakeDevClaims } from "../dev/notifier.js";

/**
 * The concurrency gate (README.md beside this file): QUEUED runs wait in Redis, per (environment, queue,
 * concurrency key), until the Lua script admits them within every limit; an admitted run holds a slot until it
 * leaves DEQUEUED/EXECUTING and only then gets its BullMQ job. All calls of one api instance are coalesced
 * into one script call per flush (PERFORMANCE.md), whoever made them: dispatch, completion, cancel, the reconciler.
 */

/** A run handed to the gate: its id, environment and the attempt its job will start. */
export interface GateRun {
  runId: string;
  environmentId: string;
  attemptNumberToStart: number;
  /** known placement (a trigger's insert returns it): no Postgres lookup */
  placement?: RunPlacement;
}

/** Where a run waits: its queue and key, its order (queued_at − priority, ms) and when it may start (ms). */
export interface RunPlacement {
  queue: string;
  concurrencyKey?: string;
  orderMs: number;
  availableAtMs: number;
}

/** A run Postgres has DEQUEUED/EXECUTING whose slot the rebuild restores. */
export interface RestoredSlot {
  runId: string;
  environmentId: string;
  queue: string;
  concurrencyKey: string;
  attempt: number;
}

/** A run's entry in line: from its placement, its Postgres row (dispatch), or the rebuild. */
export interface GateEntry {
  runId: string;
  environmentId: string;
  queue: string;
  concurrencyKey: string;
  orderMs: number;
  availableAtMs: number;
  attempt: number;
}

type Op =
  | { kind: "enqueue"; run: GateRun }
  | { kind: "release"; runId: string }
  | { kind: "admit"; environmentId?: string }
  | { kind: "sweep" };

export interface GateCallResult {
  epochPresent: boolean;
  admitted: RunJob[];
  needJob: RunJob[];
  nextWakeMs: number;
}

/** Most runs one script call admits; more wait for the next call (which the script schedules at once). */
const MAX_ADMIT = 500;
/** Gate flushes of one api instance in flight at once. */
const FLUSHES_IN_FLIGHT = 4;
/** Statuses a run may enter the gate in. */
const GATEABLE = new Set(["QUEUED", "DELAYED"]);

interface GateHandle {
  batcher: Batcher<Op, void>;
  timer?: NodeJS.Timeout;
  timerAt?: number;
  closed: boolean;
  rebuilding?: Promise<void>;
  onEpochMissing?: (deps: ApiDeps) => Promise<void>;
}

const GATE_SHA = createHash("sha1").update(GATE_SCRIPT).digest("hex");

const handles = new WeakMap<ApiDeps, GateHandle>();

function handle(deps: ApiDeps): GateHandle {
  let h = handles.get(deps);
  if (!h) {
    const created: GateHandle = {
      closed: false,
      // Several flushes may run at once: each script call is atomic, and no two calls' order matters beyond
      // what the run's attempt number and its Postgres status already decide. So one slow Postgres lookup or
      // Redis round trip does not hold every other run of this instance back.
      batcher: createBatcher<Op, void>(
        async (ops) => {
          await flush(deps, created, ops);
          return ops.map(() => undefined);
        },
        { concurrency: FLUSHES_IN_FLIGHT },
      ),
    };
    h = created;
    handles.set(deps, h);
  }
  return h;
}

/**
 * Called when the gate finds its Redis state missing (after a Redis loss): the rebuild from Postgres. Set by
 * the reconciler module (it owns the rebuild), so this module does not import it.
 */
export function onGateEpochMissing(deps: ApiDeps, rebuild: (deps: ApiDeps) => Promise<void>): void {
  handle(deps).onEpochMissing = rebuild;
}

async function flush(deps: ApiDeps, h: GateHandle, ops: Op[]): Promise<void> {
  const entries: GateEntry[] = [];
  for (const op of ops) {
    if (op.kind !== "enqueue" || !op.run.placement) continue;
    const p = op.run.placement;
    entries.push({
      runId: op.run.runId,
      environmentId: op.run.environmentId,
      queue: p.queue,
      concurrencyKey: p.concurrencyKey ?? "",
      orderMs: p.orderMs,
      availableAtMs: p.availableAtMs,
      attempt: op.run.attemptNumberToStart,
    });
  }
  const enqueueIds = ops.flatMap((op) => (op.kind === "enqueue" && !op.run.placement ? [op.run] : []));
  if (enqueueIds.length > 0) {
    const rows = new Map((await selectGateRuns(deps.sql, [...new Set(enqueueIds.map((r) => r.runId))])).map((r) => [r.id, r]));
    for (const run of enqueueIds) {
      const row = rows.get(run.runId);
      // a run that moved on since (canceled, started elsewhere, expired) has nothing to wait for
      if (!row || !GATEABLE.has(row.status)) continue;
      entries.push({
        runId: row.id,
        environmentId: row.environment_id,
        queue: row.queue_name,
        concurrencyKey: row.concurrency_key ?? "",
        orderMs: row.order_ms,
        availableAtMs: row.available_at_ms,
        attempt: run.attemptNumberToStart,
      });
    }
  }
  const result = await callGate(deps, {
    release: ops.flatMap((op) => (op.kind === "release" ? [op.runId] : [])),
    enqueue: entries,
    admit: [...new Set(ops.flatMap((op) => (op.kind === "admit" && op.environmentId ? [op.environmentId] : [])))],
    sweep: ops.some((op) => op.kind === "sweep"),
  });
  const jobs = [...result.admitted, ...result.needJob];
  if (jobs.length > 0) await handOut(deps, jobs);
  if (!result.epochPresent && h.onEpochMissing && !h.rebuilding) {
    h.rebuilding = h.onEpochMissing(deps)
      .catch((error: unknown) => console.error("[gate] rebuilding the gate from Postgres failed (the reconciler retries):", error))
      .finally(() => {
        h.rebuilding = undefined;
      });
  }
  scheduleWake(deps, h, result.nextWakeMs);
}

/**
 * Admitted runs go to whoever starts them: a BullMQ job for deployed environments; for a dev environment, its
 * line of admitted runs in Redis, which `gantry dev` claims from (`../dev/claim.ts`), and a wake-up.
 */
async function handOut(deps: ApiDeps, jobs: RunJob[]): Promise<void> {
  const envIds = [...new Set(jobs.map((j) => j.environmentId))];
  const types = new Map(await Promise.all(envIds.map(async (id) => [id, (await loadAuthEnvironment(deps, id).catch(() => undefined))?.type] as const)));
  const dev = jobs.filter((j) => types.get(j.environmentId) === "DEVELOPMENT");
  const deployed = jobs.filter((j) => types.get(j.environmentId) !== "DEVELOPMENT");
  if (dev.length > 0) {
    const pipeline = deps.redis.pipeline();
    for (const j of dev) pipeline.rpush(devAdmittedKey(deps, j.environmentId), j.runId);
    await pipeline.exec();
    await Promise.all([...new Set(dev.map((j) => j.environmentId))].map((id) => wakeDevClaims(deps, id)));
  }
  if (deployed.length > 0) await enqueueRuns(deps, deployed);
}

/** A dev environment's admitted runs, in order, waiting for its `gantry dev` session to claim them. */
export function devAdmittedKey(deps: ApiDeps, environmentId: string): string {
  return `${gateBase(deps)}:dev:${environmentId}`;
}

/** Takes up to `max` admitted runs of a dev environment (they hold their slots until they finish). */
export async function takeAdmittedDevRuns(deps: ApiDeps, environmentId: string, max: number): Promise<string[]> {
  return (await deps.redis.lpop(devAdmittedKey(deps, environmentId), max)) ?? [];
}

/**
 * One script call, loading the limits of environments whose copy in Redis is missing and admitting again.
 * Exported for the gate's tests and the rebuild; everything else goes through the batched functions below.
 */
export async function callGate(
  deps: ApiDeps,
  ops: { release?: string[]; enqueue?: GateEntry[]; restore?: RestoredSlot[]; admit?: string[]; sweep?: boolean },
): Promise<GateCallResult> {
  const args: (string | number)[] = [gateBase(deps), deps.clock().getTime(), MAX_ADMIT, ops.sweep ? 1 : 0];
  const release = ops.release ?? [];
  args.push(release.length, ...release);
  const enqueue = ops.enqueue ?? [];
  args.push(enqueue.length);
  for (const e of enqueue) args.push(e.runId, e.environmentId, e.queue, e.concurrencyKey, e.orderMs, e.availableAtMs, e.attempt);
  const restore = ops.restore ?? [];
  args.push(restore.length);
  for (const s of restore) args.push(s.runId, s.environmentId, s.queue, s.concurrencyKey, s.attempt);
  const admit = ops.admit ?? [];
  args.push(admit.length, ...admit);
  const first = await runScript(deps, args);
  if (first.needConfig.length === 0) return first.result;
  await writeGateConfig(deps, first.needConfig);
  const again = await runScript(deps, [gateBase(deps), deps.clock().getTime(), MAX_ADMIT, 0, 0, 0, 0, first.needConfig.length, ...first.needConfig]);
  return {
    epochPresent: again.result.epochPresent,
    admitted: [...first.result.admitted, ...again.result.admitted],
    needJob: first.result.needJob,
    nextWakeMs: minWake(first.result.nextWakeMs, again.result.nextWakeMs),
  };
}

async function runScript(deps: ApiDeps, args: (string | number)[]): Promise<{ result: GateCallResult; needConfig: string[] }> {
  let reply: [number, string[], string[], string[], string];
  try {
    reply = (await deps.redis.evalsha(GATE_SHA, 1, gateEpochKey(deps), ...args)) as typeof reply;
  } catch (error) {
    if (!String(error).includes("NOSCRIPT")) throw error;
    reply = (await deps.redis.eval(GATE_SCRIPT, 1, gateEpochKey(deps), ...args)) as typeof reply;
  }
  const [epoch, admitted, needJob, needConfig, nextWake] = reply;
  return {
    result: { epochPresent: epoch === 1, admitted: jobsOf(admitted), needJob: jobsOf(needJob), nextWakeMs: Number(nextWake) },
    needConfig,
  };
}

function jobsOf(flat: string[]): RunJob[] {
  const jobs: RunJob[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) jobs.push({ runId: flat[i]!, environmentId: flat[i + 1]!, attemptNumberToStart: Number(flat[i + 2]) });
  return jobs;
}

function minWake(a: number, b: number): number {
  if (a < 0) return b;
  if (b < 0) return a;
  return Math.min(a, b);
}

/** setTimeout's largest delay (2^31 - 1 ms, about 24.8 days); a longer one would fire at once, over and over. A
 * wake-up that comes early admits nothing and the next admission re-arms the timer for what is still due. */
const MAX_TIMER_MS = 2_147_483_647;

/** The earliest time something waiting in the gate may go (a delay, a backoff, a rate limit): admit then. */
function scheduleWake(deps: ApiDeps, h: GateHandle, at: number): void {
  if (h.closed || at < 0) return;
  if (h.timer && h.timerAt !== undefined && h.timerAt <= at) return;
  if (h.timer) clearTimeout(h.timer);
  h.timerAt = at;
  h.timer = setTimeout(() => {
    h.timer = undefined;
    h.timerAt = undefined;
    if (h.closed) return;
    h.batcher.add({ kind: "admit" }).catch((error: unknown) => console.error("[gate] timed admission failed (the reconciler retries):", error));
  }, Math.min(MAX_TIMER_MS, Math.max(0, at - deps.clock().getTime())));
  h.timer.unref();
}

/** Puts committed QUEUED/DELAYED runs in line; admitted ones get their BullMQ job (awaited). */
export async function gateRuns(deps: ApiDeps, runs: GateRun[]): Promise<void> {
  const h = handle(deps);
  await Promise.all(runs.map((run) => h.batcher.add({ kind: "enqueue", run })));
}

/** Places entries whose fields are known (the rebuild) and restores slots of running runs. */
export async function placeInGate(deps: ApiDeps, entries: GateEntry[], slots: RestoredSlot[]): Promise<void> {
  if (entries.length === 0 && slots.length === 0) return;
  await callGate(deps, { enqueue: entries, restore: slots });
}

/**
 * Frees the slots of runs that left DEQUEUED/EXECUTING (finished, waiting, re-queued) and drops runs still in
 * line; then admits what the freed slots allow. Idempotent: a run without an entry is ignored.
 */
export async function releaseSlots(deps: ApiDeps, runIds: string[]): Promise<void> {
  if (runIds.length === 0) return;
  const h = handle(deps);
  await Promise.all(runIds.map((runId) => h.batcher.add({ kind: "release", runId })));
}

/** Admits what the environments' limits allow now (after a resume, a limit change). */
export async function admitEnvironments(deps: ApiDeps, environmentIds: string[]): Promise<void> {
  const h = handle(deps);
  await Promise.all(environmentIds.map((environmentId) => h.batcher.add({ kind: "admit", environmentId })));
}

/** Admits in every environment with runs in line (the reconciler's safety net). */
export async function sweepGate(deps: ApiDeps): Promise<void> {
  await handle(deps).batcher.add({ kind: "sweep" });
}

export async function closeGate(deps: ApiDeps): Promise<void> {
  const h = handles.get(deps);
  if (!h) return;
  h.closed = true;
  if (h.timer) clearTimeout(h.timer);
  await h.batcher.drain();
  await h.rebuilding;
  handles.delete(deps);
}
