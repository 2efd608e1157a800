/** One baseline's figure: no-op jobs added and processed, concurrently, on this machine in this run. */
export interface PeerResult {
  name: string;
  jobs: number;
  seconds: number;
  /** add + process, concurrently, timed from the first add to the last completion */
  jobsPerS: number;
  /** processing a backlog added beforehand (where measured) */
  drainJobsPerS?: number;
  /** how it was configured (so the comparison can be read fairly) */
  setup: string;
}

/** Resolves when `tick()` has been called `total` times, or rejects after `timeoutMs` naming how far it got. */
export function completionWatch(total: number, timeoutMs: number, label: string): { done: Promise<number>; tick(): void } {
  let n = 0;
  let resolve!: (at: number) => void;
  let reject!: (error: Error) => void;
  const done = new Promise<number>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const timer = setTimeout(() => reject(new Error(`${label}: only ${n}/${total} jobs completed within ${timeoutMs} ms`)), timeoutMs);
  timer.unref();
  return {
    done,
    tick() {
      n += 1;
      if (n === total) {
        clearTimeout(timer);
        resolve(performance.now());
      }
    },
  };
}
