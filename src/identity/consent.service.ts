import { CitizenMemory } from './citizen-memory.ts';
import { hutongError } from '../errors.ts';
import type { ChannelId, Scope } from '../model/common.ts';
import type { Consent } from '../model/citizen.ts';
import type { AuditTrail } from '../audit/audit.trail.ts';
import type { ConsentRepository } from './consent.repository.ts';
import type { Principal } from './session.service.ts';

/** The consent text citizens agree to, by version; bumped when its wording changes. */
export const CONSENT_TEXT_VERSION = '2026-11-v1';

export const SCOPES: readonly Scope[] = ['traffic', 'living', 'medical', 'social', 'culture', 'civil'];

/**
 * Consent per channel × data scope: a channel reads a scope of a citizen's data only while the
 * citizen's consent for that channel and scope stands. Withdrawal takes effect on the next request.
 */
export class ConsentService {
  constructor(
    private readonly consents: ConsentRepository,
    private readonly audit: AuditTrail,
    private readonly memory: CitizenMemory = new CitizenMemory({ ttlMs: 0 }),
  ) {}

  checkTextVersion(textVersion: string): void {
    if (textVersion !== CONSENT_TEXT_VERSION) {
      throw hutongError('HUTONG_ERR_CONSENT_TEXT_OUTDATED', `Consent must be given to the current text (version ${CONSENT_TEXT_VERSION})`, {
        details: { currentTextVersion: CONSENT_TEXT_VERSION },
      });
    }
  }

  /** Grants the calling channel the scopes; returns the ones newly granted. */
  async grant(principal: Principal, scopes: readonly Scope[], textVersion: string): Promise<Scope[]> {
    this.checkTextVersion(textVersion);
    const granted = (await this.consents.grant(principal.citizenId, principal.channel, scopes, textVersion)) as Scope[];
    await this.memory.changed(principal.citizenId);
    if (granted.length > 0) {
      await this.audit.record({ actor: `citizen:${principal.citizenId}`, action: 'consent.grant', subject: `channel:${principal.channel}`, detail: { scopes: granted, textVersion } });
    }
    return granted;
  }

  async revoke(principal: Principal, scope: Scope): Promise<boolean> {
    const revoked = await this.consents.revoke(principal.citizenId, principal.channel, scope);
    await this.memory.changed(principal.citizenId);
    if (revoked) await this.audit.record({ actor: `citizen:${principal.citizenId}`, action: 'consent.revoke', subject: `channel:${principal.channel}`, detail: { scope } });
    return revoked;
  }

  /** Withdraws every consent of the calling channel; the scopes withdrawn. */
  async revokeChannel(principal: Principal): Promise<string[]> {
    const scopes = await this.consents.revokeChannel(principal.citizenId, principal.channel);
    await this.memory.changed(principal.citizenId);
    await this.audit.record({ actor: `citizen:${principal.citizenId}`, action: 'consent.revoke-all', subject: `channel:${principal.channel}`, detail: { scopes } });
    return scopes;
  }

  /** The scopes the calling channel may read now. */
  standing(principal: Principal): Promise<Set<string>> {
    return this.memory.remember(principal.citizenId, `consents:${principal.channel}`, () => this.consents.standingScopes(principal.citizenId, principal.channel));
  }

  /** Refuses with 403 unless the calling channel has standing consent for the scope. */
  async require(principal: Principal, scope: Scope): Promise<void> {
    if (!(await this.standing(principal)).has(scope)) {
      throw hutongError('HUTONG_ERR_CONSENT_REQUIRED', `This entrance has no consent to read your ${scope} data; give it under consents`, {
        details: { scope, channel: principal.channel },
      });
    }
  }

  async history(citizenId: string): Promise<Consent[]> {
    return (await this.consents.history(citizenId)).map((c) => ({
      channel: c.channel as ChannelId,
      scope: c.scope as Scope,
      textVersion: c.textVersion,
      grantedAt: c.grantedAt.toISOString(),
      ...(c.revokedAt ? { revokedAt: c.revokedAt.toISOString() } : {}),
    }));
  }
}
