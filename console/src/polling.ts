import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * Loads now and again every `intervalMs` while the page is visible: one load in flight at most, so a slow
 * service is never asked twice at once (bounded polling, no server push to keep open).
 */
export function usePolling<T>(load: () => Promise<T>, intervalMs: number, deps: unknown[]): { data: T | null; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const inFlight = useRef(false);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let cancelled = false;
    const run = async () => {
      if (inFlight.current || document.visibilityState === 'hidden') return;
      inFlight.current = true;
      try {
        const value = await load();
        if (!cancelled) {
          setData(value);
          setError(null);
        }
      } catch (failure) {
        if (!cancelled) setError((failure as Error).message);
      } finally {
        inFlight.current = false;
      }
    };
    void run();
    const timer = setInterval(run, intervalMs);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);

  return { data, error, reload: () => setTick((n) => n + 1) };
}
