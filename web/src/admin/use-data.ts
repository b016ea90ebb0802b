import { useCallback, useEffect, useState } from 'react';
import { ApiError, NETWORK_ERROR } from './admin-api.ts';

export interface Data<T> {
  readonly data?: T;
  /** The last load's failure; an earlier answer stays in `data` meanwhile. */
  readonly error?: ApiError;
  readonly loading: boolean;
  /** When the answer in `data` arrived. */
  readonly loadedAt?: Date;
  reload(): void;
}

interface State<T> {
  readonly key: string | null;
  readonly data?: T;
  readonly error?: ApiError;
  readonly loading: boolean;
  readonly loadedAt?: Date;
}

export interface DataOptions {
  /** Load again this long after each answer. */
  readonly refreshMs?: number;
  /** Stop refreshing (a loaded answer stays). */
  readonly paused?: boolean;
}

/**
 * Loads from the hub while `key` stays the same (`null` loads nothing), and with `refreshMs` again
 * and again unless paused. A new key drops the old answer; a refresh keeps it until the new one.
 */
export function useData<T>(key: string | null, load: (signal: AbortSignal) => Promise<T>, options: DataOptions = {}): Data<T> {
  const [state, setState] = useState<State<T>>({ key: null, loading: key !== null });
  const [version, setVersion] = useState(0);
  const { refreshMs, paused = false } = options;

  useEffect(() => {
    if (key === null) return undefined;
    const controller = new AbortController();
    setState((previous) => (previous.key === key ? { ...previous, loading: true } : { key, loading: true }));
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ key, data, loading: false, loadedAt: new Date() });
      },
      (failure: unknown) => {
        if (controller.signal.aborted) return;
        const error = failure instanceof ApiError ? failure : new ApiError(0, NETWORK_ERROR, failure instanceof Error ? failure.message : String(failure));
        setState((previous) => ({ ...(previous.key === key ? previous : { key }), error, loading: false }));
      },
    );
    return () => controller.abort();
    // `load` is a new function every render; the key says when the answer changes.
  }, [key, version]);

  const settled = state.key === key && !state.loading;
  useEffect(() => {
    if (key === null || !refreshMs || paused || !settled) return undefined;
    const timer = window.setTimeout(() => setVersion((v) => v + 1), refreshMs);
    return () => window.clearTimeout(timer);
  }, [key, refreshMs, paused, settled, version]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  if (key === null) return { loading: false, reload };
  if (state.key !== key) return { loading: true, reload };
  return { data: state.data, error: state.error, loading: state.loading, loadedAt: state.loadedAt, reload };
}
