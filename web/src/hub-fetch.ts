// The pieces of a call to the hub that the citizen app and the console share; each adds its own login.

/** An error answer of the hub (`{ error: { code, message, details } }`), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const NETWORK_ERROR = 'NETWORK_ERROR';

export const UNREACHABLE = 'The hub could not be reached; check the connection and try again';

export interface HubRequest {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  /** Extra request headers (an `Idempotency-Key`, an `accept` other than JSON…). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Sends a request to the hub (same origin, JSON) with an optional bearer token and returns its
 * answer whatever the status; a failure to reach it throws {@link ApiError} with {@link NETWORK_ERROR}
 * and the `unreachable` message.
 *
 * @example
 *   const response = await fetchHub('/v1/me', { signal }, accessToken)
 */
export async function fetchHub(path: string, request: HubRequest, bearer?: string | null, unreachable = UNREACHABLE): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  try {
    return await fetch(path, {
      method: request.method ?? 'GET',
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: request.signal,
      credentials: 'same-origin',
    });
  } catch (error) {
    if (request.signal?.aborted) throw error;
    throw new ApiError(0, NETWORK_ERROR, unreachable);
  }
}

/** Reads an error answer of the hub; an answer without its error shape is named by its status. */
export async function readApiError(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string; details?: unknown } } | null;
  const error = body?.error;
  if (error?.code) return new ApiError(response.status, error.code, error.message ?? response.statusText, error.details);
  return new ApiError(response.status, `HTTP_${response.status}`, response.statusText || `The hub answered ${response.status}`);
}
