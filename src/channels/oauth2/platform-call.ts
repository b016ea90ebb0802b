import { hutongError, type HutongError } from '../../errors.ts';

/** What a platform answered: its status, the body text, and the body parsed as JSON when it is JSON. */
export interface PlatformAnswer {
  readonly status: number;
  readonly text: string;
  /** `undefined` when the body is not JSON. The content type is not trusted: WeChat sends JSON as `text/plain`. */
  readonly json: unknown;
}

export function channelUnavailable(message: string, options?: { details?: unknown; cause?: unknown }): HutongError {
  return hutongError('HUTONG_ERR_CHANNEL_UNAVAILABLE', message, options);
}

export function loginCodeInvalid(platform: string, details: unknown): HutongError {
  return hutongError('HUTONG_ERR_LOGIN_CODE_INVALID', `The ${platform} authorization code is invalid, used or expired; authorize again`, { details });
}

/**
 * Calls one platform endpoint under the caller's deadline. A network failure or a missed deadline
 * becomes `HUTONG_ERR_CHANNEL_UNAVAILABLE`. Messages name the platform and the operation, never the
 * URL: query strings carry app secrets and tokens.
 *
 * @example
 *   const answer = await callPlatform('WeChat', 'the code exchange', url, { method: 'GET' }, signal)
 */
export async function callPlatform(platform: string, operation: string, url: URL, init: RequestInit, signal: AbortSignal): Promise<PlatformAnswer> {
  let text: string;
  let status: number;
  try {
    // A redirect would carry the query string (secrets) to wherever it points; platforms do not redirect API calls.
    const response = await fetch(url, { ...init, signal, redirect: 'error' });
    status = response.status;
    text = await response.text();
  } catch (error) {
    throw transportFailure(platform, operation, error, signal);
  }
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status, text, json };
}

function transportFailure(platform: string, operation: string, error: unknown, signal: AbortSignal): HutongError {
  if (signal.aborted) return channelUnavailable(`${platform} did not answer ${operation} in time`, { cause: error });
  const code = (error as { cause?: { code?: unknown } })?.cause?.code ?? (error as { code?: unknown })?.code;
  return channelUnavailable(`${platform} could not be reached for ${operation}${typeof code === 'string' ? ` (${code})` : ''}`, { cause: error });
}

/** The body as a plain object, or `undefined`. */
export function jsonObject(answer: PlatformAnswer): Record<string, unknown> | undefined {
  const json = answer.json;
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
}

/**
 * An integer field read from the raw JSON text, digits intact. Platforms send 64-bit ids as JSON
 * numbers (WeChat's `msgid`), which `JSON.parse` would round beyond 2^53.
 */
export function rawIntegerField(text: string, name: string): string | undefined {
  const match = new RegExp(`"${name}"\\s*:\\s*"?(-?\\d+)"?`).exec(text);
  return match?.[1];
}

/** Cuts text to `max` characters (code points, as the platforms count them), ending with "…" when cut. */
export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
