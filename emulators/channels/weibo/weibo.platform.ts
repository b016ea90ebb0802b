import { createHash, randomBytes } from 'node:crypto';
import type http from 'node:http';
import { readJsonBody, sendJson, type EmulatorRoute } from '../../http-kit.ts';
import { WEIBO_DEMO_APPS, type WeiboAppRegistration } from './weibo.apps.ts';
import { actForDemoUser, DEMO_USER_ID_HINT, readDemoCodeRequest, sendAuthorizeErrorPage, withQuery } from '../demo-codes.ts';

/**
 * The Weibo open platform emulator, speaking Weibo's wire protocol under `/weibo` (instead of
 * `https://api.weibo.com`):
 *
 * - `GET /weibo/oauth2/authorize?client_id&redirect_uri&response_type=code&state&display=mobile` — the
 *   authorization page, acting for the person signed in to the emulated Weibo app, the cookie
 *   `demo_user_weibo=<userId>`: with it, silent authorization — 302 to `redirect_uri?code&state`, the
 *   code bound to the app and that redirect_uri; without it, a page asking whom to sign in as, whose
 *   form (POST to the same URL, `user_id` and `decision=allow|deny`) sets the cookie and goes on.
 *   Declining redirects with `error=access_denied&error_code=21330`. An error page instead of a
 *   redirect for 21323 (missing client_id or redirect_uri), 21324 (unknown client_id), 21322
 *   (redirect_uri off the app's callback host), 21329 (response_type other than code).
 * - `POST /weibo/oauth2/access_token` (form, or query string as Weibo also takes: client_id,
 *   client_secret, grant_type=authorization_code, code, redirect_uri) → `{ access_token, remind_in,
 *   expires_in, uid, isRealName }`; `uid` is a string, global to Weibo.
 * - `POST /weibo/2/direct_messages/new.json` (access_token — form, query or `Authorization: OAuth2 …` —,
 *   uid, text ≤ 300 characters) → the direct message `{ id, idstr, created_at, text, sender_id, recipient_id, … }`,
 *   kept in the recipient's inbox. The token is the app's official-account token.
 *
 * OAuth errors are HTTP 400 `{ error, error_code, error_description, request, error_uri }` with Weibo's
 * codes: 21322 redirect_uri_mismatch (not on the app's callback host), 21323 invalid_request
 * (missing parameter), 21324 invalid_client (unknown client_id or wrong secret), 21325 invalid_grant
 * (code unknown, used, expired, or issued to another app or redirect_uri), 21328
 * unsupported_grant_type. API errors are HTTP 400/403 `{ error, error_code, request }` (21332
 * invalid_access_token, 20003 user does not exist, 10016 missing parameter, 10017 invalid parameter value).
 *
 * Demo endpoints, acting as the Weibo app would for a person:
 * - `POST /weibo/_demo/auth-codes { clientId, redirectUri?, userId }` → `{ code, expires_in }` (one-time, 10 minutes;
 *   `redirectUri` defaults to the app's callback page)
 * - `GET /weibo/_demo/users/{uid}/messages` — direct messages the person received, newest first
 * - `POST /weibo/_demo/clock { offsetSeconds }` — moves the emulator's clock (expiry tests)
 */
export interface WeiboDirectMessage {
  readonly id: string;
  readonly senderId: string;
  readonly senderScreenName: string;
  readonly recipientId: string;
  readonly text: string;
  readonly receivedAt: string;
}

export interface WeiboPlatformOptions {
  readonly apps?: readonly WeiboAppRegistration[];
  /** The emulator's clock (tests inject one); `/_demo/clock` adds an offset to it. */
  readonly now?: () => number;
  readonly codeTtlSeconds?: number;
}

export interface WeiboPlatform {
  readonly route: EmulatorRoute;
  inbox(uid: string): WeiboDirectMessage[];
  uidFor(userId: string): string;
}

const PREFIX = '/weibo/';
const DM_MAX_CHARS = 300;
const TOKEN_LIFETIME_SECONDS = 157_679_999;

/** Weibo's OAuth2 errors: error name by code. */
const OAUTH_ERRORS: Record<number, string> = {
  21322: 'redirect_uri_mismatch',
  21323: 'invalid_request',
  21324: 'invalid_client',
  21325: 'invalid_grant',
  21328: 'unsupported_grant_type',
  21329: 'unsupported_response_type',
  21330: 'access_denied',
};
const PLATFORM_NAME = { zh: '微博', en: 'Weibo' } as const;

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

/** Weibo's created_at: `Tue May 31 17:46:55 +0800 2011`. */
function weiboTime(ms: number): string {
  const d = new Date(ms + 8 * 3_600_000);
  const [weekday, month, day, year, time] = d.toUTCString().replace(',', '').split(' ');
  return `${weekday} ${month} ${day} ${time} +0800 ${year}`;
}

export function createWeiboPlatform(options: WeiboPlatformOptions = {}): WeiboPlatform {
  const apps = new Map((options.apps ?? WEIBO_DEMO_APPS).map((app) => [app.clientId, app]));
  const codeTtlMs = (options.codeTtlSeconds ?? 600) * 1000;
  let offsetMs = 0;
  const now = (): number => (options.now ?? Date.now)() + offsetMs;

  const codes = new Map<string, { clientId: string; redirectUri: string; userId: string; expiresAt: number; used: boolean }>();
  /** uids that authorized each app: an app may only message its own users. */
  const appUsers = new Map<string, Set<string>>();
  const inboxes = new Map<string, WeiboDirectMessage[]>();
  let messageSeq = 0;

  // A 10-digit uid, stable per person (Weibo's uid is the same in every app).
  const uidFor = (userId: string): string => String(5_000_000_000 + (createHash('sha256').update(`uid|${userId}`).digest().readUInt32BE(0) % 2_000_000_000));

  const oauthError = (res: http.ServerResponse, errorCode: number, description: string): void =>
    sendJson(res, 400, { error: OAUTH_ERRORS[errorCode], error_code: errorCode, request: '/oauth2/access_token', error_uri: '/oauth2/access_token', error_description: description });
  const apiError = (res: http.ServerResponse, status: number, errorCode: number, error: string, request: string): void =>
    sendJson(res, status, { error, error_code: errorCode, request });

  const onCallbackHost = (app: WeiboAppRegistration, redirectUri: string): boolean => {
    try {
      return new URL(redirectUri).host === new URL(app.redirectUri).host;
    } catch {
      return false;
    }
  };

  const exchangeCode = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const params = await readParams(req, url);
    const clientId = params.get('client_id');
    const clientSecret = params.get('client_secret');
    const code = params.get('code');
    const redirectUri = params.get('redirect_uri');
    const grantType = params.get('grant_type');
    if (!clientId || !clientSecret || !grantType) return oauthError(res, 21323, 'miss client id or secret or grant_type');
    const app = apps.get(clientId);
    if (!app || app.clientSecret !== clientSecret) return oauthError(res, 21324, 'client id or secret is invalid');
    if (grantType !== 'authorization_code') return oauthError(res, 21328, `unsupported grant_type: ${grantType}`);
    if (!code || !redirectUri) return oauthError(res, 21323, 'miss code or redirect_uri');
    if (!onCallbackHost(app, redirectUri)) return oauthError(res, 21322, 'redirect_uri is not on the registered callback host');
    const entry = codes.get(code);
    if (!entry || entry.clientId !== clientId || entry.expiresAt <= now() || entry.used || entry.redirectUri !== redirectUri) {
      return oauthError(res, 21325, 'invalid authorization code');
    }
    entry.used = true;
    const uid = uidFor(entry.userId);
    const users = appUsers.get(clientId) ?? new Set<string>();
    users.add(uid);
    appUsers.set(clientId, users);
    sendJson(res, 200, {
      access_token: `2.00${randomBytes(24).toString('base64url')}`,
      remind_in: String(TOKEN_LIFETIME_SECONDS),
      expires_in: TOKEN_LIFETIME_SECONDS,
      uid,
      isRealName: 'true',
    });
  };

  const sendDirectMessage = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const request = '/2/direct_messages/new.json';
    const params = await readParams(req, url);
    const header = /^OAuth2 (.+)$/.exec(req.headers.authorization ?? '');
    const token = header?.[1] ?? params.get('access_token');
    if (!token) return apiError(res, 403, 21301, 'auth faild!', request);
    const app = [...apps.values()].find((a) => a.officialAccount.accessToken === token);
    if (!app) return apiError(res, 403, 21332, 'invalid_access_token', request);
    const uid = params.get('uid');
    const text = params.get('text');
    if (!uid) return apiError(res, 400, 10016, 'miss required parameter (uid), see doc for more info.', request);
    if (!text) return apiError(res, 400, 10016, 'miss required parameter (text), see doc for more info.', request);
    if ([...text].length > DM_MAX_CHARS) return apiError(res, 400, 10017, 'parameter (text)\'s value invalid, expect (text length <= 300), see doc for more info.', request);
    if (!appUsers.get(app.clientId)?.has(uid)) return apiError(res, 400, 20003, 'User does not exists!', request);
    messageSeq += 1;
    const id = 4_900_000_000_000_000 + now() % 100_000_000_000 * 10 + (messageSeq % 10);
    const message: WeiboDirectMessage = {
      id: String(id),
      senderId: app.officialAccount.uid,
      senderScreenName: app.officialAccount.screenName,
      recipientId: uid,
      text,
      receivedAt: new Date(now()).toISOString(),
    };
    const inbox = inboxes.get(uid) ?? [];
    inbox.push(message);
    if (inbox.length > 100) inbox.shift();
    inboxes.set(uid, inbox);
    sendJson(res, 200, {
      id,
      idstr: String(id),
      created_at: weiboTime(now()),
      text,
      sender_id: Number(app.officialAccount.uid),
      recipient_id: Number(uid),
      sender_screen_name: app.officialAccount.screenName,
      recipient_screen_name: `用户${uid.slice(-4)}`,
    });
  };

  const issueCode = (clientId: string, redirectUri: string, userId: string): string => {
    const t = now();
    for (const [code, entry] of codes) if (entry.expiresAt + codeTtlMs < t) codes.delete(code);
    const code = randomBytes(16).toString('hex');
    codes.set(code, { clientId, redirectUri, userId, expiresAt: t + codeTtlMs, used: false });
    return code;
  };

  /** The authorization page: the app and redirect URI checked first, then the person's side. */
  const authorize = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const refuse = (errorCode: number, zh: string, en: string): void =>
      sendAuthorizeErrorPage(res, 400, { platformName: PLATFORM_NAME, code: `${errorCode} ${OAUTH_ERRORS[errorCode]}`, zh, en });
    const clientId = url.searchParams.get('client_id') ?? '';
    const redirectUri = url.searchParams.get('redirect_uri') ?? '';
    const responseType = url.searchParams.get('response_type') ?? 'code';
    if (clientId === '' || redirectUri === '') return refuse(21323, '缺少 client_id 或 redirect_uri 参数', 'client_id or redirect_uri is missing');
    const app = apps.get(clientId);
    if (!app) return refuse(21324, 'client_id 无效', 'no app with this client_id');
    if (!onCallbackHost(app, redirectUri)) return refuse(21322, '重定向地址不匹配', 'redirect_uri is not on the app\'s callback host');
    if (responseType !== 'code') return refuse(21329, '不支持的 response_type', 'response_type must be code');
    const state = url.searchParams.get('state') ?? undefined;
    await actForDemoUser(req, res, url, {
      platform: 'weibo',
      platformName: PLATFORM_NAME,
      appName: app.name,
      isUserId: () => true,
      userIdHint: DEMO_USER_ID_HINT,
      grant: (userId) => withQuery(redirectUri, { code: issueCode(app.clientId, redirectUri, userId), state }),
      deny: () =>
        withQuery(redirectUri, { error_uri: '/oauth2/authorize', error: 'access_denied', error_description: 'user denied your request.', state, error_code: '21330' }),
    });
  };

  const demoAuthCode = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const body = await readDemoCodeRequest<{ clientId?: unknown; redirectUri?: unknown }>(req, res);
    if (!body) return;
    const app = typeof body.clientId === 'string' ? apps.get(body.clientId) : undefined;
    if (!app) return sendJson(res, 404, { code: 'UnknownApp', message: 'no app with that clientId is registered' });
    const redirectUri = body.redirectUri ?? app.redirectUri;
    // Weibo's authorize page refuses a redirect_uri off the app's callback host before anyone logs in.
    if (typeof redirectUri !== 'string' || !onCallbackHost(app, redirectUri)) {
      return sendJson(res, 400, { code: 'RedirectUriMismatch', message: 'redirectUri is not on the app\'s callback host' });
    }
    sendJson(res, 200, { code: issueCode(app.clientId, redirectUri, body.userId), expires_in: codeTtlMs / 1000 });
  };

  const inbox = (uid: string): WeiboDirectMessage[] => [...(inboxes.get(uid) ?? [])].reverse();

  const route: EmulatorRoute = async (req, res, url) => {
    if (!url.pathname.startsWith(PREFIX)) return false;
    const path = url.pathname.slice(PREFIX.length - 1);
    if (path === '/oauth2/access_token') {
      if (req.method !== 'POST') sendJson(res, 405, { error: 'HTTP METHOD is not suported for this request!', error_code: 10021, request: path });
      else await exchangeCode(req, res, url);
      return true;
    }
    if (path === '/oauth2/authorize') {
      await authorize(req, res, url);
      return true;
    }
    if (path === '/2/direct_messages/new.json') {
      if (req.method !== 'POST') sendJson(res, 405, { error: 'HTTP METHOD is not suported for this request!', error_code: 10021, request: path });
      else await sendDirectMessage(req, res, url);
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
    sendJson(res, 404, { error: 'Request Api not found!', error_code: 10020, request: path });
    return true;
  };

  return { route, inbox, uidFor };
}
