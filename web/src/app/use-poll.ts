import { useCallback, useEffect, useRef, useState } from "preact/hooks";

/**
 * Loads now and then every intervalMs while the tab is visible (the interval may change without a reload);
 * `refresh()` loads again at once. New deps clear the data (another page's data must not show).
 */
export function usePoll<T>(load: () => Promise<T>, deps: unknown[], intervalMs = 1500) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const tickRef = useRef<() => Promise<void>>(async () => {});
  const intervalRef = useRef(intervalMs);
  intervalRef.current = intervalMs;
  useEffect(() => {
    let stopped = false;
    let generation = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const mine = ++generation;
      if (!document.hidden) {
        try {
          const next = await load();
          if (!stopped && mine === generation) {
            setData(next);
            setError(null);
          }
        } catch (e) {
          if (!stopped && mine === generation) setError(e instanceof Error ? e.message : String(e));
        }
      }
      if (!stopped && mine === generation) {
        clearTimeout(timer);
        timer = setTimeout(tick, intervalRef.current);
      }
    };
    tickRef.current = tick;
    setData(null);
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, deps);
  const refresh = useCallback(() => void tickRef.current(), []);
  return { data, error, refresh };
}
