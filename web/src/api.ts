import { ApiError, fetchHub, NETWORK_ERROR, readApiError, UNREACHABLE, type HubRequest } from './hub-fetch.ts';
import { clearSession, currentSession, saveSession, type Session } from './session.ts';

export interface LocalizedName {
  readonly zh: string;
  readonly en: string;
}

export type EntranceLogin = { readonly kind: 'redirect'; readonly url: string } | { readonly kind: 'sms-code' };

/** The entrance (app) this page is open in, as the hub recognises it. */
export interface Entrance {
  readonly channel: string;
  readonly name: LocalizedName;
  readonly preferredWallet?: string;
  readonly login: EntranceLogin;
}

export interface City {
  readonly id: string;
  readonly regionCode: string;
  readonly name: LocalizedName;
  readonly timeZone: string;
  readonly platePrefix: string;
}

export interface ServiceFunction {
  readonly kind: string;
  readonly available: boolean;
  readonly unavailableReason?: string;
}

export interface CityService {
  readonly id: string;
  readonly cityId: string;
  readonly departmentIds: readonly string[];
  readonly category: string;
  readonly kind: string;
  readonly functions: readonly ServiceFunction[];
  readonly name: LocalizedName;
  readonly recordType?: string;
  readonly requiredIdentifiers: readonly string[];
  readonly channels: readonly string[];
  readonly available: boolean;
  readonly unavailableReason?: string;
}

export interface SourceStatus {
  readonly departmentId: string;
  readonly identifier?: string;
  readonly status: 'ok' | 'stale' | 'unavailable';
  readonly freshness?: 'live' | 'cached' | 'stale';
  readonly ageSeconds?: number;
  readonly error?: { readonly code: string; readonly message: string };
}

/** A standard-model record (TrafficViolation, Bill, LibraryLoan…): shown field by field. */
export type ServiceRecord = Readonly<Record<string, unknown>>;

export interface RecordList {
  readonly cityId: string;
  readonly serviceId: string;
  readonly recordType: string;
  readonly items: readonly ServiceRecord[];
  readonly sources: readonly SourceStatus[];
}

export interface Tokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
  readonly citizenId?: string;
  readonly channel?: string;
}

export interface LinkedIdentifier {
  readonly id: string;
  readonly kind: string;
  readonly display: string;
  readonly issuer?: { readonly cityId: string; readonly departmentId: string };
  readonly linkedAt: string;
  readonly verified?: { readonly by: string; readonly at: string };
}

export interface Me {
  readonly id: string;
  readonly createdAt: string;
  readonly realName?: { readonly name: string; readonly nationalId: string; readonly verifiedAt: string };
  readonly identities: readonly { readonly channel: string; readonly linkedAt: string; readonly lastLoginAt: string }[];
  readonly identifiers: readonly LinkedIdentifier[];
}

export interface ConsentState {
  readonly channel: string;
  readonly currentTextVersion: string;
  readonly scopes: readonly { readonly scope: string; readonly granted: boolean }[];
}

export interface RealNameResult {
  readonly citizenId: string;
  readonly name: string;
  readonly nationalId: string;
  readonly verifiedAt: string;
  readonly joinedExistingCitizen: boolean;
  readonly session?: Tokens;
}

export interface ShareLink {
  readonly code: string;
  readonly url: string;
  readonly qrSvgUrl: string;
}

export interface LoginCodeSent {
  readonly sentTo: string;
  readonly expiresInSeconds: number;
  readonly resendAfterSeconds: number;
}

export { ApiError, NETWORK_ERROR } from './hub-fetch.ts';

interface RequestOptions extends HubRequest {
  /** Send the session's bearer token (and renew it once if it has expired). */
  readonly auth?: boolean;
}

// Refresh tokens are good for one use: concurrent requests that find the token expired share one renewal.
let renewal: Promise<Session | null> | null = null;

async function renewSession(expired: Session): Promise<Session | null> {
  const stored = currentSession();
  if (!stored) return null;
  if (stored.accessToken !== expired.accessToken) return stored; // another request renewed it meanwhile
  renewal ??= (async () => {
    try {
      const response = await fetchHub('/v1/sessions/refresh', { method: 'POST', body: { refreshToken: stored.refreshToken } });
      if (!response.ok) {
        clearSession();
        return null;
      }
      const tokens = (await response.json()) as Tokens;
      const renewed: Session = { ...stored, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
      saveSession(renewed);
      return renewed;
    } catch {
      return null;
    } finally {
      renewal = null;
    }
  })();
  return renewal;
}

/** Sends a request to the hub (renewing an expired session once) and returns its successful answer. */
async function request(path: string, options: RequestOptions): Promise<Response> {
  const session = options.auth ? currentSession() : null;
  if (options.auth && !session) throw new ApiError(401, 'HUTONG_ERR_UNAUTHENTICATED', 'Log in first');
  let response = await fetchHub(path, options, session?.accessToken);
  if (response.status === 401 && session) {
    const refused = await readApiError(response);
    if (refused.code !== 'HUTONG_ERR_UNAUTHENTICATED') throw refused;
    const renewed = await renewSession(session);
    if (!renewed) throw refused;
    response = await fetchHub(path, options, renewed.accessToken);
  }
  if (!response.ok) throw await readApiError(response);
  return response;
}

/**
 * Calls the hub's API (same origin) and returns the JSON answer; throws {@link ApiError}.
 *
 * @example
 *   const { items } = await api<{ items: City[] }>('/v1/cities')
 *   const me = await api<Me>('/v1/me', { auth: true })
 */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await request(path, options);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/**
 * Fetches a file of the API (an image that needs the bearer token) as a Blob; throws {@link ApiError}.
 *
 * @example
 *   const svg = await apiBlob('/v1/payments/…/qr.svg', { auth: true, headers: { accept: 'image/svg+xml' } })
 */
export async function apiBlob(path: string, options: RequestOptions = {}): Promise<Blob> {
  const response = await request(path, options);
  try {
    return await response.blob();
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiError(0, NETWORK_ERROR, UNREACHABLE);
  }
}

/** Stores the tokens of a login, handoff or joined identity as the session of this tab. */
export function startSession(tokens: Tokens, fallback?: { citizenId?: string; channel?: string }): void {
  const citizenId = tokens.citizenId ?? fallback?.citizenId;
  const channel = tokens.channel ?? fallback?.channel;
  saveSession({
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    ...(citizenId ? { citizenId } : {}),
    ...(channel ? { channel } : {}),
  });
}

export const apiPath = {
  cities: () => '/v1/cities',
  city: (cityId: string) => `/v1/cities/${encodeURIComponent(cityId)}`,
  services: (cityId: string) => `/v1/cities/${encodeURIComponent(cityId)}/services`,
  records: (cityId: string, serviceId: string) => `/v1/cities/${encodeURIComponent(cityId)}/services/${encodeURIComponent(serviceId)}/records`,
  consent: (scope: string) => `/v1/me/consents/${encodeURIComponent(scope)}`,
} as const;

/** One service of "My City" (`getDashboard`): its records and how fresh they are. */
export interface DashboardSection {
  readonly serviceId: string;
  readonly name: LocalizedName;
  readonly recordType: string;
  readonly status: 'ok' | 'stale' | 'partial' | 'unavailable';
  readonly ageSeconds?: number;
  readonly items: readonly ServiceRecord[];
  readonly sources: readonly SourceStatus[];
  readonly error?: { readonly code: string; readonly message: string };
}

export interface Dashboard {
  readonly cityId: string;
  readonly generatedAt: string;
  readonly sections: readonly DashboardSection[];
  /** Services the citizen could see after linking an identifier (and so consenting to its scope). */
  readonly suggestions: readonly { readonly serviceId: string; readonly identifierKind: string; readonly consentScope?: string }[];
}

/** The answer of `performServiceAction`: what the department made of the record. */
export interface ServiceActionResult {
  readonly action: string;
  readonly result: ServiceRecord;
}

export const cityApiPath = {
  dashboard: (cityId: string) => `/v1/cities/${encodeURIComponent(cityId)}/dashboard`,
  action: (cityId: string, serviceId: string, action: string) =>
    `/v1/cities/${encodeURIComponent(cityId)}/services/${encodeURIComponent(serviceId)}/actions/${encodeURIComponent(action)}`,
} as const;
