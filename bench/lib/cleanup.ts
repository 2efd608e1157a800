/**
 * Clean-ups registered while the bench creates things (databases, Redis keys, child processes, folders), so
 * that an interrupted run (Ctrl-C, the overall time limit) still removes them. Each runs at most once.
 */
const pending = new Map<symbol, { label: string; fn: () => Promise<unknown> }>();

export function registerCleanup(label: string, fn: () => Promise<unknown>): () => Promise<void> {
  const key = Symbol(label);
  pending.set(key, { label, fn });
  return async () => {
    const entry = pending.get(key);
    if (!entry) return;
    pending.delete(key);
    await entry.fn();
  };
}

/** Runs every clean-up still pending, newest first; failures are reported, not thrown. */
export async function runPendingCleanups(report: (line: string) => void = console.error): Promise<void> {
  for (const [key, entry] of [...pending.entries()].reverse()) {
    pending.delete(key);
    try {
      await entry.fn();
    } catch (error) {
      report(`cleanup ${entry.label}: ${(error as Error).message}`);
    }
  }
}
