// The console's one way to read something from the API and keep it fresh: data, error and
// loading; `refetch()` to read again; optionally a poll — read again every `intervalMs` until
// `done(data)` says the thing has settled (a run finished, nothing pending). A new read cancels
// the one in flight (its answer is dropped); leaving the page cancels the read and the next poll.
// New `deps` (another run, another connection) start from nothing, unless `keepData` (a list
// showing its page until the next one arrives); a new `refresh` value reads again keeping the data.
// A failed read keeps the last data, and the poll goes on from it (a blip does not freeze a
// running run's page).
//
//   const run = useApi((signal) => ok(api.GET('/runs/{id}', { params: { path: { id } }, signal })), [id], { poll: { intervalMs: 1000, done: (r) => r.finished } });
import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';

interface Poll<T> {
  intervalMs: number;
  /** True once there is nothing more to wait for: the poll stops (a refetch starts it again). */
  done: (data: T) => boolean;
}

interface ApiReadOptions<T> {
  poll?: Poll<T>;
  /** Read again (keeping the data) whenever this value changes: a part refreshed with its page. */
  refresh?: unknown;
  /** New deps keep the last data until the next answer (instead of starting from nothing). */
  keepData?: boolean;
}

interface ApiRead<T> {
  /** The last successful answer; null before the first. */
  data: T | null;
  /** Why the last read failed; null after a successful one. */
  error: Error | null;
  /** A read is in flight. */
  loading: boolean;
  /** Successful reads so far: parts of the page that should refresh along can depend on it. */
  reads: number;
  refetch: () => void;
  /** Change the data until the next read (an optimistic update after an action). */
  setData: (update: (data: T | null) => T | null) => void;
}

interface State<T> {
  data: T | null;
  error: Error | null;
  loading: boolean;
  reads: number;
}

export function useApi<T>(read: (signal: AbortSignal) => Promise<T>, deps: DependencyList, options: ApiReadOptions<T> = {}): ApiRead<T> {
  const [state, setState] = useState<State<T>>({ data: null, error: null, loading: true, reads: 0 });
  const [tick, setTick] = useState(0);
  // the latest callbacks, without making every render a new read
  const latest = useRef({ read, options });
  latest.current = { read, options };
  const data = useRef<T | null>(null);

  // other deps: forget the previous answer
  useEffect(() => {
    if (latest.current.options.keepData) return;
    data.current = null;
    setState((s) => ({ data: null, error: null, loading: true, reads: s.reads }));
  }, deps);

  useEffect(() => {
    const ac = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const schedule = () => {
      const p = latest.current.options.poll;
      if (p && data.current !== null && !p.done(data.current)) timer = setTimeout(() => setTick((n) => n + 1), p.intervalMs);
    };
    setState((s) => (s.loading ? s : { ...s, loading: true }));
    latest.current.read(ac.signal).then(
      (d) => {
        if (ac.signal.aborted) return;
        data.current = d;
        setState((s) => ({ data: d, error: null, loading: false, reads: s.reads + 1 }));
        schedule();
      },
      (e: unknown) => {
        if (ac.signal.aborted) return;
        setState((s) => ({ ...s, error: e instanceof Error ? e : new Error(String(e)), loading: false }));
        schedule();
      },
    );
    return () => {
      ac.abort();
      clearTimeout(timer);
    };
  }, [...deps, tick, options.refresh]);

  const refetch = useCallback(() => setTick((n) => n + 1), []);
  const setData = useCallback((update: (d: T | null) => T | null) => {
    setState((s) => {
      data.current = update(s.data);
      return { ...s, data: data.current };
    });
  }, []);
  return { ...state, refetch, setData };
}
