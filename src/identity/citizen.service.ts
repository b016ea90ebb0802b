import { hutongError } from '../errors.ts';
import type { Citizen, LinkedIdentifier } from '../model/citizen.ts';
import type { ChannelId, IdentifierKind, Scope } from '../model/common.ts';
import { maskNationalId, maskPlate, validateNationalId, validatePlate } from '../model/identifiers.ts';
import type { AuditTrail } from '../audit/audit.trail.ts';
import { CONSENT_TEXT_VERSION, type ConsentService } from './consent.service.ts';
import type { CitizenRepository, IdentifierRow } from './citizen.repository.ts';
import type { Principal } from './session.service.ts';
import { maskName } from './real-name.service.ts';

/** Linking an identifier is consent, under the current text, for the channel to read the scopes it opens. */
export const IDENTIFIER_CONSENT_TEXT_VERSION = CONSENT_TEXT_VERSION;

interface IdentifierRules {
  /** Data scopes the identifier opens; consent to link it is consent for these. */
  readonly scopes: readonly Scope[];
  /** Issued by one department (a utility account): linking names the issuer. */
  readonly issued: boolean;
  normalize(value: string): string;
  mask(value: string): string;
}

function digits(label: string, min: number, max: number): Pick<IdentifierRules, 'normalize' | 'mask'> {
  const pattern = new RegExp(`^\\d{${min},${max}}$`);
  return {
    normalize(value) {
      const compact = value.replace(/[\s-]/g, '');
      if (!pattern.test(compact)) throw hutongError('HUTONG_ERR_INVALID_IDENTIFIER', `A ${label} is ${min} to ${max} digits`);
      return compact;
    },
    mask: (value) => `${'*'.repeat(Math.max(0, value.length - 4))}${value.slice(-4)}`,
  };
}

/** Identifier kinds a citizen can link, each with its validation, masking and the scopes it opens. */
const LINKABLE: Partial<Record<IdentifierKind, IdentifierRules>> = {
  plate: {
    scopes: ['traffic'],
    issued: false,
    normalize(value) {
      const plate = validatePlate(value);
      if (!plate.ok) throw hutongError('HUTONG_ERR_INVALID_PLATE', plate.reason);
      return plate.value.plate;
    },
    mask: maskPlate,
  },
  'national-id': {
    scopes: ['traffic', 'medical', 'social', 'civil'],
    issued: false,
    normalize(value) {
      const id = validateNationalId(value.trim());
      if (!id.ok) throw hutongError('HUTONG_ERR_INVALID_NATIONAL_ID', id.reason);
      return id.value;
    },
    mask: maskNationalId,
  },
  'utility-account': { scopes: ['living'], issued: true, ...digits('utility account number', 6, 20) },
  'library-card': { scopes: ['culture'], issued: true, ...digits('library card number', 8, 16) },
};

function rulesFor(kind: IdentifierKind): IdentifierRules {
  const rules = LINKABLE[kind];
  if (!rules) throw hutongError('HUTONG_ERR_IDENTIFIER_KIND_UNSUPPORTED', `Identifiers of kind "${kind}" cannot be linked yet`);
  return rules;
}

/** Whether identifiers of a kind are issued by one department (utility accounts, library cards) rather than nationally. */
export function issuedByDepartment(kind: string): boolean {
  return LINKABLE[kind as IdentifierKind]?.issued ?? false;
}

export function normalizeIdentifier(kind: IdentifierKind, value: string): string {
  return rulesFor(kind).normalize(value);
}

export function toLinkedIdentifier(row: IdentifierRow): LinkedIdentifier {
  const rules = LINKABLE[row.kind as IdentifierKind];
  const [cityId, departmentId] = row.issuer?.split('/') ?? [];
  return {
    id: row.id,
    kind: row.kind as IdentifierKind,
    value: row.value,
    display: rules ? rules.mask(row.value) : '***',
    ...(cityId && departmentId ? { issuer: { cityId, departmentId } } : {}),
    linkedAt: row.createdAt.toISOString(),
    ...(row.verifiedAt && row.verifiedBy ? { verified: { by: row.verifiedBy, at: row.verifiedAt.toISOString() } } : {}),
    consent: { channel: row.consentChannel as ChannelId, textVersion: row.consentTextVersion, grantedAt: row.consentedAt.toISOString() },
  };
}

/** The slice of the catalog linking needs: which departments issue identifiers of a kind. */
export interface IssuerDirectory {
  /** True when the city's department issues identifiers of the kind (a service of it requires them). */
  issues(cityId: string, departmentId: string, kind: IdentifierKind): boolean;
}

/** Confirms with the issuing department that a person holds an identifier (`HolderVerifier`). */
export interface IdentifierHolderCheck {
  /** Resolves with the confirming department (`city/department`); rejects with a `HutongError` otherwise. */
  verify(
    identifier: { kind: IdentifierKind; value: string; issuer?: { cityId: string; departmentId: string } },
    holder: { name: string; nationalId: string },
    options: { signal: AbortSignal },
  ): Promise<{ verifiedBy: string }>;
}

/** What a citizen can see and change of their own profile. */
export class CitizenService {
  constructor(
    private readonly citizens: CitizenRepository,
    private readonly audit: AuditTrail,
    private readonly issuers: IssuerDirectory,
    private readonly consents: ConsentService,
    private readonly holders: IdentifierHolderCheck,
  ) {}

  async getProfile(principal: Principal): Promise<Citizen> {
    const citizen = await this.citizens.findCitizen(principal.citizenId);
    if (!citizen) throw hutongError('HUTONG_ERR_UNAUTHENTICATED', 'The citizen of this session no longer exists');
    const [identities, identifiers, realName] = await Promise.all([
      this.citizens.listIdentities(principal.citizenId),
      this.citizens.listIdentifiers(principal.citizenId, undefined, { includeUnverified: true }),
      this.citizens.findRealName(principal.citizenId),
    ]);
    return {
      id: citizen.id,
      createdAt: citizen.createdAt.toISOString(),
      ...(realName ? { realName: { name: maskName(realName.name), nationalId: maskNationalId(realName.nationalId), verifiedAt: realName.verifiedAt.toISOString() } } : {}),
      identities: identities.map((i) => ({ channel: i.channel as ChannelId, linkedAt: i.createdAt.toISOString(), lastLoginAt: i.lastLoginAt.toISOString() })),
      identifiers: identifiers.map(toLinkedIdentifier),
      consents: await this.consents.history(principal.citizenId),
    };
  }

  async listIdentifiers(principal: Principal): Promise<LinkedIdentifier[]> {
    return (await this.citizens.listIdentifiers(principal.citizenId, undefined, { includeUnverified: true })).map(toLinkedIdentifier);
  }

  /**
   * Links an identifier after validating it and after the department that issued it confirmed
   * the citizen, by their proved real name, holds it; the consent to the current text is recorded
   * with it. A national id is linked by proving the real name (`RealNameService`), not here.
   */
  async linkIdentifier(
    principal: Principal,
    input: { kind: IdentifierKind; value: string; issuer?: { cityId: string; departmentId: string }; consentTextVersion: string },
    options: { signal: AbortSignal } = { signal: AbortSignal.timeout(10_000) },
  ): Promise<{ identifier: LinkedIdentifier; created: boolean }> {
    if (input.kind === 'national-id') {
      throw hutongError('HUTONG_ERR_VALIDATION', 'A national id is linked by proving your real name with it: POST /v1/me/real-name');
    }
    const rules = rulesFor(input.kind);
    const value = rules.normalize(input.value);
    let issuer: string | null = null;
    if (rules.issued) {
      if (!input.issuer) throw hutongError('HUTONG_ERR_VALIDATION', `A ${input.kind} is issued by one department: give issuer { cityId, departmentId }`);
      if (!this.issuers.issues(input.issuer.cityId, input.issuer.departmentId, input.kind)) {
        throw hutongError('HUTONG_ERR_VALIDATION', `${input.issuer.cityId}/${input.issuer.departmentId} does not issue ${input.kind} identifiers`);
      }
      issuer = `${input.issuer.cityId}/${input.issuer.departmentId}`;
    } else if (input.issuer) {
      throw hutongError('HUTONG_ERR_VALIDATION', `A ${input.kind} is not issued by a department; leave issuer out`);
    }
    this.consents.checkTextVersion(input.consentTextVersion);
    const holder = await this.citizens.findRealName(principal.citizenId);
    if (!holder) throw hutongError('HUTONG_ERR_REAL_NAME_REQUIRED', `Prove your real name first (POST /v1/me/real-name): the department confirms a ${input.kind} against it`);
    const mine = await this.citizens.findIdentifier(principal.citizenId, input.kind, value, issuer);
    if (mine) return { identifier: toLinkedIdentifier(mine), created: false };
    const { verifiedBy } = await this.holders.verify(
      { kind: input.kind, value, ...(input.issuer ? { issuer: input.issuer } : {}) },
      { name: holder.name, nationalId: holder.nationalId },
      options,
    );
    const result = await this.citizens.linkIdentifier({
      citizenId: principal.citizenId,
      kind: input.kind,
      value,
      issuer,
      consentChannel: principal.channel,
      consentTextVersion: input.consentTextVersion,
      verifiedBy,
    });
    if ('heldByOther' in result) {
      throw hutongError('HUTONG_ERR_IDENTIFIER_ALREADY_LINKED', 'This identifier is already linked to another citizen; ask the city service desk to transfer it');
    }
    await this.consents.grant(principal, rules.scopes, input.consentTextVersion);
    if (result.created) {
      await this.audit.record({ actor: `citizen:${principal.citizenId}`, action: 'identifier.link', subject: `identifier:${result.identifier.id}`, detail: { kind: input.kind, channel: principal.channel, verifiedBy } });
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
