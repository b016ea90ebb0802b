import { randomBytes, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { hutongError } from '../errors.ts';

const AUDIENCE = 'hutong-browser-login';
/** How long a person has to come back from the platform's authorization page. */
export const LOGIN_STATE_TTL_SECONDS = 600;
/** The cookie that binds a browser login to the browser that started it (login CSRF). */
export const LOGIN_NONCE_COOKIE = 'hutong_login';

/**
 * Where a browser login may send the person afterwards: a path of the web app or a link, on this
 * hub. Anything else (another host, `//host`, backslashes) would make the hub an open redirect.
 */
export function safeNextPath(next: string | undefined): string {
  if (next === undefined || next === '') return '/app/';
  if (!/^\/(app|l)(\/|$|\?)/.test(next) || next.includes('\\') || next.includes('//') || /[\u0000-\u001f]/.test(next) || next.length > 512) {
    throw hutongError('HUTONG_ERR_VALIDATION', '`next` must be a path of the web app (/app/…) or a link (/l/…)');
  }
  return next;
}

/**
 * The `state` of a browser login: which entrance, where to go next, and a nonce that must match
 * the cookie of the browser that started it. Signed, so the platform round trip cannot alter it.
 */
export async function createLoginState(key: KeyObject, input: { channel: string; next: string }): Promise<{ state: string; nonce: string }> {
  const nonce = randomBytes(16).toString('base64url');
  const state = await new SignJWT({ ch: input.channel, nx: input.next, nn: nonce })
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${LOGIN_STATE_TTL_SECONDS}s`)
    .sign(key);
  return { state, nonce };
}

/** Checks a state that came back from the platform; the `next` path it carries. */
export async function verifyLoginState(key: KeyObject, input: { state: string | undefined; channel: string; nonce: string | undefined }): Promise<string> {
  const invalid = (why: string) => hutongError('HUTONG_ERR_LOGIN_STATE_INVALID', `The login cannot be finished: ${why}; start it again`);
  if (!input.state) throw invalid('the platform sent no state');
  let payload;
  try {
    ({ payload } = await jwtVerify(input.state, key, { audience: AUDIENCE, algorithms: ['HS256'] }));
  } catch {
    throw invalid('the state is altered or expired');
  }
  if (payload.ch !== input.channel) throw invalid('the state is for another entrance');
  if (!input.nonce || payload.nn !== input.nonce) throw invalid('it was started in another browser');
  return safeNextPath(typeof payload.nx === 'string' ? payload.nx : undefined);
}
