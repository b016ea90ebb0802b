import { createHmac } from 'node:crypto';
import { callPlatform, channelUnavailable, jsonObject } from '../oauth2/platform-call.ts';

export interface TopClientOptions {
  /** `https://eco.taobao.com/router/rest`, or the emulator's `<emulators>/taobao/router/rest`. */
  readonly gateway: string;
  readonly appKey: string;
  /** The signing key; never sent, logged or put in an error message. */
  readonly appSecret: string;
  readonly now?: () => number;
}

/** TOP timestamps are `yyyy-MM-dd HH:mm:ss` in UTC+8, whatever the caller's zone. */
export function topTimestamp(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** TOP's `hmac-sha256` signature: every parameter but `sign`, sorted by name, as `name + value`, upper-case hex. */
export function topSign(params: Readonly<Record<string, string>>, secret: string): string {
  const joined = Object.keys(params)
    .filter((name) => name !== 'sign')
    .sort()
    .map((name) => `${name}${params[name]}`)
    .join('');
  return createHmac('sha256', secret).update(joined, 'utf8').digest('hex').toUpperCase();
}

/**
 * Calls one TOP (Taobao Open Platform) API method through the router, signed with `hmac-sha256`,
 * and returns the method's `…_response` object. An `error_response` becomes
 * `HUTONG_ERR_CHANNEL_UNAVAILABLE` carrying TOP's code and sub-code.
 *
 * @example
 *   const result = await callTop(top, 'taobao.miniapp.message.send', { to_open_uid, title, content }, signal)
 */
export async function callTop(options: TopClientOptions, method: string, appParams: Readonly<Record<string, string>>, signal: AbortSignal): Promise<Record<string, unknown>> {
  const params: Record<string, string> = {
    ...appParams,
    method,
    app_key: options.appKey,
    timestamp: topTimestamp((options.now ?? Date.now)()),
    format: 'json',
    v: '2.0',
    sign_method: 'hmac-sha256',
  };
  params.sign = topSign(params, options.appSecret);
  const answer = await callPlatform(
    'Taobao',
    `the TOP call ${method}`,
    new URL(options.gateway),
    { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' }, body: new URLSearchParams(params).toString() },
    signal,
  );
  const body = jsonObject(answer);
  if (answer.status !== 200 || !body) throw channelUnavailable(`Taobao answered the TOP call ${method} with HTTP ${answer.status}`);
  const error = body.error_response as { code?: unknown; sub_code?: unknown } | undefined;
  if (error !== undefined) {
    const code = typeof error.code === 'number' || typeof error.code === 'string' ? String(error.code) : '?';
    const subCode = typeof error.sub_code === 'string' ? error.sub_code : undefined;
    throw channelUnavailable(`Taobao refused the TOP call ${method}: code ${code}${subCode ? ` (${subCode})` : ''}`, { details: { platformCode: code, subCode } });
  }
  const responseName = `${method.replace(/^taobao\./, '').replace(/\./g, '_')}_response`;
  const result = body[responseName];
  if (typeof result !== 'object' || result === null) throw channelUnavailable(`Taobao answered the TOP call ${method} without ${responseName}`);
  return result as Record<string, unknown>;
}
