import { WorkerProcess } from "./worker-process.js";

/** How long after a process is taken its replacement is spawned (well under a bundle's load time). */
const REFILL_DELAY_MS = 20;

/**
 * Processes for one (worker dir, entry, machine preset), spawned ahead so an attempt finds one with the bundle
 * already loaded. `size` are kept spawned and idle; a process taken out is replaced at once.
 */
export class WarmPool {
  private readonly idle: WorkerProcess[] = [];
  private closed = false;
  lastUsedAt = Date.now();

  constructor(
    private readonly spawnProcess: () => WorkerProcess,
    private readonly size: number,
    /** Most idle processes kept (keep-alive returns processes here). */
    private readonly maxIdle: number,
  ) {}

  /** Tops the pool up to `size` and resolves when those processes are ready (or have died). */
  async fill(): Promise<void> {
    while (!this.closed && this.idle.length < this.size) this.idle.push(this.track(this.spawnProcess()));
    await Promise.all(this.idle.map((p) => p.ready.catch(() => undefined)));
  }

  /**
   * Takes a process out of the pool: a ready one when there is one, else the one closest to ready, else a fresh
   * spawn (a cold start). The caller awaits `proc.ready`. The pool is topped up at once.
   */
  take(): WorkerProcess {
    this.lastUsedAt = Date.now();
    const index = this.idle.findIndex((p) => p.isReady);
    const proc = index >= 0 ? this.idle.splice(index, 1)[0]! : (this.idle.shift() ?? this.track(this.spawnProcess()));
    // Topped up a moment later: spawning blocks this event loop for a synchronous fork, which would otherwise
    // land while the attempt just handed out is being sent or is answering (a short run's whole latency).
    setTimeout(() => void this.fill(), REFILL_DELAY_MS);
    return proc;
  }

  /** Gives a process back after a run (keep-alive); kills it if the pool is full or closed. */
  release(proc: WorkerProcess): void {
    this.lastUsedAt = Date.now();
    if (this.closed || !proc.alive || this.idle.length >= Math.max(this.size, this.maxIdle)) {
      proc.kill();
      return;
    }
    this.idle.unshift(proc);
  }

  get idleCount(): number {
    return this.idle.length;
  }

  get readyCount(): number {
    return this.idle.filter((p) => p.isReady).length;
  }

  pids(): number[] {
    return this.idle.flatMap((p) => (p.pid === undefined ? [] : [p.pid]));
  }

  async close(): Promise<void> {
    this.closed = true;
    const procs = this.idle.splice(0);
    for (const p of procs) p.kill();
    await Promise.all(procs.map((p) => p.closed));
  }

  private track(proc: WorkerProcess): WorkerProcess {
    // An idle process that dies leaves the pool; it is not respawned here, so a broken bundle cannot loop.
    void proc.closed.then(() => {
      const i = this.idle.indexOf(proc);
      if (i >= 0) this.idle.splice(i, 1);
    });
    return proc;
  }
}
