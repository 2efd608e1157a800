/**
 * The most intervals open at the same time: the highest concurrency a set of runs reached, from their own
 * [start, end] times. An end at the same instant as a start closes first (a slot handed straight on is not an
 * overlap).
 */
export function maxOverlap(intervals: ReadonlyArray<{ start: number; end: number }>): number {
  const events = intervals.flatMap((s) => [
    { t: s.start, d: 1 },
    { t: s.end, d: -1 },
  ]);
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  let open = 0;
  let max = 0;
  for (const e of events) {
    open += e.d;
    max = Math.max(max, open);
  }
  return max;
}
