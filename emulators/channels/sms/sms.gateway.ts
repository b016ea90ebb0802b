import { randomUUID, timingSafeEqual } from 'node:crypto';
import { readJsonBody, sendJson, type EmulatorRoute } from '../../http-kit.ts';

/**
 * The SMS gateway emulator: the hub sends login codes and reminders through its REST API with an
 * app key, and each handset's inbox can be read back, as a person would read their phone.
 *
 * - `POST /sms/v1/messages` `Authorization: Bearer <appKey>` `{ phone, signName, template, params }`
 * - `GET /sms/v1/handsets/{phone}/messages` — what that phone received, newest first.
 */
export interface SmsMessage {
  readonly id: string;
  readonly phone: string;
  readonly text: string;
  readonly receivedAt: string;
}

/** Message templates the gateway has approved, as real SMS providers require. */
const TEMPLATES: Record<string, (params: Record<string, string>) => string> = {
  LOGIN_CODE: (p) => `您的登录验证码为${p.code}，${p.minutes ?? '5'}分钟内有效，请勿告诉他人。`,
  REMINDER: (p) => `${p.text ?? ''}`,
};

const PHONE = /^1[3-9]\d{9}$/;

export function createSmsGateway(options: { appKey: string; maxPerHandset?: number }): { route: EmulatorRoute; inbox(phone: string): SmsMessage[] } {
  const handsets = new Map<string, SmsMessage[]>();
  const maxPerHandset = options.maxPerHandset ?? 50;
  const expectedKey = Buffer.from(`Bearer ${options.appKey}`);

  const authorized = (header: string | undefined): boolean => {
    const given = Buffer.from(header ?? '');
    return given.length === expectedKey.length && timingSafeEqual(given, expectedKey);
  };

  const inbox = (phone: string): SmsMessage[] => [...(handsets.get(phone) ?? [])].reverse();

  const route: EmulatorRoute = async (req, res, url) => {
    if (!url.pathname.startsWith('/sms/')) return false;
    if (req.method === 'POST' && url.pathname === '/sms/v1/messages') {
      if (!authorized(req.headers.authorization)) {
        sendJson(res, 401, { code: 'InvalidAppKey', message: 'app key missing or wrong' });
        return true;
      }
      let body: { phone?: unknown; signName?: unknown; template?: unknown; params?: unknown };
      try {
        body = ((await readJsonBody(req)) ?? {}) as typeof body;
      } catch {
        sendJson(res, 400, { code: 'MalformedBody', message: 'body must be JSON' });
        return true;
      }
      const template = typeof body.template === 'string' ? TEMPLATES[body.template] : undefined;
      if (typeof body.phone !== 'string' || !PHONE.test(body.phone)) {
        sendJson(res, 400, { code: 'InvalidPhone', message: 'phone must be a mainland mobile number' });
      } else if (!template) {
        sendJson(res, 400, { code: 'InvalidTemplate', message: 'unknown template' });
      } else if (typeof body.signName !== 'string' || body.signName === '') {
        sendJson(res, 400, { code: 'InvalidSignName', message: 'signName is required' });
      } else {
        const params = (typeof body.params === 'object' && body.params !== null ? body.params : {}) as Record<string, string>;
        const message: SmsMessage = {
          id: randomUUID(),
          phone: body.phone,
          text: `【${body.signName}】${template(params)}`,
          receivedAt: new Date().toISOString(),
        };
        const list = handsets.get(body.phone) ?? [];
        list.push(message);
        if (list.length > maxPerHandset) list.shift();
        handsets.set(body.phone, list);
        sendJson(res, 200, { code: 'OK', messageId: message.id });
      }
      return true;
    }
    const handset = /^\/sms\/v1\/handsets\/([^/]+)\/messages$/.exec(url.pathname);
    if (req.method === 'GET' && handset) {
      sendJson(res, 200, { messages: inbox(decodeURIComponent(handset[1])) });
      return true;
    }
    sendJson(res, 404, { code: 'NotFound', message: 'no such SMS gateway endpoint' });
    return true;
  };

  return { route, inbox };
}
