import { hutongError } from '../../errors.ts';
import type { IdentityRegister } from './register.ts';

export interface NciicRegisterOptions {
  /** The check endpoint, e.g. `<emulators>/public-security/nciic/v1/check`. */
  readonly url: string;
  /** The hub's licence with the register; a secret, never logged. */
  readonly license: string;
}

const OUTCOMES = { '1': 'match', '2': 'mismatch', '3': 'not-found' } as const;

/**
 * The public-security identity check over its JSON protocol: `{ xm, gmsfhm }` with the hub's
 * licence in `X-Nciic-License`, answered `{ code: "0000", data: { result: "1" | "2" | "3" } }`.
 */
export function createNciicRegister(options: NciicRegisterOptions): IdentityRegister {
  return {
    department: 'national/public-security',
    async check(person, { signal }) {
      let response: Response;
      try {
        response = await fetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-nciic-license': options.license },
          body: JSON.stringify({ xm: person.name, gmsfhm: person.nationalId }),
          signal,
          redirect: 'error',
        });
      } catch (error) {
        if (signal.aborted) throw error;
        throw hutongError('HUTONG_ERR_DEPARTMENT_UNREACHABLE', 'The public-security identity register could not be reached', { cause: error });
      }
      const body = (await response.json().catch(() => undefined)) as { code?: unknown; message?: unknown; data?: { result?: unknown } } | undefined;
      if (response.status === 429) throw hutongError('HUTONG_ERR_DEPARTMENT_THROTTLED', 'The public-security identity register is throttling the hub');
      if (!response.ok || body?.code !== '0000') {
        // The register's own code only: its message may repeat what was asked.
        throw hutongError('HUTONG_ERR_DEPARTMENT_FAULT', `The public-security identity register answered HTTP ${response.status}, code ${String(body?.code ?? 'none')}`);
      }
      const outcome = OUTCOMES[String(body.data?.result) as keyof typeof OUTCOMES];
      if (!outcome) throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', 'The public-security identity register answered a result the hub does not know');
      return outcome;
    },
  };
}
