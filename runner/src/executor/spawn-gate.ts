/**
 * Caps how many worker processes load their bundle at once. A burst of cold starts (40 runs arriving together
 * with fresh processes) otherwise makes every one of them slow on a small host, and the first run waits as long
 * as the last; with the cap the first ones are ready early and memory stays bounded.
 */
export class SpawnGate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly max: number) {}

  /** Resolves with a release function once a slot is free (FIFO). */
  async acquire(): Promise<() => void> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next(); // the slot passes straight to the next waiter
      else this.active -= 1;
    };
  }
}
