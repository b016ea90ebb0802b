import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { hutongError } from '../../errors.ts';
import { maskPhone, validatePhone } from '../../model/identifiers.ts';
import type { SessionRepository } from '../../identity/session.repository.ts';
import type { Channel } from '../channel.ts';
import type { SmsClient } from './sms.client.ts';

export const WebLoginProof = Type.Object(
  {
    phone: Type.String({ minLength: 1, maxLength: 20, description: 'mainland mobile number' }),
    code: Type.String({ pattern: '^[0-9]{6}$', description: 'the 6-digit code sent by SMS' }),
  },
  { additionalProperties: false, title: 'WebLoginProof' },
);

/** Login-code rules: how long a code lives, how often one may be asked for, how many guesses. */
export const LOGIN_CODE_RULES: Readonly<{ ttlSeconds: number; resendAfterSeconds: number; maxPerHour: number; maxAttempts: number }> = Object.freeze({
  ttlSeconds: 300,
  resendAfterSeconds: 60,
  maxPerHour: 5,
  maxAttempts: 5,
});

export interface WebChannel extends Channel<typeof WebLoginProof> {
  /** Sends a one-time login code to the phone; throttled per phone. */
  sendLoginCode(phone: string, options: { signal: AbortSignal }): Promise<{ expiresInSeconds: number; resendAfterSeconds: number; sentTo: string }>;
}

function parsePhone(input: string): string {
  const phone = validatePhone(input);
  if (!phone.ok) throw hutongError('HUTONG_ERR_INVALID_PHONE', phone.reason);
  return phone.value;
}

/**
 * The plain web entrance: phone number plus a one-time code by SMS. The channel user id is the
 * phone number; codes are stored only as keyed hashes, used once, and guessed at most five times.
 */
export function createWebChannel(deps: {
  sessions: SessionRepository;
  sms: SmsClient;
  codeKey: () => Promise<string>;
  rules?: typeof LOGIN_CODE_RULES;
}): WebChannel {
  const rules = deps.rules ?? LOGIN_CODE_RULES;
  const hashCode = async (phone: string, code: string): Promise<string> =>
    createHmac('sha256', await deps.codeKey()).update(`${phone}:${code}`).digest('base64url');

  return {
    id: 'web',
    name: { zh: '网页', en: 'Web' },
    loginProofSchema: WebLoginProof,

    async sendLoginCode(input, { signal }) {
      const phone = parsePhone(input);
      const recent = await deps.sessions.recentLoginCodes('web', phone, new Date(Date.now() - 3_600_000));
      const sinceLatest = recent.latest ? (Date.now() - recent.latest.getTime()) / 1000 : Infinity;
      if (recent.count >= rules.maxPerHour || sinceLatest < rules.resendAfterSeconds) {
        const retryAfter = recent.count >= rules.maxPerHour ? 3600 : Math.ceil(rules.resendAfterSeconds - sinceLatest);
        throw hutongError('HUTONG_ERR_LOGIN_CODE_THROTTLED', 'A login code was sent recently; wait before asking again', {
          details: { retryAfterSeconds: retryAfter },
        });
      }
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      await deps.sessions.createLoginCode({
        channel: 'web',
        subject: phone,
        codeHash: await hashCode(phone, code),
        expiresAt: new Date(Date.now() + rules.ttlSeconds * 1000),
      });
      await deps.sms.send(phone, 'LOGIN_CODE', { code, minutes: String(rules.ttlSeconds / 60) }, { signal });
      return { expiresInSeconds: rules.ttlSeconds, resendAfterSeconds: rules.resendAfterSeconds, sentTo: maskPhone(phone) };
    },

    /** The web entrance's push: an SMS to the phone the person logged in with. */
    async sendMessage(channelUserId, message, { signal }) {
      const phone = parsePhone(channelUserId);
      const text = `${message.title}：${message.body}${message.link ? ` ${message.link}` : ''}`;
      await deps.sms.send(phone, 'REMINDER', { text }, { signal });
      return { messageId: `sms:${phone.slice(-4)}:${Date.now()}` };
    },

    async authenticate(proof) {
      const phone = parsePhone(proof.phone);
      const invalid = () => hutongError('HUTONG_ERR_LOGIN_CODE_INVALID', 'The login code is wrong, used or expired');
      const active = await deps.sessions.latestActiveLoginCode('web', phone);
      if (!active) throw invalid();
      const attempts = await deps.sessions.countLoginAttempt(active.id);
      if (attempts > rules.maxAttempts) throw invalid();
      const expected = Buffer.from(active.codeHash);
      const given = Buffer.from(await hashCode(phone, proof.code));
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
      if (!(await deps.sessions.consumeLoginCode(active.id))) throw invalid();
      return { channelUserId: phone };
    },
  };
}
