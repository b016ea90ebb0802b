import { hutongError } from '../errors.ts';
import type { Citizen, LinkedIdentifier } from '../model/citizen.ts';
import type { ChannelId, IdentifierKind, Scope } from '../model/common.ts';
import { maskPlate, validatePlate } from '../model/identifiers.ts';
import type { AuditTrail } from '../audit/audit.trail.ts';
import type { CitizenRepository, IdentifierRow } from './citizen.repository.ts';
import type { Principal } from './session.service.ts';

/** The consent text a citizen accepts when linking an identifier; bumped when its wording changes. */
export const IDENTIFIER_CONSENT_TEXT_VERSION = '2026-11-v1';

/** Identifier kinds a citizen can link so far, each with its validation and masking. */
const LINKABLE: Partial<Record<IdentifierKind, { scope: Scope; normalize(value: string): string; mask(value: string): string }>> = {
  plate: {
    scope: 'traffic',
    normalize(value) {
      const plate = validatePlate(value);
      if (!plate.ok) throw hutongError('HUTONG_ERR_INVALID_PLATE', plate.reason);
      return plate.value.plate;
    },
    mask: maskPlate,
  },
};

export function normalizeIdentifier(kind: IdentifierKind, value: string): string {
  const rules = LINKABLE[kind];
  if (!rules) throw hutongError('HUTONG_ERR_IDENTIFIER_KIND_UNSUPPORTED', `Identifiers of kind "${kind}" cannot be linked yet`);
  return rules.normalize(value);
}

export function toLinkedIdentifier(row: IdentifierRow): LinkedIdentifier {
  const rules = LINKABLE[row.kind as IdentifierKind];
  return {
    id: row.id,
    kind: row.kind as IdentifierKind,
    value: row.value,
    display: rules ? rules.mask(row.value) : '***',
    linkedAt: row.createdAt.toISOString(),
    consent: { channel: row.consentChannel as ChannelId, textVersion: row.consentTextVersion, grantedAt: row.consentedAt.toISOString() },
  };
}

/** What a citizen can see and change of their own profile. */
export class CitizenService {
  constructor(
    private readonly citizens: CitizenRepository,
    private readonly audit: AuditTrail,
  ) {}

  async getProfile(principal: Principal): Promise<Citizen> {
    const citizen = await this.citizens.findCitizen(principal.citizenId);
    if (!citizen) throw hutongError('HUTONG_ERR_UNAUTHENTICATED', 'The citizen of this session no longer exists');
    const [identities, identifiers] = await Promise.all([
      this.citizens.listIdentities(principal.citizenId),
      this.citizens.listIdentifiers(principal.citizenId),
    ]);
    return {
      id: citizen.id,
      createdAt: citizen.createdAt.toISOString(),
      identities: identities.map((i) => ({ channel: i.channel as ChannelId, linkedAt: i.createdAt.toISOString(), lastLoginAt: i.lastLoginAt.toISOString() })),
      identifiers: identifiers.map(toLinkedIdentifier),
      consents: identifiers.flatMap((i) => {
        const scope = LINKABLE[i.kind as IdentifierKind]?.scope;
        return scope ? [{ channel: i.consentChannel as ChannelId, scope, textVersion: i.consentTextVersion, grantedAt: i.consentedAt.toISOString() }] : [];
      }),
    };
  }

  async listIdentifiers(principal: Principal): Promise<LinkedIdentifier[]> {
    return (await this.citizens.listIdentifiers(principal.citizenId)).map(toLinkedIdentifier);
  }

  /** Links an identifier after validating it; the consent to the current text is recorded with it. */
  async linkIdentifier(
    principal: Principal,
    input: { kind: IdentifierKind; value: string; consentTextVersion: string },
  ): Promise<{ identifier: LinkedIdentifier; created: boolean }> {
    const value = normalizeIdentifier(input.kind, input.value);
    if (input.consentTextVersion !== IDENTIFIER_CONSENT_TEXT_VERSION) {
      throw hutongError('HUTONG_ERR_CONSENT_REQUIRED', `Accept the current consent text (version ${IDENTIFIER_CONSENT_TEXT_VERSION}) to link an identifier`, {
        details: { currentTextVersion: IDENTIFIER_CONSENT_TEXT_VERSION },
      });
    }
    const result = await this.citizens.linkIdentifier({
      citizenId: principal.citizenId,
      kind: input.kind,
      value,
      consentChannel: principal.channel,
      consentTextVersion: input.consentTextVersion,
    });
    if ('heldByOther' in result) {
      throw hutongError('HUTONG_ERR_IDENTIFIER_ALREADY_LINKED', 'This identifier is already linked to another citizen; ask the city service desk to transfer it');
    }
    if (result.created) {
      await this.audit.record({ actor: `citizen:${principal.citizenId}`, action: 'identifier.link', subject: `identifier:${result.identifier.id}`, detail: { kind: input.kind, channel: principal.channel } });
    }
    return { identifier: toLinkedIdentifier(result.identifier), created: result.created };
  }

  async unlinkIdentifier(principal: Principal, identifierId: string): Promise<void> {
    if (!(await this.citizens.unlinkIdentifier(principal.citizenId, identifierId))) {
      throw hutongError('HUTONG_ERR_IDENTIFIER_NOT_FOUND', 'You have no linked identifier with that id');
    }
    await this.audit.record({ actor: `citizen:${principal.citizenId}`, action: 'identifier.unlink', subject: `identifier:${identifierId}` });
  }
}
