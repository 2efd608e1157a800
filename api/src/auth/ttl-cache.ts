/**
 * A small promise cache with expiry: concurrent misses for one key share one load; failed or empty loads
 * are not kept (so a key created a moment ago works at once).
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: Promise<V | undefined>; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const value = load().then(
      (v) => {
        if (v === undefined) this.entries.delete(key);
        return v;
      },
      (error: unknown) => {
        this.entries.delete(key);
        throw error;
      },
    );
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
