import { currentExecution, type ExecutionStore } from "../runtime/current.js";

/**
 * Compute usage of attempts, measured as CPU time (`process.cpuUsage`, user + system) of the worker process
 * while the attempt is running: an attempt suspended at a wait is paused, so waits are not counted (the
 * reference's rule), and neither is time before the attempt started or between attempts.
 *
 * The approximation: CPU time is per process, not per attempt. Attempts run one after another in a process
 * (`processKeepAlive`) are told apart exactly, since each counts from its own start. When several attempts are
 * running in one process at the same moment (a suspended run resumed while another runs), the process's CPU
 * time in that span is split evenly between them. Work the runtime does for an attempt (its HTTP calls, logs,
 * garbage collection) counts towards it. Time spent awaiting I/O uses no CPU and is not counted.
 */
interface Meter {
  cpuMicros: number;
  running: boolean;
}

const meters = new WeakMap<ExecutionStore, Meter>();
const running = new Set<Meter>();
let lastCpuMicros: number | undefined;

function processCpuMicros(): number | undefined {
  if (typeof process === "undefined" || typeof process.cpuUsage !== "function") return undefined;
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Shares the process's CPU time since the last tick between the attempts running now. */
function tick(): void {
  const now = processCpuMicros();
  if (now === undefined) return;
  const delta = lastCpuMicros === undefined ? 0 : now - lastCpuMicros;
  lastCpuMicros = now;
  if (delta <= 0 || running.size === 0) return;
  const share = delta / running.size;
  for (const meter of running) meter.cpuMicros += share;
}

/** The worker's handle on one attempt's meter. */
export interface AttemptUsage {
  /** the attempt suspended at a wait: stop counting */
  pause(): void;
  /** ...and resumed */
  resume(): void;
  /** the attempt ended: stop counting for good */
  stop(): void;
  /** CPU milliseconds of the attempt so far */
  durationMs(): number;
}

/** Starts measuring the attempt that `store` belongs to (called by the worker when the attempt starts). */
export function startAttemptUsage(store: ExecutionStore): AttemptUsage {
  tick();
  const meter: Meter = { cpuMicros: 0, running: true };
  running.add(meter);
  meters.set(store, meter);
  const halt = () => {
    tick();
    running.delete(meter);
    meter.running = false;
  };
  return {
    pause: halt,
    resume() {
      tick();
      running.add(meter);
      meter.running = true;
    },
    stop: halt,
    durationMs: () => sample(meter),
  };
}

function sample(meter: Meter): number {
  if (meter.running) tick();
  return Math.round(meter.cpuMicros) / 1000;
}

function currentMeter(): { meter?: Meter; store?: ExecutionStore } {
  const store = currentExecution();
  return { store, meter: store ? meters.get(store) : undefined };
}

export interface ComputeUsage {
  costInCents: number;
  durationMs: number;
}

export interface CurrentUsage {
  compute: { attempt: ComputeUsage; total: ComputeUsage };
  baseCostInCents: number;
  totalCostInCents: number;
}

/**
 * The current run's compute usage: `attempt` is this attempt's so far, `total` adds the previous attempts'
 * (what the run had when this attempt started: `ctx.run.durationMs` / `ctx.run.costInCents`). Costs are
 * duration × `ctx.machine.centsPerMs` (0 on a self-hosted Gantry, which charges nothing). Outside a task every
 * number is 0.
 *
 * @example
 * import { task, usage } from "@gantry/sdk";
 * export const heavy = task({
 *   id: "heavy",
 *   run: async () => {
 *     crunch();
 *     const { compute } = usage.getCurrent();
 *     return { cpuMs: compute.attempt.durationMs, runCpuMs: compute.total.durationMs };
 *   },
 * });
 */
function getCurrent(): CurrentUsage {
  const { meter, store } = currentMeter();
  const run = store?.ctx.run;
  const centsPerMs = store?.ctx.machine.centsPerMs ?? 0;
  const durationMs = meter ? sample(meter) : 0;
  const costInCents = durationMs * centsPerMs;
  const previous = { durationMs: run?.durationMs ?? 0, costInCents: run?.costInCents ?? 0 };
  const baseCostInCents = run?.baseCostInCents ?? 0;
  return {
    compute: {
      attempt: { costInCents, durationMs },
      total: { costInCents: costInCents + previous.costInCents, durationMs: durationMs + previous.durationMs },
    },
    baseCostInCents,
    totalCostInCents: costInCents + previous.costInCents + baseCostInCents,
  };
}

/**
 * Runs `fn` and returns its result with the compute it used (this attempt's CPU time while `fn` ran). Works in
 * `run`, the lifecycle hooks and anything they call; outside a task `compute` is 0.
 *
 * @example
 * import { logger, usage } from "@gantry/sdk";
 * const { result, compute } = await usage.measure(async () => resize(image));
 * logger.info("resized", { cpuMs: compute.durationMs });
 */
async function measure<T>(fn: () => T | Promise<T>): Promise<{ result: T; compute: ComputeUsage }> {
  const { meter, store } = currentMeter();
  const before = meter ? sample(meter) : 0;
  const result = await fn();
  const durationMs = meter ? Math.max(0, sample(meter) - before) : 0;
  return { result, compute: { durationMs, costInCents: durationMs * (store?.ctx.machine.centsPerMs ?? 0) } };
}

/**
 * Compute duration and cost from inside a run (the reference's `usage`).
 *
 * @example
 * import { usage } from "@gantry/sdk";
 * const { compute, totalCostInCents } = usage.getCurrent();
 */
export const usage = { getCurrent, measure };
