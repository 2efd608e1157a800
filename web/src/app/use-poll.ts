import { useCallback, useEffect, useRef, useState } from "preact/hooks";

/**
 * Loads now and then every intervalMs while the tab is visible (the interval may change without a reload);
 * `refresh()` loads again at once. New deps clear the data at once, in the same render (another page's data must not show).
 */
export function usePoll<T>(load: () => Promise<T>, deps: unknown[], intervalMs = 1500) {
  // what was loaded is kept with the deps it was loaded for: in the render right after the deps change (before
  // the effect below runs) the previous deps' data must not show as the new one's (e.g. another run's status)
  const key = JSON.stringify(deps);
  const [loaded, setLoaded] = useState<{ key: string; data: T | null; error: string | null }>({ key, data: null, error: null });
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
          if (!stopped && mine === generation) setLoaded({ key, data: next, error: null });
        } catch (e) {
          if (!stopped && mine === generation) setLoaded((prev) => ({ key, data: prev.key === key ? prev.data : null, error: e instanceof Error ? e.message : String(e) }));
        }
      }
      if (!stopped && mine === generation) {
        clearTimeout(timer);
        timer = setTimeout(tick, intervalRef.current);
      }
    };
    tickRef.current = tick;
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, deps);
  const refresh = useCallback(() => void tickRef.current(), []);
  const current = loaded.key === key;
  return { data: current ? loaded.data : null, error: current ? loaded.error : null, refresh };
}
