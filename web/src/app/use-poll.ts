import { useEffect, useState } from "preact/hooks";

/** Loads now and every intervalMs while the tab is visible; live updates until realtime events replace it. */
export function usePoll<T>(load: () => Promise<T>, deps: unknown[], intervalMs = 2000) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    const tick = async () => {
      if (document.hidden) return;
      try {
        const next = await load();
        if (!stopped) {
          setData(next);
          setError(null);
        }
      } catch (e) {
        if (!stopped) setError(e instanceof Error ? e.message : String(e));
      }
    };
    void tick();
    const timer = setInterval(tick, intervalMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, deps);
  return { data, error };
}
