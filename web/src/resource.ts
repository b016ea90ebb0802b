import { useCallback, useEffect, useState } from 'react';
import { ApiError, NETWORK_ERROR } from './api.ts';

export interface Resource<T> {
  readonly data?: T;
  readonly error?: ApiError;
  readonly loading: boolean;
  /** Loads it again (after a consent, a login, a linked identifier…). */
  reload(): void;
}

/**
 * Loads something from the hub while `key` stays the same; a new key (another city, another
 * citizen) loads again and drops the answer to the old one. `null` loads nothing.
 */
export function useResource<T>(key: string | null, load: (signal: AbortSignal) => Promise<T>): Resource<T> {
  const [state, setState] = useState<{ key: string | null; version: number; data?: T; error?: ApiError; loading: boolean }>({ key: null, version: 0, loading: key !== null });
  const [version, setVersion] = useState(0);

  useEffect(() => {
    if (key === null) return undefined;
    const controller = new AbortController();
    setState((previous) => ({ key, version, loading: true, ...(previous.key === key ? { data: previous.data } : {}) }));
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ key, version, data, loading: false });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        const failure = error instanceof ApiError ? error : new ApiError(0, NETWORK_ERROR, error instanceof Error ? error.message : String(error));
        setState({ key, version, error: failure, loading: false });
      },
    );
    return () => controller.abort();
    // `load` is a new function every render; the key says when the answer changes.
  }, [key, version]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  if (key === null) return { loading: false, reload };
  if (state.key !== key) return { loading: true, reload };
  return { data: state.data, error: state.error, loading: state.loading, reload };
}
