import { createHash, createHmac, randomBytes } from 'node:crypto';
import { hutongError, isHutongError } from '../../errors.ts';
import { classifyTransportError } from '../transport-errors.ts';
import type { RestAuth } from './rest.options.ts';

/** One outgoing request as the authenticator sees it: the URL exactly as sent and the body bytes. */
export interface OutgoingRequest {
  readonly method: string;
  readonly url: URL;
  readonly body: string | undefined;
}

/**
 * How the hub proves itself to one department. Built once per connector; the OAuth2 kind keeps its
 * token between calls.
 *
 * @example
 *   const auth = createRestAuthenticator(options.auth, 'beijing/library')
 *   const headers = await auth.headersFor({ method: 'GET', url, body: undefined }, signal)
 */
export interface RestAuthenticator {
  /** Headers to add to the request; may fetch a token first (the call's signal bounds the wait). */
  headersFor(request: OutgoingRequest, signal: AbortSignal): Promise<Record<string, string>>;
  /**
   * Told that the department answered 401 to a request sent with `sentHeaders`. Returns true when a
   * retry with fresh credentials may succeed (an OAuth2 token was revoked or expired early).
   */
  unauthorized(sentHeaders: Readonly<Record<string, string>>): boolean;
  /** Credential values that must never appear in an error message. */
  secrets(): string[];
}

export interface HmacSigningInput {
  readonly method: string;
  /** The request URL's pathname + search exactly as sent, including the baseUrl's path prefix. */
  readonly pathAndQuery: string;
  /** The body bytes as sent; undefined (or empty) when the request has no body. */
  readonly body: string | Uint8Array | undefined;
  readonly keyId: string;
  readonly secret: string;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  /** 16 random bytes, hex. */
  readonly nonce: string;
}

/**
 * The headers of the `hmac-sha256` scheme. Pure: the same input always signs the same.
 * X-Signature = base64(HMAC-SHA256(secret, METHOD\nPATH_AND_QUERY\nTIMESTAMP\nNONCE\nhex(SHA-256(body)))).
 *
 * @example
 *   signHmacRequest({ method: 'GET', pathAndQuery: '/api/loans?page=1', body: undefined, keyId: 'hub', secret, timestamp: Date.now(), nonce })
 *   // { 'X-Api-Key': 'hub', 'X-Timestamp': '1767225600000', 'X-Nonce': '…', 'X-Signature': '…' }
 */
export function signHmacRequest(input: HmacSigningInput): Record<string, string> {
  const bodyHash = createHash('sha256')
    .update(input.body ?? '')
    .digest('hex');
  const timestamp = String(input.timestamp);
  const canonical = [input.method.toUpperCase(), input.pathAndQuery, timestamp, input.nonce, bodyHash].join('\n');
  const signature = createHmac('sha256', input.secret).update(canonical, 'utf8').digest('base64');
  return { 'X-Api-Key': input.keyId, 'X-Timestamp': timestamp, 'X-Nonce': input.nonce, 'X-Signature': signature };
}

/** application/x-www-form-urlencoded encoding of one value, as RFC 6749 §2.3.1 asks before Basic auth. */
function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** The `Authorization: Basic …` value of OAuth2 client authentication (RFC 6749 §2.3.1). */
export function oauthClientBasic(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`, 'utf8').toString('base64')}`;
}

/** Seconds of a Retry-After header (delta-seconds or an HTTP date), undefined when absent or unreadable. */
export function retryAfterSeconds(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** Waits for `promise`, but rejects with the signal's reason once it aborts (the promise itself runs on). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** fetch reports a refused connection as TypeError('fetch failed') with the socket error as its cause. */
export function transportCause(error: unknown): unknown {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    if (typeof (current as { code?: unknown }).code === 'string') return current;
    current = (current as { cause?: unknown }).cause;
  }
  return error;
}

/** A token is renewed this long before the department says it expires, so it never expires in flight. */
const TOKEN_REFRESH_MARGIN_MS = 30_000;
/** The token request is shared by concurrent calls, so it gets its own bound instead of one caller's deadline. */
const TOKEN_TIMEOUT_MS = 10_000;

interface CachedToken {
  readonly accessToken: string;
  /** Epoch ms after which the token is not used for new requests; Infinity when the server gave no expires_in. */
  readonly renewAt: number;
}

type OAuth2Auth = Extract<RestAuth, { type: 'oauth2-client-credentials' }>;

function createOAuth2Authenticator(auth: OAuth2Auth, where: string): RestAuthenticator {
  let cached: CachedToken | undefined;
  let inFlight: Promise<CachedToken> | undefined;
  const tokenWhere = `${where} token endpoint`;

  const requestToken = async (): Promise<CachedToken> => {
    const signal = AbortSignal.timeout(TOKEN_TIMEOUT_MS);
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.scope) form.set('scope', auth.scope);
    let response: Response;
    let text: string;
    try {
      response = await fetch(auth.tokenUrl, {
        method: 'POST',
        headers: {
          authorization: oauthClientBasic(auth.clientId, auth.clientSecret),
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form.toString(),
        signal,
        redirect: 'manual',
      });
      text = await response.text();
    } catch (error) {
      throw classifyTransportError(transportCause(error), tokenWhere, signal);
    }
    let body: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      body = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
    } catch {
      body = undefined;
    }
    if (response.status === 429) {
      const seconds = retryAfterSeconds(response.headers.get('retry-after'));
      throw hutongError('HUTONG_ERR_DEPARTMENT_THROTTLED', `${tokenWhere} answered 429 Too Many Requests`, {
        details: seconds === undefined ? {} : { retryAfterSeconds: seconds },
      });
    }
    if (!response.ok) {
      // RFC 6749 §5.2 error codes (invalid_client…) say what is wrong without revealing the credentials.
      const code = typeof body?.error === 'string' ? `: ${body.error.slice(0, 100)}` : '';
      throw hutongError('HUTONG_ERR_DEPARTMENT_FAULT', `${tokenWhere} answered HTTP ${response.status}${code}`, { details: { status: response.status } });
    }
    if (!body || typeof body.access_token !== 'string' || body.access_token === '') {
      throw hutongError('HUTONG_ERR_DEPARTMENT_FAULT', `${tokenWhere} answered without an access_token`);
    }
    if (typeof body.token_type === 'string' && body.token_type.toLowerCase() !== 'bearer') {
      throw hutongError('HUTONG_ERR_DEPARTMENT_FAULT', `${tokenWhere} issued a "${body.token_type.slice(0, 40)}" token; only bearer tokens are supported`);
    }
    const expiresIn = Number(body.expires_in);
    // Without expires_in the token is kept until the department answers 401.
    const renewAt = Number.isFinite(expiresIn) && expiresIn > 0 ? Date.now() + expiresIn * 1000 - TOKEN_REFRESH_MARGIN_MS : Number.POSITIVE_INFINITY;
    return { accessToken: body.access_token, renewAt };
  };

  const token = (): Promise<CachedToken> => {
    if (cached && Date.now() < cached.renewAt) return Promise.resolve(cached);
    // Single flight: every call that needs a token while one is being fetched waits for that one.
    inFlight ??= requestToken()
      .then((fresh) => {
        cached = fresh;
        return fresh;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  return {
    async headersFor(_request, signal) {
      try {
        const { accessToken } = await untilAborted(token(), signal);
        return { authorization: `Bearer ${accessToken}` };
      } catch (error) {
        if (isHutongError(error)) throw error;
        throw classifyTransportError(error, tokenWhere, signal);
      }
    },
    unauthorized(sentHeaders) {
      // Drop the token only if it is still the one that was refused; a concurrent call may have renewed it.
      if (cached && sentHeaders.authorization === `Bearer ${cached.accessToken}`) cached = undefined;
      return true;
    },
    secrets() {
      return cached ? [auth.clientSecret, cached.accessToken] : [auth.clientSecret];
    },
  };
}

/** The authenticator of a connector's `auth` option; no auth sends no credentials. */
export function createRestAuthenticator(auth: RestAuth | undefined, where: string): RestAuthenticator {
  if (auth === undefined) {
    return { headersFor: async () => ({}), unauthorized: () => false, secrets: () => [] };
  }
  switch (auth.type) {
    case 'api-key': {
      const header = auth.header ?? 'X-Api-Key';
      return { headersFor: async () => ({ [header]: auth.key }), unauthorized: () => false, secrets: () => [auth.key] };
    }
    case 'oauth2-client-credentials':
      return createOAuth2Authenticator(auth, where);
    case 'hmac-sha256':
      return {
        async headersFor(request) {
          return signHmacRequest({
            method: request.method,
            pathAndQuery: `${request.url.pathname}${request.url.search}`,
            body: request.body,
            keyId: auth.keyId,
            secret: auth.secret,
            timestamp: Date.now(),
            nonce: randomBytes(16).toString('hex'),
          });
        },
        unauthorized: () => false,
        secrets: () => [auth.secret],
      };
  }
}
