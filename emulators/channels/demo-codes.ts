import type http from 'node:http';
import { readJsonBody, readRawBody, sendJson } from '../http-kit.ts';

/**
 * Reads a `/_demo/auth-codes` request, as the platform's app would issue a code for a person:
 * a JSON body with a `userId`. Answers 400 itself and returns undefined when the body is unusable.
 */
export async function readDemoCodeRequest<T extends Record<string, unknown>>(
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<(T & { userId: string }) | undefined> {
  let body: Record<string, unknown>;
  try {
    body = ((await readJsonBody(req)) ?? {}) as Record<string, unknown>;
  } catch {
    sendJson(res, 400, { code: 'MalformedBody', message: 'body must be JSON' });
    return undefined;
  }
  if (typeof body.userId !== 'string' || body.userId === '' || body.userId.length > 64) {
    sendJson(res, 400, { code: 'InvalidUser', message: 'userId must be a non-empty string of at most 64 characters' });
    return undefined;
  }
  return body as T & { userId: string };
}

/** The emulated platforms whose apps have a signed-in person the authorization pages act for. */
export type DemoPlatform = 'alipay' | 'wechat' | 'weibo' | 'taobao';

/** The emulated app's signed-in person: the cookie `demo_user_<platform>=<userId>` on the emulator origin. */
export function demoUserCookieName(platform: DemoPlatform): string {
  return `demo_user_${platform}`;
}

const MAX_USER_ID_LENGTH = 64;
const MAX_FORM_BYTES = 16 * 1024;

function cookieValue(req: http.IncomingMessage, name: string): string | undefined {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at < 0 || pair.slice(0, at).trim() !== name) continue;
    try {
      return decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * `uri` with `params` added to its query, before any fragment, the rest kept byte for byte (the
 * hub compares its callback exactly). Undefined values are left out.
 */
export function withQuery(uri: string, params: Readonly<Record<string, string | undefined>>): string {
  const hashAt = uri.indexOf('#');
  const [base, fragment] = hashAt < 0 ? [uri, ''] : [uri.slice(0, hashAt), uri.slice(hashAt)];
  const added = new URLSearchParams(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined)).toString();
  if (added === '') return uri;
  const joiner = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${joiner}${added}${fragment}`;
}

/** The hostname of an absolute http(s) URL, or undefined for anything else. */
export function httpHostname(uri: string): string | undefined {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.hostname : undefined;
  } catch {
    return undefined;
  }
}

function redirect(res: http.ServerResponse, location: string, setCookie?: string): void {
  res.writeHead(302, { location, 'cache-control': 'no-store', ...(setCookie ? { 'set-cookie': setCookie } : {}) });
  res.end();
}

function sendHtml(res: http.ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), 'cache-control': 'no-store' });
  res.end(html);
}

const PAGE_STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f5f5f5;color:#1a1a1a}' +
  'main{max-width:26rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px}' +
  'h1{font-size:1.25rem}label{display:block;font-weight:600;margin-top:1rem}' +
  'input{width:100%;box-sizing:border-box;font:inherit;padding:.5rem;margin-top:.25rem;border:1px solid #555;border-radius:4px}' +
  '.hint{color:#444;font-size:.875rem}.error{color:#a00000;font-weight:600}' +
  'button{font:inherit;padding:.6rem 1rem;margin:1rem .5rem 0 0;border-radius:4px;border:1px solid #1a1a1a;background:#fff;color:#1a1a1a}' +
  'button[value=allow]{background:#0b57d0;border-color:#0b57d0;color:#fff}' +
  ':focus-visible{outline:3px solid #e8a200;outline-offset:2px}';

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/**
 * The platform's error page for an authorization request it refuses (unknown app, redirect URI it
 * may not send anyone to): shown to the person, never a redirect.
 */
export function sendAuthorizeErrorPage(
  res: http.ServerResponse,
  status: number,
  error: { readonly platformName: { readonly zh: string; readonly en: string }; readonly code: string; readonly zh: string; readonly en: string },
): void {
  const title = `${escapeHtml(error.platformName.zh)}授权出错 · <span lang="en">${escapeHtml(error.platformName.en)} authorization error</span>`;
  sendHtml(
    res,
    status,
    page(
      `${escapeHtml(error.platformName.zh)}授权出错 · ${escapeHtml(error.platformName.en)} authorization error`,
      `<h1>${title}</h1>
<p role="alert">${escapeHtml(error.zh)}<br><span lang="en">${escapeHtml(error.en)}</span></p>
<p>错误代码 <span lang="en">Error code</span>: <code>${escapeHtml(error.code)}</code></p>`,
    ),
  );
}

/** The user id hint of the platforms whose demo people are `demo-` and the last 8 digits of their phone. */
export const DEMO_USER_ID_HINT = Object.freeze({
  zh: '演示居民为 demo- 加手机号后 8 位，如 demo-00001234',
  en: 'a demo resident is demo- and the last 8 digits of their phone, e.g. demo-00001234',
});

export interface DemoAuthorizeOptions {
  readonly platform: DemoPlatform;
  readonly platformName: { readonly zh: string; readonly en: string };
  /** The app asking, as the platform shows it to the person. */
  readonly appName: string;
  /** Whether the text is a user id of this platform; any id passes it only when it is at most 64 characters. */
  readonly isUserId: (userId: string) => boolean;
  readonly userIdHint: { readonly zh: string; readonly en: string };
  /** Where the browser goes when the person agrees: the redirect URI with a fresh one-time code and the state. */
  readonly grant: (userId: string) => string;
  /** Where it goes when the person declines. */
  readonly deny: () => string;
}

/**
 * The person's side of an authorization page, once the platform has accepted the app and the
 * redirect URI, acting for whoever is signed in to the emulated app:
 * - GET with the `demo_user_<platform>` cookie: silent authorization, 302 to `grant(userId)`;
 * - GET without it: a page asking whom to sign in as, with a form posting back to the same URL;
 * - POST `decision=allow&user_id=…`: signs that person in (sets the cookie) and grants;
 *   POST `decision=deny`: 302 to `deny()`.
 */
export async function actForDemoUser(req: http.IncomingMessage, res: http.ServerResponse, url: URL, options: DemoAuthorizeOptions): Promise<void> {
  const cookieName = demoUserCookieName(options.platform);
  const valid = (userId: string | undefined): userId is string =>
    userId !== undefined && userId !== '' && userId.length <= MAX_USER_ID_LENGTH && !/[\s;,]/.test(userId) && options.isUserId(userId);

  if (req.method === 'GET') {
    const signedIn = cookieValue(req, cookieName);
    if (valid(signedIn)) return redirect(res, options.grant(signedIn));
    return sendHtml(res, 200, authorizePage(url, options));
  }
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'GET, POST' }).end();
    return;
  }
  let form: URLSearchParams;
  try {
    const body = (await readRawBody(req, MAX_FORM_BYTES)).toString('utf8');
    form = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(body) : new URLSearchParams();
  } catch {
    res.writeHead(413).end();
    return;
  }
  if (form.get('decision') === 'deny') return redirect(res, options.deny());
  const userId = form.get('user_id')?.trim();
  if (!valid(userId)) return sendHtml(res, 400, authorizePage(url, options, userId ?? ''));
  redirect(res, options.grant(userId), `${cookieName}=${encodeURIComponent(userId)}; Path=/${options.platform}; HttpOnly; SameSite=Lax`);
}

function authorizePage(url: URL, options: DemoAuthorizeOptions, rejectedUserId?: string): string {
  const zh = escapeHtml(options.platformName.zh);
  const en = escapeHtml(options.platformName.en);
  const app = escapeHtml(options.appName);
  const invalid = rejectedUserId !== undefined;
  const error = invalid
    ? `<p id="user-id-error" class="error" role="alert">这不是有效的${zh}用户 ID。<span lang="en">That is not a valid ${en} user id.</span></p>\n`
    : '';
  return page(
    `登录${zh} · Log in to ${en}`,
    `<h1>登录${zh} <span lang="en">· Log in to ${en}</span></h1>
<p>「${app}」请求获取你的${zh}身份以登录。<br><span lang="en">“${app}” asks to log you in with your ${en} account.</span></p>
<p class="hint">这是互通的${zh}模拟器：填写要以其身份登录的用户。<span lang="en">This is Hutong’s ${en} emulator: enter the person to sign in as.</span></p>
<form method="post" action="${escapeHtml(`${url.pathname}${url.search}`)}">
<label for="user-id">用户 ID <span lang="en">User id</span></label>
<p id="user-id-hint" class="hint">${escapeHtml(options.userIdHint.zh)} <span lang="en">${escapeHtml(options.userIdHint.en)}</span></p>
${error}<input id="user-id" name="user_id" type="text" required maxlength="${MAX_USER_ID_LENGTH}" autocomplete="username" autocapitalize="none" spellcheck="false" value="${escapeHtml(rejectedUserId ?? '')}" aria-describedby="user-id-hint${invalid ? ' user-id-error' : ''}"${invalid ? ' aria-invalid="true" autofocus' : ''}>
<button type="submit" name="decision" value="allow">同意并登录 <span lang="en">Agree and log in</span></button>
<button type="submit" name="decision" value="deny" formnovalidate>拒绝 <span lang="en">Decline</span></button>
</form>`,
  );
}
