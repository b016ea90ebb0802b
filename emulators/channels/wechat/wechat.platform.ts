import { createHash, randomBytes } from 'node:crypto';
import type http from 'node:http';
import { readJsonBody, sendJson, type EmulatorRoute } from '../../http-kit.ts';
import { WECHAT_DEMO_APPS, type WechatAppRegistration } from './wechat.apps.ts';
import { actForDemoUser, DEMO_USER_ID_HINT, httpHostname, readDemoCodeRequest, sendAuthorizeErrorPage, withQuery } from '../demo-codes.ts';

/**
 * The WeChat platform emulator, speaking WeChat's wire protocol under `/wechat` (instead of
 * `https://api.weixin.qq.com`):
 *
 * - `GET /wechat/sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code` — web
 *   authorization code exchange → `{ access_token, expires_in: 7200, refresh_token, openid, scope, unionid }`.
 * - `GET /wechat/cgi-bin/token?grant_type=client_credential&appid&secret` → `{ access_token, expires_in }`;
 *   a new token leaves the previous one valid for five more minutes, as WeChat does.
 * - `POST /wechat/cgi-bin/message/subscribe/send?access_token` `{ touser, template_id, page, data }`
 *   → `{ errcode: 0, errmsg: "ok", msgid }` (msgid a 64-bit JSON number), kept in the person's inbox.
 *
 * Errors are HTTP 200 with `{ errcode, errmsg }` (40029 invalid code, 40163 code been used, 40125
 * invalid appsecret, 40013 invalid appid, 40001/42001 bad or expired access token, 40003 invalid
 * openid, 40037 invalid template_id, 47003 argument invalid). The openid is per (app, person); the
 * unionid is per person across the apps of the one open-platform account.
 *
 * Web authorization (instead of `https://open.weixin.qq.com`):
 * - `GET /wechat/connect/oauth2/authorize?appid&redirect_uri&response_type=code&scope=snsapi_base|snsapi_userinfo&state`
 *   (`#wechat_redirect` stays in the browser) — acts for the person signed in to the emulated WeChat
 *   app, the cookie `demo_user_wechat=<userId>`: with it, silent authorization — 302 to
 *   `redirect_uri?code&state`; without it, a page asking whom to sign in as, whose form (POST to the
 *   same URL, `user_id` and `decision=allow|deny`) sets the cookie and goes on. Declining returns to
 *   `redirect_uri?state` without a code, as WeChat does. An error page instead of a redirect for an
 *   unknown appid (40013), a missing parameter (10010 scope, 10011 redirect_uri, 10012 appid), a
 *   scope the app lacks (10005), or a redirect_uri off the app's web authorization domains (10003).
 *
 * Demo endpoints, acting as the WeChat app would for a person:
 * - `POST /wechat/_demo/auth-codes { appid, userId, scope? }` → `{ code, expires_in }` (one-time, 5 minutes)
 * - `GET /wechat/_demo/users/{openid}/messages` — the subscribe messages the person received, newest first
 * - `GET /wechat/_demo/apps/{appid}/stats` → `{ accessTokensIssued }`
 * - `POST /wechat/_demo/clock { offsetSeconds }` — moves the emulator's clock (expiry tests)
 */
export interface WechatSubscribeMessage {
  readonly msgid: string;
  readonly appid: string;
  readonly touser: string;
  readonly templateId: string;
  readonly page?: string;
  readonly data: Readonly<Record<string, { value: string }>>;
  readonly receivedAt: string;
}

export interface WechatPlatformOptions {
  readonly apps?: readonly WechatAppRegistration[];
  /** The emulator's clock (tests inject one); `/_demo/clock` adds an offset to it. */
  readonly now?: () => number;
  readonly codeTtlSeconds?: number;
  readonly accessTokenTtlSeconds?: number;
}

export interface WechatPlatform {
  readonly route: EmulatorRoute;
  inbox(openid: string): WechatSubscribeMessage[];
  openidFor(appId: string, userId: string): string;
}

const PREFIX = '/wechat/';
const PLATFORM_NAME = { zh: '微信', en: 'WeChat' } as const;
const WEB_SCOPES = new Set(['snsapi_base', 'snsapi_userinfo']);
/** A 'thing' keyword holds at most 20 characters. */
const THING_MAX = 20;
/** After a new client_credential token is issued, the previous one still works this long. */
const OLD_TOKEN_GRACE_MS = 5 * 60_000;

function digest28(...parts: string[]): string {
  return `o${createHash('sha256').update(parts.join('|')).digest('base64url').slice(0, 27)}`;
}

function rid(): string {
  return `${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`;
}

export function createWechatPlatform(options: WechatPlatformOptions = {}): WechatPlatform {
  const apps = new Map((options.apps ?? WECHAT_DEMO_APPS).map((app) => [app.appId, app]));
  const codeTtlMs = (options.codeTtlSeconds ?? 300) * 1000;
  const tokenTtlSeconds = options.accessTokenTtlSeconds ?? 7200;
  let offsetMs = 0;
  const now = (): number => (options.now ?? Date.now)() + offsetMs;

  const codes = new Map<string, { appId: string; userId: string; scope: string; expiresAt: number; used: boolean }>();
  /** Who each openid is: set when the person authorizes the app. */
  const openids = new Map<string, { appId: string; userId: string }>();
  const appTokens = new Map<string, { appId: string; expiresAt: number }>();
  const latestAppToken = new Map<string, string>();
  const tokensIssued = new Map<string, number>();
  const inboxes = new Map<string, WechatSubscribeMessage[]>();
  let msgCounter = 0n;

  const openidFor = (appId: string, userId: string): string => digest28('openid', appId, userId);
  const unionidFor = (userId: string): string => digest28('unionid', userId);

  const fail = (res: http.ServerResponse, errcode: number, errmsg: string, contentType = 'application/json; encoding=utf-8'): void => {
    sendWechat(res, JSON.stringify({ errcode, errmsg: `${errmsg}, rid: ${rid()}` }), contentType);
  };

  const pruneCodes = (): void => {
    const t = now();
    for (const [code, entry] of codes) if (entry.expiresAt + codeTtlMs < t) codes.delete(code);
  };

  /** appid/secret checks shared by the code exchange and the client_credential token. */
  const checkApp = (res: http.ServerResponse, url: URL, contentType?: string): WechatAppRegistration | undefined => {
    const app = apps.get(url.searchParams.get('appid') ?? '');
    if (!app) {
      fail(res, 40013, 'invalid appid', contentType);
      return undefined;
    }
    if (url.searchParams.get('secret') !== app.appSecret) {
      fail(res, 40125, 'invalid appsecret', contentType);
      return undefined;
    }
    return app;
  };

  const exchangeCode = (res: http.ServerResponse, url: URL): void => {
    // WeChat answers this endpoint with JSON labelled text/plain.
    const textPlain = 'text/plain';
    const app = checkApp(res, url, textPlain);
    if (!app) return;
    if (url.searchParams.get('grant_type') !== 'authorization_code') return fail(res, 40002, 'invalid grant_type', textPlain);
    const code = url.searchParams.get('code') ?? '';
    if (code === '') return fail(res, 41008, 'missing code', textPlain);
    const entry = codes.get(code);
    if (!entry || entry.appId !== app.appId || entry.expiresAt <= now()) return fail(res, 40029, 'invalid code', textPlain);
    if (entry.used) return fail(res, 40163, 'code been used', textPlain);
    entry.used = true;
    const openid = openidFor(app.appId, entry.userId);
    openids.set(openid, { appId: app.appId, userId: entry.userId });
    sendWechat(
      res,
      JSON.stringify({
        access_token: randomBytes(48).toString('base64url'),
        expires_in: 7200,
        refresh_token: randomBytes(48).toString('base64url'),
        openid,
        scope: entry.scope,
        is_snapshotuser: 0,
        unionid: unionidFor(entry.userId),
      }),
      textPlain,
    );
  };

  const issueAppToken = (res: http.ServerResponse, url: URL): void => {
    const app = checkApp(res, url);
    if (!app) return;
    if (url.searchParams.get('grant_type') !== 'client_credential') return fail(res, 40002, 'invalid grant_type');
    const previous = latestAppToken.get(app.appId);
    const previousEntry = previous === undefined ? undefined : appTokens.get(previous);
    if (previousEntry) previousEntry.expiresAt = Math.min(previousEntry.expiresAt, now() + OLD_TOKEN_GRACE_MS);
    const token = randomBytes(96).toString('base64url').replace(/[-_]/g, 'A').slice(0, 128);
    appTokens.set(token, { appId: app.appId, expiresAt: now() + tokenTtlSeconds * 1000 });
    latestAppToken.set(app.appId, token);
    tokensIssued.set(app.appId, (tokensIssued.get(app.appId) ?? 0) + 1);
    sendWechat(res, JSON.stringify({ access_token: token, expires_in: tokenTtlSeconds }));
  };

  const sendSubscribeMessage = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const token = url.searchParams.get('access_token') ?? '';
    if (token === '') return fail(res, 41001, 'access_token missing');
    const tokenEntry = appTokens.get(token);
    if (!tokenEntry) return fail(res, 40001, 'invalid credential, access_token is invalid or not latest');
    if (tokenEntry.expiresAt <= now()) return fail(res, 42001, 'access_token expired');
    let body: Record<string, unknown>;
    try {
      const parsed = await readJsonBody(req);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      return fail(res, 47001, 'data format error');
    }
    const app = apps.get(tokenEntry.appId) as WechatAppRegistration;
    const touser = body.touser;
    const person = typeof touser === 'string' ? openids.get(touser) : undefined;
    if (typeof touser !== 'string' || !person || person.appId !== app.appId) return fail(res, 40003, 'invalid openid');
    const templateId = body.template_id;
    if (typeof templateId !== 'string' || !app.subscribeTemplateIds.includes(templateId)) return fail(res, 40037, 'invalid template_id');
    if (body.page !== undefined && (typeof body.page !== 'string' || body.page.length > 1024)) return fail(res, 41030, 'invalid page');
    const data = body.data;
    if (typeof data !== 'object' || data === null) return fail(res, 47003, 'argument invalid! data is empty');
    const values: Record<string, { value: string }> = {};
    for (const keyword of ['thing1', 'thing2']) {
      const value = (data as Record<string, { value?: unknown } | undefined>)[keyword]?.value;
      if (typeof value !== 'string' || value === '' || [...value].length > THING_MAX) {
        return fail(res, 47003, `argument invalid! data.${keyword}.value invalid`);
      }
      values[keyword] = { value };
    }
    msgCounter += 1n;
    const msgid = (BigInt(now()) * 1_000_000n + msgCounter).toString();
    const message: WechatSubscribeMessage = {
      msgid,
      appid: app.appId,
      touser,
      templateId,
      page: typeof body.page === 'string' ? body.page : undefined,
      data: values,
      receivedAt: new Date(now()).toISOString(),
    };
    const inbox = inboxes.get(touser) ?? [];
    inbox.push(message);
    if (inbox.length > 100) inbox.shift();
    inboxes.set(touser, inbox);
    // msgid is a 64-bit integer on the wire, beyond JSON.stringify's reach.
    sendWechat(res, `{"errcode":0,"errmsg":"ok","msgid":${msgid}}`);
  };

  const issueCode = (appId: string, userId: string, scope: string): string => {
    pruneCodes();
    const code = randomBytes(16).toString('hex');
    codes.set(code, { appId, userId, scope, expiresAt: now() + codeTtlMs, used: false });
    return code;
  };

  const demoAuthCode = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const body = await readDemoCodeRequest<{ appid?: unknown; scope?: unknown }>(req, res);
    if (!body) return;
    const app = typeof body.appid === 'string' ? apps.get(body.appid) : undefined;
    if (!app) return sendJson(res, 404, { code: 'UnknownApp', message: 'no app with that appid is registered' });
    const scope = body.scope ?? 'snsapi_base';
    if (scope !== 'snsapi_base' && scope !== 'snsapi_userinfo') return sendJson(res, 400, { code: 'InvalidScope', message: 'scope must be snsapi_base or snsapi_userinfo' });
    sendJson(res, 200, { code: issueCode(app.appId, body.userId, scope), expires_in: codeTtlMs / 1000 });
  };

  /** The web authorization page: the app and redirect URI checked first, then the person's side. */
  const authorize = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const refuse = (code: number | string, zh: string, en: string): void =>
      sendAuthorizeErrorPage(res, 400, { platformName: PLATFORM_NAME, code: String(code), zh, en });
    const param = (name: string): string => url.searchParams.get(name) ?? '';
    const redirectUri = param('redirect_uri');
    const scope = param('scope');
    if (param('appid') === '') return refuse(10012, 'appid 不能为空', 'appid is missing');
    if (redirectUri === '') return refuse(10011, 'redirect_uri 不能为空', 'redirect_uri is missing');
    if (scope === '') return refuse(10010, 'scope 不能为空', 'scope is missing');
    const app = apps.get(param('appid'));
    if (!app) return refuse(40013, 'appid 参数错误', 'invalid appid');
    if (param('response_type') !== 'code') return refuse('response_type', 'response_type 参数错误', 'response_type must be code');
    if (!WEB_SCOPES.has(scope)) return refuse(10005, '此公众号并没有这些 scope 的权限', 'the app has no such scope');
    const host = httpHostname(redirectUri);
    if (host === undefined || !app.webAuthDomains.includes(host)) return refuse(10003, 'redirect_uri 参数错误', 'redirect_uri is not on the app\'s web authorization domains');
    const state = url.searchParams.get('state') ?? undefined;
    await actForDemoUser(req, res, url, {
      platform: 'wechat',
      platformName: PLATFORM_NAME,
      appName: app.name,
      isUserId: () => true,
      userIdHint: DEMO_USER_ID_HINT,
      grant: (userId) => withQuery(redirectUri, { code: issueCode(app.appId, userId, scope), state }),
      deny: () => withQuery(redirectUri, { state }),
    });
  };

  const inbox = (openid: string): WechatSubscribeMessage[] => [...(inboxes.get(openid) ?? [])].reverse();

  const route: EmulatorRoute = async (req, res, url) => {
    if (!url.pathname.startsWith(PREFIX)) return false;
    const path = url.pathname.slice(PREFIX.length - 1);
    if (path === '/sns/oauth2/access_token') {
      if (req.method !== 'GET') fail(res, 43001, 'require GET method', 'text/plain');
      else exchangeCode(res, url);
      return true;
    }
    if (path === '/connect/oauth2/authorize') {
      await authorize(req, res, url);
      return true;
    }
    if (path === '/cgi-bin/token') {
      if (req.method !== 'GET') fail(res, 43001, 'require GET method');
      else issueAppToken(res, url);
      return true;
    }
    if (path === '/cgi-bin/message/subscribe/send') {
      if (req.method !== 'POST') fail(res, 43002, 'require POST method');
      else await sendSubscribeMessage(req, res, url);
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
    const stats = /^\/_demo\/apps\/([^/]+)\/stats$/.exec(path);
    if (req.method === 'GET' && stats) {
      sendJson(res, 200, { accessTokensIssued: tokensIssued.get(decodeURIComponent(stats[1])) ?? 0 });
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
    // WeChat answers unknown API paths with HTTP 404 and an empty page.
    res.writeHead(404, { 'content-type': 'text/html' }).end();
    return true;
  };

  return { route, inbox, openidFor };
}

function sendWechat(res: http.ServerResponse, text: string, contentType = 'application/json; encoding=utf-8'): void {
  res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
