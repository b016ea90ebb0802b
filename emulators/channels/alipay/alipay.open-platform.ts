import { createHash, createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { readJsonBody, sendJson, type EmulatorRoute, readRawBody } from '../../http-kit.ts';
import { actForDemoUser, httpHostname, sendAuthorizeErrorPage, withQuery } from '../demo-codes.ts';
import { requestSignContent, signedResponseText, verifyRsa2 } from './gateway-signing.ts';

/**
 * The Alipay open platform emulator, under `/alipay/…`, speaking the v2 gateway protocol so that the
 * official `alipay-sdk` (`gateway: ${emulatorsUrl}/alipay/gateway.do`) works against it unchanged.
 *
 * - `POST /alipay/gateway.do` — public parameters in the query (`method`, `app_id`, `charset`,
 *   `sign_type=RSA2`, `timestamp`, `version`, `sign`), business parameters in the form body
 *   (`grant_type`, `code`, `biz_content`…). The request signature is checked with the app's public
 *   key; every answer is signed with the platform's private key. Methods:
 *   `alipay.system.oauth.token` and `alipay.open.app.mini.templatemessage.send`.
 * - `GET /alipay/oauth2/publicAppAuthorize.htm?app_id&scope=auth_base|auth_user&redirect_uri&state` — the
 *   web authorization page (openauth.alipay.com) an H5 page inside the Alipay app sends the browser
 *   to. It acts for the person signed in to the emulated Alipay app, the cookie
 *   `demo_user_alipay=<2088… user id>`: with it, silent authorization — 302 to the redirect URI with
 *   `app_id`, `source=alipay_wallet`, `scope`, a fresh one-time `auth_code` and `state`; without it, a
 *   page asking whom to sign in as, whose form (POST to the same URL, `user_id` and
 *   `decision=allow|deny`) sets the cookie and goes on. Declining returns to the redirect URI without
 *   an auth code. An unknown app, a bad scope, or a redirect URI off the app's authorization callback
 *   domains gets an error page (`invalid-app-id`, `invalid-scope`, `invalid-redirect-uri`), never a redirect.
 * - `POST /alipay/_demo/auth-codes` `{ userId, appId? }` → `{ authCode, expiresInSeconds }`: what the
 *   Alipay app hands a mini program when the person agrees to log in (one-time, 5 minutes).
 * - `GET /alipay/_demo/users/{userId}/messages` — the template messages that person received, newest first.
 */

export const DEMO_APP_ID = '2021000000000001';
/** The message template the demo app has "applied for" in the open platform console. */
export const DEMO_TEMPLATE_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
/** Committed demo key pairs, for the emulator and demo mode only. */
export const DEMO_KEY_FILES = Object.freeze({
  platformPrivate: new URL('./demo-keys/platform-private.pem', import.meta.url),
  platformPublic: new URL('./demo-keys/platform-public.pem', import.meta.url),
  appPrivate: new URL('./demo-keys/app-private.pem', import.meta.url),
  appPublic: new URL('./demo-keys/app-public.pem', import.meta.url),
});

export interface AlipayRegisteredApp {
  readonly appId: string;
  /** The app public key the developer uploaded (PEM, or bare base64 SPKI as the key tool prints it). */
  readonly publicKey: string;
  readonly templateIds: readonly string[];
  /** The app's name on the authorization page; the app id without one. */
  readonly name?: string;
  /**
   * The hostnames of the app's authorization callback address (授权回调地址) that web authorization
   * may return to; an app without any cannot use web authorization.
   */
  readonly callbackDomains?: readonly string[];
}

export interface AlipayOpenPlatformOptions {
  /** The platform's private key (PEM); the demo key by default. */
  readonly platformPrivateKey?: string;
  /** The apps the platform knows; the demo app by default. */
  readonly apps?: readonly AlipayRegisteredApp[];
  readonly authCodeTtlSeconds?: number;
  /** The platform's clock in milliseconds; tests move it to expire codes. */
  readonly now?: () => number;
  readonly maxMessagesPerUser?: number;
}

export interface AlipayTemplateMessage {
  /** The gateway's trace id of the call that sent it. */
  readonly id: string;
  readonly appId: string;
  readonly toUserId: string;
  readonly templateId: string;
  readonly page?: string;
  /** `data` as sent: the template's keyword values (a JSON object), or the raw text when it was not JSON. */
  readonly data: unknown;
  readonly receivedAt: string;
}

interface App {
  readonly appId: string;
  readonly publicKey: KeyObject;
  readonly templateIds: ReadonlySet<string>;
  readonly name: string;
  readonly callbackDomains: ReadonlySet<string>;
}

interface AuthCode {
  readonly appId: string;
  readonly userId: string;
  readonly expiresAt: number;
}

type Answer = Record<string, unknown>;
interface GatewayReply {
  /** `error_response` for errors raised before a method is known, or as the method answers them. */
  readonly responseKey: string;
  readonly answer: Answer;
}

const USER_ID = /^2088\d{12}$/;
const PLATFORM_NAME = { zh: '支付宝', en: 'Alipay' } as const;
const WEB_SCOPES = new Set(['auth_base', 'auth_user']);
const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const ACCESS_TOKEN_TTL_SECONDS = 1_296_000;
const REFRESH_TOKEN_TTL_SECONDS = 2_592_000;

const missing = (subCode: string, subMsg: string): Answer => ({ code: '40001', msg: 'Missing Required Arguments', sub_code: subCode, sub_msg: subMsg });
const invalid = (subCode: string, subMsg: string): Answer => ({ code: '40002', msg: 'Invalid Arguments', sub_code: subCode, sub_msg: subMsg });
const businessFailed = (subCode: string, subMsg: string): Answer => ({ code: '40004', msg: 'Business Failed', sub_code: subCode, sub_msg: subMsg });

function publicKeyFrom(text: string): KeyObject {
  return text.includes('-----BEGIN')
    ? createPublicKey(text)
    : createPublicKey({ key: Buffer.from(text.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
}

function demoApps(): AlipayRegisteredApp[] {
  return [
    {
      appId: DEMO_APP_ID,
      publicKey: readFileSync(DEMO_KEY_FILES.appPublic, 'utf8'),
      templateIds: [DEMO_TEMPLATE_ID],
      name: '互通城市服务',
      // The hub on loopback, whatever its port.
      callbackDomains: ['127.0.0.1', 'localhost'],
    },
  ];
}

async function readFormBody(req: http.IncomingMessage): Promise<URLSearchParams> {
  const body = await readRawBody(req);
  const type = req.headers['content-type'] ?? '';
  return type.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(body.toString('utf8')) : new URLSearchParams();
}

export function createAlipayOpenPlatform(options: AlipayOpenPlatformOptions = {}): {
  route: EmulatorRoute;
  inbox(userId: string): AlipayTemplateMessage[];
} {
  const now = options.now ?? Date.now;
  const codeTtlMs = (options.authCodeTtlSeconds ?? 300) * 1000;
  const maxMessagesPerUser = options.maxMessagesPerUser ?? 50;
  const platformKey = createPrivateKey(options.platformPrivateKey ?? readFileSync(DEMO_KEY_FILES.platformPrivate, 'utf8'));
  const apps = new Map<string, App>(
    (options.apps ?? demoApps()).map((app) => [
      app.appId,
      {
        appId: app.appId,
        publicKey: publicKeyFrom(app.publicKey),
        templateIds: new Set(app.templateIds),
        name: app.name ?? app.appId,
        callbackDomains: new Set(app.callbackDomains ?? []),
      },
    ]),
  );
  const authCodes = new Map<string, AuthCode>();
  const refreshTokens = new Map<string, AuthCode>();
  const openIds = new Map<string, string>();
  const inboxes = new Map<string, AlipayTemplateMessage[]>();

  /** An app sees each person under its own open_id; the platform remembers whom it stands for. */
  const openIdOf = (appId: string, userId: string): string => {
    const openId = `0${createHash('sha256').update(`${appId}:${userId}`).digest('base64url').slice(0, 45)}`;
    openIds.set(openId, userId);
    return openId;
  };

  const dropExpired = (store: Map<string, AuthCode>): void => {
    for (const [key, entry] of store) if (entry.expiresAt <= now()) store.delete(key);
  };

  const tokenAnswer = (appId: string, userId: string): Answer => {
    const refreshToken = `authusrB${randomBytes(16).toString('hex')}`;
    refreshTokens.set(refreshToken, { appId, userId, expiresAt: now() + REFRESH_TOKEN_TTL_SECONDS * 1000 });
    return {
      user_id: userId,
      open_id: openIdOf(appId, userId),
      access_token: `authusrB${randomBytes(16).toString('hex')}`,
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
      refresh_token: refreshToken,
      re_expires_in: REFRESH_TOKEN_TTL_SECONDS,
      auth_start: new Date(now()).toISOString().slice(0, 19).replace('T', ' '),
    };
  };

  /** `alipay.system.oauth.token`: the platform answers its own errors as `error_response`. */
  const oauthToken = (app: App, params: ReadonlyMap<string, string>): GatewayReply => {
    const responseKey = 'alipay_system_oauth_token_response';
    const grantType = params.get('grant_type') ?? '';
    if (grantType === 'authorization_code') {
      const code = params.get('code') ?? '';
      const entry = authCodes.get(code);
      authCodes.delete(code); // one-time, whatever the outcome
      if (!entry || entry.appId !== app.appId || entry.expiresAt <= now()) {
        return { responseKey: 'error_response', answer: invalid('isv.code-invalid', '授权码code无效') };
      }
      return { responseKey, answer: tokenAnswer(app.appId, entry.userId) };
    }
    if (grantType === 'refresh_token') {
      const token = params.get('refresh_token') ?? '';
      const entry = refreshTokens.get(token);
      if (!entry || entry.appId !== app.appId) return { responseKey: 'error_response', answer: invalid('isv.refresh-token-invalid', '刷新令牌refresh_token无效') };
      refreshTokens.delete(token);
      if (entry.expiresAt <= now()) return { responseKey: 'error_response', answer: invalid('isv.refresh-token-time-out', '刷新令牌refresh_token过期') };
      return { responseKey, answer: tokenAnswer(app.appId, entry.userId) };
    }
    return { responseKey: 'error_response', answer: invalid('isv.grant-type-invalid', 'grant_type参数不正确') };
  };

  /** `alipay.open.app.mini.templatemessage.send`: a template message into the person's Alipay inbox. */
  const sendTemplateMessage = (app: App, params: ReadonlyMap<string, string>, traceId: string): GatewayReply => {
    const responseKey = 'alipay_open_app_mini_templatemessage_send_response';
    let biz: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(params.get('biz_content') ?? '');
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError('not an object');
      biz = parsed as Record<string, unknown>;
    } catch {
      return { responseKey, answer: invalid('isv.invalid-biz-content', 'biz_content必须是JSON对象') };
    }
    const text = (name: string): string | undefined => (typeof biz[name] === 'string' && biz[name] !== '' ? (biz[name] as string) : undefined);
    const toOpenId = text('to_open_id');
    const toUserId = text('to_user_id') ?? (toOpenId ? openIds.get(toOpenId) : undefined);
    const templateId = text('user_template_id');
    if (!text('to_user_id') && !toOpenId) return { responseKey, answer: missing('isv.missing-to-user-id', '缺少接收用户to_user_id或to_open_id') };
    if (!templateId) return { responseKey, answer: missing('isv.missing-user-template-id', '缺少模板user_template_id') };
    if (!toUserId || !USER_ID.test(toUserId)) return { responseKey, answer: businessFailed('USER_NOT_EXIST', '接收消息的用户不存在') };
    if (!app.templateIds.has(templateId)) return { responseKey, answer: businessFailed('USER_TEMPLATE_ILLEGAL', '模板不存在或不属于该应用') };
    let data: unknown = biz.data;
    if (typeof data === 'string') {
      try {
        data = JSON.parse(data);
      } catch {
        // kept as the raw text the app sent
      }
    }
    const message: AlipayTemplateMessage = {
      id: traceId,
      appId: app.appId,
      toUserId,
      templateId,
      ...(text('page') ? { page: text('page') } : {}),
      data,
      receivedAt: new Date(now()).toISOString(),
    };
    const list = inboxes.get(toUserId) ?? [];
    list.push(message);
    if (list.length > maxMessagesPerUser) list.shift();
    inboxes.set(toUserId, list);
    return { responseKey, answer: { code: '10000', msg: 'Success' } };
  };

  const METHODS: Record<string, (app: App, params: ReadonlyMap<string, string>, traceId: string) => GatewayReply> = {
    'alipay.system.oauth.token': oauthToken,
    'alipay.open.app.mini.templatemessage.send': sendTemplateMessage,
  };

  /** Public-parameter and signature checks, in the order the real gateway reports them. */
  const gateway = (params: ReadonlyMap<string, string>, traceId: string): GatewayReply => {
    const method = params.get('method') ?? '';
    const handler = Object.hasOwn(METHODS, method) ? METHODS[method] : undefined;
    const methodKey = handler ? `${method.replaceAll('.', '_')}_response` : 'error_response';
    const fail = (answer: Answer): GatewayReply => ({ responseKey: methodKey, answer });
    if (!method) return fail(missing('isv.missing-method', '缺少方法名参数'));
    const appId = params.get('app_id') ?? '';
    if (!appId) return fail(missing('isv.missing-app-id', '缺少appId参数'));
    if (!params.get('sign_type')) return fail(missing('isv.missing-signature-type', '缺少签名类型参数'));
    if (!params.get('sign')) return fail(missing('isv.missing-signature', '缺少签名参数'));
    if (!params.get('timestamp')) return fail(missing('isv.missing-timestamp', '缺少时间戳参数'));
    if (!params.get('version')) return fail(missing('isv.missing-version', '缺少版本参数'));
    const app = apps.get(appId);
    if (!app) return fail(invalid('isv.invalid-app-id', '无效的AppID参数'));
    if (!handler) return fail(invalid('isv.invalid-method', '不存在的方法名'));
    if (params.get('version') !== '1.0') return fail(invalid('isv.invalid-version', '非法的版本参数'));
    if (!TIMESTAMP.test(params.get('timestamp') ?? '')) return fail(invalid('isv.invalid-timestamp', '非法的时间戳参数'));
    const charset = params.get('charset');
    if (charset !== undefined && charset.toLowerCase() !== 'utf-8') return fail(invalid('isv.invalid-charset', '字符集错误'));
    if (params.get('sign_type') !== 'RSA2') return fail(invalid('isv.invalid-signature-type', '无效的签名类型参数'));
    const content = requestSignContent(params);
    if (!verifyRsa2(content, params.get('sign') ?? '', app.publicKey)) {
      return fail(invalid('isv.invalid-signature', `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${content}`));
    }
    return handler(app, params, traceId);
  };

  const issueAuthCode = (appId: string, userId: string): string => {
    dropExpired(authCodes);
    const authCode = randomBytes(16).toString('hex');
    authCodes.set(authCode, { appId, userId, expiresAt: now() + codeTtlMs });
    return authCode;
  };

  /** The web authorization page: the app and redirect URI checked first, then the person's side. */
  const authorize = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const refuse = (code: string, zh: string, en: string): void => sendAuthorizeErrorPage(res, 400, { platformName: PLATFORM_NAME, code, zh, en });
    const appId = url.searchParams.get('app_id') ?? '';
    const scope = url.searchParams.get('scope') ?? '';
    const redirectUri = url.searchParams.get('redirect_uri') ?? '';
    const state = url.searchParams.get('state') ?? undefined;
    if (!appId || !scope || !redirectUri) return refuse('missing-parameter', '缺少必选参数 app_id、scope 或 redirect_uri', 'app_id, scope or redirect_uri is missing');
    const app = apps.get(appId);
    if (!app) return refuse('invalid-app-id', '应用不存在，请检查 app_id', 'no app with this app_id');
    if (!WEB_SCOPES.has(scope)) return refuse('invalid-scope', 'scope 参数无效', 'scope must be auth_base or auth_user');
    const host = httpHostname(redirectUri);
    if (host === undefined || !app.callbackDomains.has(host)) {
      return refuse('invalid-redirect-uri', 'redirect_uri 与应用的授权回调地址不一致', 'redirect_uri is not on the app\'s authorization callback address');
    }
    const back = { app_id: app.appId, source: 'alipay_wallet', scope };
    await actForDemoUser(req, res, url, {
      platform: 'alipay',
      platformName: PLATFORM_NAME,
      appName: app.name,
      isUserId: (userId) => USER_ID.test(userId),
      userIdHint: { zh: '以 2088 开头的 16 位数字；演示居民为 20880000 加手机号后 8 位', en: '16 digits starting with 2088; a demo resident is 20880000 and the last 8 digits of their phone' },
      grant: (userId) => withQuery(redirectUri, { ...back, auth_code: issueAuthCode(app.appId, userId), state }),
      deny: () => withQuery(redirectUri, { ...back, state }),
    });
  };

  const inbox = (userId: string): AlipayTemplateMessage[] => [...(inboxes.get(userId) ?? [])].reverse();

  const route: EmulatorRoute = async (req, res, url) => {
    if (!url.pathname.startsWith('/alipay/')) return false;

    if (url.pathname === '/alipay/gateway.do' && (req.method === 'POST' || req.method === 'GET')) {
      let body: URLSearchParams;
      try {
        body = await readFormBody(req);
      } catch {
        sendJson(res, 413, { code: 'PayloadTooLarge', message: 'request body too large' });
        return true;
      }
      const params = new Map<string, string>([...url.searchParams, ...body]);
      const traceId = randomBytes(16).toString('hex');
      const { responseKey, answer } = gateway(params, traceId);
      // The gateway answers HTTP 200 whatever the outcome; the outcome is in the signed JSON.
      const text = signedResponseText(responseKey, answer, platformKey);
      res.writeHead(200, { 'content-type': 'text/html;charset=utf-8', 'content-length': Buffer.byteLength(text), trace_id: traceId });
      res.end(text);
      return true;
    }

    if (url.pathname === '/alipay/oauth2/publicAppAuthorize.htm') {
      await authorize(req, res, url);
      return true;
    }

    if (req.method === 'POST' && url.pathname === '/alipay/_demo/auth-codes') {
      let body: { userId?: unknown; appId?: unknown };
      try {
        body = ((await readJsonBody(req)) ?? {}) as typeof body;
      } catch {
        sendJson(res, 400, { code: 'MalformedBody', message: 'body must be JSON' });
        return true;
      }
      const appId = body.appId === undefined ? DEMO_APP_ID : body.appId;
      if (typeof body.userId !== 'string' || !USER_ID.test(body.userId)) {
        sendJson(res, 400, { code: 'InvalidUserId', message: 'userId must be an Alipay user id: 16 digits starting with 2088' });
      } else if (typeof appId !== 'string' || !apps.has(appId)) {
        sendJson(res, 400, { code: 'InvalidAppId', message: 'no app with that id is registered on the emulator' });
      } else {
        sendJson(res, 201, { authCode: issueAuthCode(appId, body.userId), expiresInSeconds: codeTtlMs / 1000 });
      }
      return true;
    }

    const user = /^\/alipay\/_demo\/users\/([^/]+)\/messages$/.exec(url.pathname);
    if (req.method === 'GET' && user) {
      sendJson(res, 200, { messages: inbox(decodeURIComponent(user[1])) });
      return true;
    }

    sendJson(res, 404, { code: 'NotFound', message: 'no such Alipay open platform endpoint' });
    return true;
  };

  return { route, inbox };
}
