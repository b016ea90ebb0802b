import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { readJsonBody, sendJson, type EmulatorRoute } from '../../http-kit.ts';
import { TAOBAO_DEMO_APPS, type TaobaoAppRegistration } from './taobao.apps.ts';
import { actForDemoUser, DEMO_USER_ID_HINT, readDemoCodeRequest, sendAuthorizeErrorPage, withQuery } from '../demo-codes.ts';

/**
 * The Taobao open platform emulator under `/taobao`, speaking two of Taobao's protocols:
 *
 * OAuth 2.0 (instead of `https://oauth.taobao.com`):
 * - `GET /taobao/authorize?response_type=code&client_id&redirect_uri&state&view=web|tmall|wap` — the
 *   authorization page, acting for the person signed in to the emulated Taobao app, the cookie
 *   `demo_user_taobao=<userId>`: with it, silent authorization — 302 to `redirect_uri?code&state`,
 *   the code bound to the app and that redirect_uri; without it, a page asking whom to sign in as,
 *   whose form (POST to the same URL, `user_id` and `decision=allow|deny`) sets the cookie and goes
 *   on. Declining redirects with `error=access_denied`. An error page instead of a redirect for
 *   invalid_request (missing parameter, bad view, redirect_uri off the app's callback host),
 *   invalid_client (unknown client_id), unsupported_response_type.
 * - `POST /taobao/token` (form: grant_type=authorization_code, client_id, client_secret, code,
 *   redirect_uri, view=web|tmall|wap) → `{ access_token, token_type: "Bearer", expires_in,
 *   refresh_token, re_expires_in, r1_expires_in, r2_expires_in, w1_expires_in, w2_expires_in,
 *   taobao_open_uid, taobao_user_nick }`. The open uid is per (app, person); the nick is masked
 *   (`市**7`) and URL-encoded, as Taobao sends it. Errors are HTTP 400 `{ error, error_description }`:
 *   invalid_request (missing parameter, bad view, redirect_uri off the app's callback host),
 *   invalid_client (unknown app or wrong secret), unsupported_grant_type, invalid_grant (code
 *   unknown, used, expired, or issued to another app or redirect_uri).
 *
 * TOP, the Taobao Open Platform API router (instead of `https://eco.taobao.com/router/rest`):
 * - `POST /taobao/router/rest` with the TOP system parameters (method, app_key, timestamp
 *   `yyyy-MM-dd HH:mm:ss` in UTC+8 within 10 minutes, format=json, v=2.0, sign_method
 *   md5|hmac|hmac-sha256, sign: upper-case hex over the sorted `key+value` pairs) and the method's own.
 *   Success `{ "<method without 'taobao.', dots as _>_response": { …, request_id } }`; errors HTTP 200
 *   `{ error_response: { code, msg, sub_code?, sub_msg?, request_id } }` (25 Invalid signature,
 *   29 Invalid app key, 31 Invalid timestamp, 22 Invalid method, 40 Missing required arguments,
 *   41 Invalid arguments).
 * - The one method served, chosen for the hub: the emulator's own, in TOP's shape, not a published
 *   Taobao API. `taobao.miniapp.message.send` (to_open_uid, title ≤ 20
 *   characters, content ≤ 200, page_url?) → `{ miniapp_message_send_response: { msg_id, request_id } }`;
 *   an app-level call (no `session`), to a person who has authorized the app; kept in their inbox.
 *
 * Demo endpoints, acting as the Taobao app would for a person:
 * - `POST /taobao/_demo/auth-codes { clientId, redirectUri?, userId }` → `{ code, expires_in }` (one-time, 10 minutes;
 *   `redirectUri` defaults to the app's callback URL)
 * - `GET /taobao/_demo/users/{openUid}/messages` — messages the person received, newest first
 * - `POST /taobao/_demo/clock { offsetSeconds }` — moves the emulator's clock (expiry tests)
 */
export interface TaobaoMessage {
  readonly msgId: string;
  readonly appKey: string;
  readonly toOpenUid: string;
  readonly title: string;
  readonly content: string;
  readonly pageUrl?: string;
  readonly receivedAt: string;
}

export interface TaobaoPlatformOptions {
  readonly apps?: readonly TaobaoAppRegistration[];
  /** The emulator's clock (tests inject one); `/_demo/clock` adds an offset to it. */
  readonly now?: () => number;
  readonly codeTtlSeconds?: number;
}

export interface TaobaoPlatform {
  readonly route: EmulatorRoute;
  inbox(openUid: string): TaobaoMessage[];
  openUidFor(clientId: string, userId: string): string;
}

const PREFIX = '/taobao/';
const TOP_CLOCK_SKEW_MS = 10 * 60_000;
const MESSAGE_METHOD = 'taobao.miniapp.message.send';
const VIEWS = new Set(['web', 'tmall', 'wap']);
const PLATFORM_NAME = { zh: '淘宝', en: 'Taobao' } as const;

async function readParams(req: http.IncomingMessage, url: URL): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new RangeError('body too large');
    chunks.push(chunk as Buffer);
  }
  const params = new URLSearchParams(url.search);
  for (const [name, value] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) params.set(name, value);
  return params;
}

/** TOP's signature over every parameter but `sign`, sorted by name, each as `name + value`. */
function topSignature(params: URLSearchParams, secret: string, signMethod: string): string | undefined {
  const joined = [...params.entries()]
    .filter(([name]) => name !== 'sign')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}${value}`)
    .join('');
  if (signMethod === 'md5') return createHash('md5').update(`${secret}${joined}${secret}`, 'utf8').digest('hex').toUpperCase();
  if (signMethod === 'hmac') return createHmac('md5', secret).update(joined, 'utf8').digest('hex').toUpperCase();
  if (signMethod === 'hmac-sha256') return createHmac('sha256', secret).update(joined, 'utf8').digest('hex').toUpperCase();
  return undefined;
}

/** TOP timestamps: `yyyy-MM-dd HH:mm:ss` in UTC+8. */
function parseTopTimestamp(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!match) return undefined;
  const ms = Date.parse(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}+08:00`);
  return Number.isNaN(ms) ? undefined : ms;
}

function maskNick(nick: string): string {
  const chars = [...nick];
  return chars.length <= 2 ? `${chars[0] ?? ''}*` : `${chars[0]}**${chars[chars.length - 1]}`;
}

export function createTaobaoPlatform(options: TaobaoPlatformOptions = {}): TaobaoPlatform {
  const apps = new Map((options.apps ?? TAOBAO_DEMO_APPS).map((app) => [app.clientId, app]));
  const codeTtlMs = (options.codeTtlSeconds ?? 600) * 1000;
  let offsetMs = 0;
  const now = (): number => (options.now ?? Date.now)() + offsetMs;

  const codes = new Map<string, { clientId: string; redirectUri: string; userId: string; expiresAt: number; used: boolean }>();
  const openUids = new Map<string, { clientId: string; userId: string }>();
  const inboxes = new Map<string, TaobaoMessage[]>();
  let msgSeq = 0;

  const openUidFor = (clientId: string, userId: string): string => `AA${createHash('sha256').update(`open_uid|${clientId}|${userId}`).digest('base64url').slice(0, 22)}`;

  const oauthError = (res: http.ServerResponse, error: string, description: string): void => sendJson(res, 400, { error, error_description: description });

  const onCallbackHost = (app: TaobaoAppRegistration, redirectUri: string): boolean => {
    try {
      return new URL(redirectUri).host === new URL(app.redirectUri).host;
    } catch {
      return false;
    }
  };

  const exchangeCode = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const params = await readParams(req, url);
    const [grantType, clientId, clientSecret, code, redirectUri] = ['grant_type', 'client_id', 'client_secret', 'code', 'redirect_uri'].map((n) => params.get(n));
    const view = params.get('view') ?? 'web';
    if (!grantType || !clientId || !clientSecret) return oauthError(res, 'invalid_request', 'missing grant_type, client_id or client_secret');
    const app = apps.get(clientId);
    const secretOk = app !== undefined && clientSecret.length === app.clientSecret.length && timingSafeEqual(Buffer.from(clientSecret), Buffer.from(app.clientSecret));
    if (!app || !secretOk) return oauthError(res, 'invalid_client', 'invalid client_id or client_secret');
    if (grantType !== 'authorization_code') return oauthError(res, 'unsupported_grant_type', 'grant_type must be authorization_code');
    if (!code || !redirectUri) return oauthError(res, 'invalid_request', 'missing code or redirect_uri');
    if (!VIEWS.has(view)) return oauthError(res, 'invalid_request', 'view must be web, tmall or wap');
    if (!onCallbackHost(app, redirectUri)) return oauthError(res, 'invalid_request', 'redirect_uri is not on the app\'s callback host');
    const entry = codes.get(code);
    if (!entry || entry.clientId !== clientId) return oauthError(res, 'invalid_grant', 'authorize code is invalid');
    if (entry.expiresAt <= now()) return oauthError(res, 'invalid_grant', 'authorize code is expired');
    if (entry.used) return oauthError(res, 'invalid_grant', 'authorize code has been used');
    if (entry.redirectUri !== redirectUri) return oauthError(res, 'invalid_grant', 'redirect_uri does not match the authorize request');
    entry.used = true;
    const openUid = openUidFor(clientId, entry.userId);
    openUids.set(openUid, { clientId, userId: entry.userId });
    const lifetime = 30 * 86_400;
    sendJson(res, 200, {
      access_token: `6201${randomBytes(24).toString('hex')}`,
      token_type: 'Bearer',
      expires_in: lifetime,
      refresh_token: `6202${randomBytes(24).toString('hex')}`,
      re_expires_in: lifetime,
      r1_expires_in: lifetime,
      r2_expires_in: 86_400,
      w1_expires_in: lifetime,
      w2_expires_in: 86_400,
      taobao_open_uid: openUid,
      taobao_user_nick: encodeURIComponent(maskNick(`市民${entry.userId}`)),
    });
  };

  const topError = (res: http.ServerResponse, code: number, msg: string, sub?: { sub_code: string; sub_msg: string }): void =>
    sendJson(res, 200, { error_response: { code, msg, ...sub, request_id: randomBytes(6).toString('hex') } });

  const topCall = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const params = await readParams(req, url);
    const method = params.get('method');
    const appKey = params.get('app_key');
    const timestamp = params.get('timestamp');
    const sign = params.get('sign');
    const signMethod = params.get('sign_method') ?? 'md5';
    if (!method) return topError(res, 21, 'Missing Method');
    if (!appKey) return topError(res, 28, 'Missing App Key');
    const app = apps.get(appKey);
    if (!app) return topError(res, 29, 'Invalid App Key');
    if (!timestamp) return topError(res, 30, 'Missing Timestamp');
    const sentAt = parseTopTimestamp(timestamp);
    if (sentAt === undefined || Math.abs(sentAt - now()) > TOP_CLOCK_SKEW_MS) return topError(res, 31, 'Invalid Timestamp');
    if ((params.get('format') ?? 'xml') !== 'json') return topError(res, 23, 'Invalid Format');
    if (params.get('v') !== '2.0') return topError(res, 33, 'Invalid Version');
    if (!sign) return topError(res, 24, 'Missing Signature');
    const expected = topSignature(params, app.clientSecret, signMethod);
    if (expected === undefined) return topError(res, 41, 'Invalid Arguments', { sub_code: 'isv.invalid-parameter:sign_method', sub_msg: 'sign_method must be md5, hmac or hmac-sha256' });
    if (sign.length !== expected.length || !timingSafeEqual(Buffer.from(sign), Buffer.from(expected))) return topError(res, 25, 'Invalid Signature');
    if (method !== MESSAGE_METHOD) return topError(res, 22, 'Invalid Method');

    const toOpenUid = params.get('to_open_uid');
    const title = params.get('title');
    const content = params.get('content');
    const pageUrl = params.get('page_url') ?? undefined;
    for (const [name, value] of [['to_open_uid', toOpenUid], ['title', title], ['content', content]] as const) {
      if (!value) return topError(res, 40, 'Missing Required Arguments', { sub_code: `isv.missing-parameter:${name}`, sub_msg: `${name} is required` });
    }
    const person = openUids.get(toOpenUid as string);
    if (!person || person.clientId !== app.clientId) {
      return topError(res, 41, 'Invalid Arguments', { sub_code: 'isv.invalid-parameter:to_open_uid', sub_msg: 'the user has not authorized this app' });
    }
    if ([...(title as string)].length > 20) return topError(res, 41, 'Invalid Arguments', { sub_code: 'isv.invalid-parameter:title', sub_msg: 'title is longer than 20 characters' });
    if ([...(content as string)].length > 200) return topError(res, 41, 'Invalid Arguments', { sub_code: 'isv.invalid-parameter:content', sub_msg: 'content is longer than 200 characters' });
    msgSeq += 1;
    const message: TaobaoMessage = {
      msgId: `${now()}${String(msgSeq).padStart(6, '0')}`,
      appKey: app.clientId,
      toOpenUid: toOpenUid as string,
      title: title as string,
      content: content as string,
      pageUrl,
      receivedAt: new Date(now()).toISOString(),
    };
    const inbox = inboxes.get(message.toOpenUid) ?? [];
    inbox.push(message);
    if (inbox.length > 100) inbox.shift();
    inboxes.set(message.toOpenUid, inbox);
    sendJson(res, 200, { miniapp_message_send_response: { msg_id: message.msgId, request_id: randomBytes(6).toString('hex') } });
  };

  const issueCode = (clientId: string, redirectUri: string, userId: string): string => {
    const t = now();
    for (const [code, entry] of codes) if (entry.expiresAt + codeTtlMs < t) codes.delete(code);
    const code = randomBytes(16).toString('base64url');
    codes.set(code, { clientId, redirectUri, userId, expiresAt: t + codeTtlMs, used: false });
    return code;
  };

  /** The authorization page: the app and redirect URI checked first, then the person's side. */
  const authorize = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const refuse = (error: string, zh: string, en: string): void => sendAuthorizeErrorPage(res, 400, { platformName: PLATFORM_NAME, code: error, zh, en });
    const [responseType, clientId, redirectUri] = ['response_type', 'client_id', 'redirect_uri'].map((name) => url.searchParams.get(name) ?? '');
    const view = url.searchParams.get('view') ?? 'web';
    if (responseType === '' || clientId === '' || redirectUri === '') return refuse('invalid_request', '缺少 response_type、client_id 或 redirect_uri 参数', 'response_type, client_id or redirect_uri is missing');
    const app = apps.get(clientId);
    if (!app) return refuse('invalid_client', 'client_id 无效', 'no app with this client_id');
    if (!onCallbackHost(app, redirectUri)) return refuse('invalid_request', 'redirect_uri 与应用的回调地址不在同一域名', 'redirect_uri is not on the app\'s callback host');
    if (responseType !== 'code') return refuse('unsupported_response_type', 'response_type 只能是 code', 'response_type must be code');
    if (!VIEWS.has(view)) return refuse('invalid_request', 'view 只能是 web、tmall 或 wap', 'view must be web, tmall or wap');
    const state = url.searchParams.get('state') ?? undefined;
    await actForDemoUser(req, res, url, {
      platform: 'taobao',
      platformName: PLATFORM_NAME,
      appName: app.name,
      isUserId: () => true,
      userIdHint: DEMO_USER_ID_HINT,
      grant: (userId) => withQuery(redirectUri, { code: issueCode(app.clientId, redirectUri, userId), state }),
      deny: () => withQuery(redirectUri, { error: 'access_denied', error_description: 'the user denied the authorization', state }),
    });
  };

  const demoAuthCode = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const body = await readDemoCodeRequest<{ clientId?: unknown; redirectUri?: unknown }>(req, res);
    if (!body) return;
    const app = typeof body.clientId === 'string' ? apps.get(body.clientId) : undefined;
    if (!app) return sendJson(res, 404, { code: 'UnknownApp', message: 'no app with that clientId is registered' });
    const redirectUri = body.redirectUri ?? app.redirectUri;
    // The authorize page refuses a redirect_uri off the app's callback host before anyone logs in.
    if (typeof redirectUri !== 'string' || !onCallbackHost(app, redirectUri)) {
      return sendJson(res, 400, { code: 'RedirectUriMismatch', message: 'redirectUri is not on the app\'s callback host' });
    }
    sendJson(res, 200, { code: issueCode(app.clientId, redirectUri, body.userId), expires_in: codeTtlMs / 1000 });
  };

  const inbox = (openUid: string): TaobaoMessage[] => [...(inboxes.get(openUid) ?? [])].reverse();

  const route: EmulatorRoute = async (req, res, url) => {
    if (!url.pathname.startsWith(PREFIX)) return false;
    const path = url.pathname.slice(PREFIX.length - 1);
    if (path === '/token') {
      if (req.method !== 'POST') oauthError(res, 'invalid_request', 'the token endpoint takes POST');
      else await exchangeCode(req, res, url);
      return true;
    }
    if (path === '/authorize') {
      await authorize(req, res, url);
      return true;
    }
    if (path === '/router/rest') {
      if (req.method !== 'POST' && req.method !== 'GET') sendJson(res, 405, { error_response: { code: 41, msg: 'Invalid Arguments' } });
      else await topCall(req, res, url);
      return true;
    }
    if (req.method === 'POST' && path === '/_demo/auth-codes') {
      await demoAuthCode(req, res);
      return true;
    }
    const messages = /^\/_demo\/users\/([^/]+)\/messages$/.exec(path);
    if (req.method === 'GET' && messages) {
      sendJson(res, 200, { messages: inbox(decodeURIComponent(messages[1])) });
      return true;
    }
    if (req.method === 'POST' && path === '/_demo/clock') {
      const body = ((await readJsonBody(req).catch(() => undefined)) ?? {}) as { offsetSeconds?: unknown };
      if (typeof body.offsetSeconds !== 'number' || !Number.isFinite(body.offsetSeconds)) {
        sendJson(res, 400, { code: 'InvalidOffset', message: 'offsetSeconds must be a number' });
      } else {
        offsetMs = body.offsetSeconds * 1000;
        sendJson(res, 200, { now: new Date(now()).toISOString() });
      }
      return true;
    }
    sendJson(res, 404, { code: 'NotFound', message: 'no such Taobao endpoint' });
    return true;
  };

  return { route, inbox, openUidFor };
}
