import { createHmac, type KeyObject } from 'node:crypto';
import { hutongError } from '../errors.ts';
import type { AuditTrail } from '../audit/audit.trail.ts';
import type { Shield } from '../shield/shield.ts';
import { maskNationalId, validateNationalId } from '../model/identifiers.ts';
import type { CitizenRepository } from './citizen.repository.ts';
import type { ConsentService } from './consent.service.ts';
import type { Principal, SessionService, TokenPair } from './session.service.ts';
import type { IdentityRegister } from './real-name/register.ts';

/** Scopes a proved national id opens for the entrance that proved it. */
export const NATIONAL_ID_SCOPES = ['traffic', 'medical', 'social', 'civil'] as const;

/** Failed checks allowed per citizen, and per national id, in a day: guessing names against ids stays slow. */
export const REAL_NAME_FAILURES_PER_DAY = 5;

const NAME = /^[\p{Script=Han}·A-Za-z ]{2,30}$/u;

/** A name as people write it: trimmed, Unicode NFC, the middle dot of minority names unified. */
export function normalizeName(raw: string): string {
  const name = raw.normalize('NFC').trim().replace(/[.•‧・]/g, '·').replace(/\s+/g, ' ');
  if (!NAME.test(name)) throw hutongError('HUTONG_ERR_INVALID_NAME', 'A name is 2 to 30 Chinese characters or letters, as on the identity card');
  return name;
}

/** Masks a name for display: the surname and the last character. */
export function maskName(name: string): string {
  const chars = [...name];
  if (chars.length <= 2) return `${chars[0]}*`;
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars.at(-1)}`;
}

export interface RealNameBinding {
  readonly citizenId: string;
  readonly name: string;
  readonly nationalId: string;
  readonly verifiedAt: string;
  /** True when this entrance joined a citizen who had proved the same identity elsewhere. */
  readonly joinedExistingCitizen: boolean;
  /** A new session for the joined citizen; the calling session ended with the citizen it belonged to. */
  readonly session?: TokenPair & { readonly tokenType: 'Bearer' };
}

/**
 * Real-name binding: a citizen proves name + national id with the public-security register. The
 * id has one holder in the hub, so a person who proves it in a second entrance becomes, there,
 * the citizen they already are — never by matching names alone.
 */
export class RealNameService {
  constructor(
    private readonly deps: {
      readonly citizens: CitizenRepository;
      readonly register: IdentityRegister;
      readonly shield: Shield;
      readonly sessions: SessionService;
      readonly consents: ConsentService;
      readonly audit: AuditTrail;
      /** Keys the hash under which checks of one id are counted. */
      readonly subjectKey: () => Promise<KeyObject>;
    },
  ) {}

  async current(principal: Principal): Promise<Omit<RealNameBinding, 'joinedExistingCitizen' | 'session'> | undefined> {
    const row = await this.deps.citizens.findRealName(principal.citizenId);
    return row && { citizenId: principal.citizenId, name: maskName(row.name), nationalId: maskNationalId(row.nationalId), verifiedAt: row.verifiedAt.toISOString() };
  }

  async bind(principal: Principal, input: { name: string; nationalId: string; consentTextVersion: string }, options: { signal: AbortSignal }): Promise<RealNameBinding> {
    const { citizens, consents, audit } = this.deps;
    const name = normalizeName(input.name);
    const id = validateNationalId(input.nationalId.trim());
    if (!id.ok) throw hutongError('HUTONG_ERR_INVALID_NATIONAL_ID', id.reason);
    const nationalId = id.value;
    consents.checkTextVersion(input.consentTextVersion);

    const bound = await citizens.findRealName(principal.citizenId);
    if (bound && bound.nationalId !== nationalId) {
      throw hutongError('HUTONG_ERR_REAL_NAME_ALREADY_BOUND', 'This account has proved another identity; one account is one person');
    }
    if (bound && bound.name === name) {
      return { citizenId: principal.citizenId, name: maskName(name), nationalId: maskNationalId(nationalId), verifiedAt: bound.verifiedAt.toISOString(), joinedExistingCitizen: false };
    }

    const subjectHash = createHmac('sha256', await this.deps.subjectKey()).update(`national-id|${nationalId}`).digest('base64url');
    const since = new Date(Date.now() - 86_400_000);
    const [byCitizen, bySubject] = await Promise.all([
      citizens.countFailedRealNameChecks({ citizenId: principal.citizenId }, since),
      citizens.countFailedRealNameChecks({ subjectHash }, since),
    ]);
    if (byCitizen >= REAL_NAME_FAILURES_PER_DAY || bySubject >= REAL_NAME_FAILURES_PER_DAY) {
      throw hutongError('HUTONG_ERR_REAL_NAME_THROTTLED', 'Too many identity checks failed today; try again tomorrow or visit a service desk');
    }
    const register = this.deps.register;
    const { value: outcome } = await this.deps.shield.call({
      department: register.department,
      key: `real-name|${subjectHash}`,
      ttlMs: 0,
      load: (signal) => register.check({ name, nationalId }, { signal: AbortSignal.any([signal, options.signal]) }),
    });
    await citizens.recordRealNameCheck({ citizenId: principal.citizenId, subjectHash, outcome });
    if (outcome !== 'match') {
      await audit.record({ actor: `citizen:${principal.citizenId}`, action: 'real-name.refused', subject: `channel:${principal.channel}` });
      // One answer for "wrong name" and "no such id": the hub does not tell whether an id exists.
      throw hutongError('HUTONG_ERR_REAL_NAME_MISMATCH', 'The name and national id do not match the public-security register');
    }

    const result = await citizens.bindRealName({
      citizenId: principal.citizenId,
      name,
      nationalId,
      verifiedBy: register.department,
      consentChannel: principal.channel,
      consentTextVersion: input.consentTextVersion,
    });
    const joinedPrincipal: Principal = { ...principal, citizenId: result.citizenId };
    await consents.grant(joinedPrincipal, NATIONAL_ID_SCOPES, input.consentTextVersion);
    await audit.record({
      actor: `citizen:${result.citizenId}`,
      action: result.joined ? 'real-name.join' : 'real-name.bind',
      subject: `channel:${principal.channel}`,
      detail: result.joined ? { joinedFrom: principal.citizenId } : {},
    });
    const verifiedAt = (await citizens.findRealName(result.citizenId))?.verifiedAt ?? new Date();
    const binding = { citizenId: result.citizenId, name: maskName(name), nationalId: maskNationalId(nationalId), verifiedAt: verifiedAt.toISOString() };
    if (!result.joined) return { ...binding, joinedExistingCitizen: false };
    const { sessionId: _ended, ...tokens } = await this.deps.sessions.issue(result.citizenId, principal.channel);
    return { ...binding, joinedExistingCitizen: true, session: { ...tokens, tokenType: 'Bearer' } };
  }
}
