import { useCallback, useEffect, useRef, useState } from "preact/hooks";

/** Loads now and every intervalMs while the tab is visible; `refresh()` loads again at once. */
export function usePoll<T>(load: () => Promise<T>, deps: unknown[], intervalMs = 1500) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const tickRef = useRef<() => Promise<void>>(async () => {});
  useEffect(() => {
    let stopped = false;
    let generation = 0;
    const tick = async () => {
      if (document.hidden) return;
      const mine = ++generation;
      try {
        const next = await load();
        if (!stopped && mine === generation) {
          setData(next);
          setError(null);
        }
      } catch (e) {
        if (!stopped && mine === generation) setError(e instanceof Error ? e.message : String(e));
      }
    };
    tickRef.current = tick;
    setData(null);
    void tick();
    const timer = setInterval(tick, intervalMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, deps);
  const refresh = useCallback(() => void tickRef.current(), []);
  return { data, error, refresh };
}
