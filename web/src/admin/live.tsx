import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import { adminApi, adminPaths, type Operations } from './admin-api.ts';
import { ErrorNotice, Loading, RefreshBar } from './components.tsx';
import { useData, type Data } from './use-data.ts';

export const REFRESH_SECONDS = 5;

interface Live {
  readonly paused: boolean;
  setPaused(paused: boolean): void;
}

const LiveContext = createContext<Live | null>(null);

/** Holds the pause of the automatic refresh across pages: paused on one page stays paused on the next. */
export function LiveProvider({ children }: { children: ReactNode }) {
  const [paused, setPaused] = useState(false);
  const value = useMemo(() => ({ paused, setPaused }), [paused]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLive(): Live {
  const live = useContext(LiveContext);
  if (!live) throw new Error('useLive needs a LiveProvider above it');
  return live;
}

/** `GET /v1/admin/operations`, refreshed every few seconds unless paused. */
export function useOperations(): Data<Operations> & Live {
  const live = useLive();
  const data = useData('operations', (signal) => adminApi<Operations>(adminPaths.operations(), { signal }), { refreshMs: REFRESH_SECONDS * 1000, paused: live.paused });
  return { ...data, ...live };
}

/** The refresh bar of a live page, then its error or its first load. */
export function LiveStatus({ operations }: { operations: Data<Operations> & Live }) {
  return (
    <>
      <RefreshBar
        updatedAt={operations.data?.generatedAt ?? operations.loadedAt}
        refreshSeconds={REFRESH_SECONDS}
        paused={operations.paused}
        onPause={operations.setPaused}
        onRefresh={operations.reload}
      />
      {operations.error ? <ErrorNotice error={operations.error} onRetry={operations.reload} /> : null}
      {!operations.data && !operations.error ? <Loading /> : null}
    </>
  );
}
