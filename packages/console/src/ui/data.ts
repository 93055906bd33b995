import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/**
 * Loads what `load` answers whenever `deps` change, and again on reload(). A late answer
 * of an earlier load never overwrites a newer one.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const generation = useRef(0);
  useEffect(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => {
        if (mine === generation.current) setState({ data, loading: false });
      },
      (error: unknown) => {
        if (mine === generation.current) setState((s) => ({ ...s, error, loading: false }));
      },
    );
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/**
 * An action a button runs: `busy` while it runs, its outcome message or its error after.
 * Returns what `run` answered, or undefined when it failed.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [outcome, setOutcome] = useState<string | undefined>(undefined);
  const run = useCallback(async <T>(fn: () => Promise<T>, done?: string | ((value: T) => string)) => {
    setBusy(true);
    setError(undefined);
    setOutcome(undefined);
    try {
      const value = await fn();
      if (done) setOutcome(typeof done === 'string' ? done : done(value));
      return value;
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return {
    busy,
    error,
    outcome,
    run,
    clear: () => {
      setError(undefined);
      setOutcome(undefined);
    },
  };
}
