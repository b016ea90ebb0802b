import { useSyncExternalStore } from 'react';
import { ApiError, fetchHub, readApiError, type HubRequest } from '../hub-fetch.ts';

export { ApiError, NETWORK_ERROR } from '../hub-fetch.ts';

/** A localized name, as the catalog gives it. */
export interface LocalizedName {
  readonly zh: string;
  readonly en: string;
}

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

export interface DepartmentOperations {
  /** `{cityId}/{departmentId}`, e.g. "shanghai/traffic-police". */
  readonly department: string;
  readonly cityId: string;
  readonly departmentId: string;
  readonly breaker: BreakerState;
  readonly inFlight: number;
  /** Calls waiting now, for a free place or for the department's rate. */
  readonly queued: number;
  readonly rateLimited: number;
  readonly ratePerSecond: number | null;
  readonly calls: number;
  readonly failures: number;
  readonly rejected: number;
  readonly errorRate: number | null;
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number } | null;
  readonly lastFailure?: { readonly code: string; readonly at: string };
  readonly cache: { readonly hits: number; readonly misses: number; readonly stale: number };
}

/** `GET /v1/admin/operations`: the shield and the traffic since the process started. */
export interface Operations {
  readonly since: string;
  readonly generatedAt: string;
  readonly departments: readonly DepartmentOperations[];
  readonly traffic: {
    readonly byEntrance: readonly { readonly entrance: string; readonly requests: number; readonly errors: number }[];
    readonly byService: readonly { readonly cityId: string; readonly serviceId: string; readonly requests: number; readonly errors: number }[];
    readonly byEntranceAndService: readonly { readonly entrance: string; readonly cityId: string; readonly serviceId: string; readonly requests: number }[];
  };
  readonly cache: { readonly hits: number; readonly misses: number; readonly stale: number; readonly departmentCalls: number; readonly offloadRatio: number | null };
  readonly demo: { readonly faultSwitches: boolean };
  readonly scale: { readonly sharing: 'shared' | 'local' | 'alone'; readonly processes: number };
}

interface MoneyCounts {
  readonly count: number;
  readonly succeededCount: number;
  readonly succeededFen: number;
  readonly refundedFen: number;
}

export interface PaymentSummary {
  readonly date: string;
  readonly totals: MoneyCounts;
  readonly byWallet: readonly (MoneyCounts & { readonly wallet: string })[];
  readonly byStatus: readonly { readonly status: string; readonly count: number }[];
  readonly writeBack: { readonly waiting: number; readonly done: number };
}

export type MismatchKind = 'missing-here' | 'unknown-trade' | 'missing-there' | 'amount-mismatch' | 'refund-mismatch' | 'not-recorded-by-department';

export interface ReconciliationReport {
  readonly date: string;
  readonly generatedAt: string;
  readonly wallets: readonly { readonly wallet: string; readonly statement: string; readonly error?: string; readonly lines: number; readonly matched: number }[];
  readonly mismatches: readonly {
    readonly kind: MismatchKind;
    readonly wallet: string;
    readonly outTradeNo: string;
    readonly paymentId?: string;
    readonly hubAmountFen?: number;
    readonly walletAmountFen?: number;
    readonly detail: string;
  }[];
}

export interface ReminderCounts {
  readonly since: string;
  readonly counts: Readonly<Record<string, number>>;
}

export interface FaultSettings {
  readonly latencyMs: number;
  readonly failRate: number;
  readonly throttleRate: number;
  readonly hang: boolean;
  readonly down: boolean;
}

export interface EmulatorFaults {
  readonly departments: readonly { readonly name: string; readonly settings: FaultSettings }[];
}

export interface CatalogItem {
  readonly id: string;
  readonly name: LocalizedName;
}

// The operator token lives for this tab only, as the citizen session does.
const TOKEN_KEY = 'hutong.admin-token';

let token: string | null = readStoredToken();
/** Why the operator was sent back to the token form (a refused token), shown there. */
let signOutReason: ApiError | null = null;
const listeners = new Set<() => void>();

function readStoredToken(): string | null {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function changed(): void {
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function saveToken(value: string): void {
  token = value;
  signOutReason = null;
  try {
    window.sessionStorage.setItem(TOKEN_KEY, value);
  } catch {
    // kept in memory for this page only
  }
  changed();
}

/** Forgets the token; `reason` is the hub's refusal, when that is why. */
export function clearToken(reason: ApiError | null = null): void {
  token = null;
  signOutReason = reason;
  try {
    window.sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // nothing stored
  }
  changed();
}

/**
 * Takes a token handed over in the address (`/admin/#token=…`), stores it and removes it from the
 * address bar and the history, before anything renders.
 */
export function takeTokenFromFragment(): void {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const given = fragment.get('token');
  if (given === null) return;
  if (given.trim() !== '') saveToken(given.trim());
  window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
}

export function useToken(): { readonly token: string | null; readonly reason: ApiError | null } {
  const current = useSyncExternalStore(subscribe, () => token);
  const reason = useSyncExternalStore(subscribe, () => signOutReason);
  return { token: current, reason };
}

const isAuthRefusal = (status: number) => status === 401 || status === 403;

interface RequestOptions extends Omit<HubRequest, 'headers'> {
  /** Send the operator token; a refusal of it signs the operator out. Default true. */
  readonly auth?: boolean;
  /** Check this token rather than the stored one, without signing out on refusal. */
  readonly token?: string;
}

/**
 * Calls the hub and returns its JSON answer; throws {@link ApiError}. A 401/403 to the
 * stored token clears it, which brings back the token form with the hub's message.
 *
 * @example
 *   const operations = await adminApi<Operations>(adminPaths.operations(), { signal })
 */
export async function adminApi<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const auth = options.auth ?? true;
  const sent = options.token ?? (auth ? token : null);
  if (auth && !sent) throw new ApiError(401, 'HUTONG_ERR_ADMIN_REQUIRED', 'No operator token');
  // Short: the console's error notice already adds what to do about it.
  const response = await fetchHub(path, options, auth ? sent : null, 'The hub could not be reached');
  if (!response.ok) {
    const error = await readApiError(response);
    // Only a refusal of the token in use signs out; an older request's refusal must not end a newer login.
    if (auth && isAuthRefusal(response.status) && options.token === undefined && sent === token) clearToken(error);
    throw error;
  }
  return (await response.json()) as T;
}

const q = encodeURIComponent;

export const adminPaths = {
  operations: () => '/v1/admin/operations',
  paymentSummary: (date: string) => `/v1/admin/payments/summary?date=${q(date)}`,
  reconciliation: (date: string) => `/v1/admin/reconciliation?date=${q(date)}`,
  reminders: (since?: string) => (since ? `/v1/admin/reminders?since=${q(since)}` : '/v1/admin/reminders'),
  emulatorFaults: () => '/v1/admin/emulator-faults',
  emulatorFault: (name: string) => `/v1/admin/emulator-faults/${q(name)}`,
  cities: () => '/v1/cities',
  services: (cityId: string) => `/v1/cities/${q(cityId)}/services`,
} as const;
