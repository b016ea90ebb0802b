/**
 * Confirming with the department that issued an identifier that a citizen holds it, before the hub
 * uses it: the citizen's verified real name and national id against the department's register.
 */
import { randomUUID } from 'node:crypto';
import type { Catalog } from '../catalog/catalog.service.ts';
import type { Connector, HolderCheckResult } from '../connectors/connector.ts';
import { hutongError, isHutongError } from '../errors.ts';
import type { IdentifierKind } from '../model/common.ts';
import type { Shield } from '../shield/shield.ts';

/** An identifier a citizen claims, and for kinds a department issues, the department. */
export interface ClaimedIdentifier {
  readonly kind: IdentifierKind;
  readonly value: string;
  readonly issuer?: { readonly cityId: string; readonly departmentId: string };
}

/** The citizen's verified real name and national id. */
export interface ClaimedHolder {
  readonly name: string;
  readonly nationalId: string;
}

/** The department that confirms a holder. */
interface Verifier {
  readonly cityId: string;
  readonly departmentId: string;
  readonly connector: Connector & Required<Pick<Connector, 'checkHolder'>>;
}

const OUTCOMES: ReadonlySet<string> = new Set<HolderCheckResult['outcome']>(['match', 'mismatch', 'unknown-identifier']);

/**
 * Asks the issuing department whether a citizen holds an identifier, through the shield (its
 * deadline, limit and breaker), never from a cache: the answer decides whether the identifier may
 * be used. Plates carry no issuer; the vehicle administration of the city whose plate prefix the
 * plate has confirms them.
 *
 * @example
 *   const verifier = new HolderVerifier({ catalog, shield })
 *   const { verifiedBy } = await verifier.verify({ kind: 'plate', value: '沪AD0003' }, { name: '张明', nationalId }, { signal })
 *   // verifiedBy === 'shanghai/vehicle-administration'
 */
export class HolderVerifier {
  constructor(
    private readonly deps: {
      readonly catalog: Pick<Catalog, 'listCities' | 'listDepartments' | 'connectorFor'>;
      readonly shield: Pick<Shield, 'call'>;
    },
  ) {}

  /**
   * Resolves with the department that confirmed the holder (`city/department`). Rejects with
   * `HUTONG_ERR_IDENTIFIER_HOLDER_MISMATCH` when the department registers someone else,
   * `HUTONG_ERR_IDENTIFIER_UNKNOWN` when it does not know the identifier,
   * `HUTONG_ERR_IDENTIFIER_UNVERIFIABLE` when no department can confirm it, and with the
   * department's own error code when it fails (timeout, fault, breaker open…).
   */
  async verify(input: ClaimedIdentifier, holder: ClaimedHolder, options: { signal: AbortSignal }): Promise<{ verifiedBy: string }> {
    const verifier = this.#verifierOf(input);
    if (!verifier) {
      throw hutongError('HUTONG_ERR_IDENTIFIER_UNVERIFIABLE', `No department connected to the hub can confirm who holds this ${input.kind}`, {
        details: { kind: input.kind, ...(input.issuer ? { issuer: `${input.issuer.cityId}/${input.issuer.departmentId}` } : {}) },
      });
    }
    const department = `${verifier.cityId}/${verifier.departmentId}`;
    const check = { identifier: { kind: input.kind, value: input.value }, holder: { name: holder.name, nationalId: holder.nationalId } };
    const answer = await this.deps.shield.call({
      department,
      // Never cached (ttlMs 0), and a key of its own so that no other call can ever share the answer.
      key: `${department}/holder-check/${randomUUID()}`,
      ttlMs: 0,
      load: (deadline) => verifier.connector.checkHolder(check, { signal: AbortSignal.any([deadline, options.signal]) }),
    });
    const outcome = answer.value?.outcome;
    if (!OUTCOMES.has(outcome)) {
      throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${department} answered the holder check with no outcome the hub knows`);
    }
    const details = { kind: input.kind, verifiedBy: department };
    if (outcome === 'mismatch') {
      throw hutongError('HUTONG_ERR_IDENTIFIER_HOLDER_MISMATCH', `${department} does not register you as the holder of this ${input.kind}`, { details });
    }
    if (outcome === 'unknown-identifier') {
      throw hutongError('HUTONG_ERR_IDENTIFIER_UNKNOWN', `${department} has no such ${input.kind}; check the number`, { details });
    }
    return { verifiedBy: department };
  }

  /** The department that confirms holders of the identifier, or undefined when none can. */
  #verifierOf(input: ClaimedIdentifier): Verifier | undefined {
    if (input.issuer) return this.#checking(input.issuer.cityId, input.issuer.departmentId, input.kind);
    if (input.kind !== 'plate') return undefined;
    for (const cityId of this.#plateCities(input.value)) {
      for (const department of this.#departmentIds(cityId)) {
        const verifier = this.#checking(cityId, department, 'plate');
        if (verifier) return verifier;
      }
    }
    return undefined;
  }

  /**
   * The cities that issue a plate: those whose prefix is the plate's first two characters; when
   * none is, the one city whose prefix has the plate's province character, if exactly one has.
   */
  #plateCities(plate: string): string[] {
    const chars = Array.from(plate.trim());
    const prefix = chars.slice(0, 2).join('');
    const cities = this.deps.catalog.listCities();
    const exact = cities.filter((city) => city.platePrefix === prefix);
    if (exact.length > 0) return exact.map((city) => city.id);
    const province = cities.filter((city) => Array.from(city.platePrefix)[0] === chars[0]);
    return province.length === 1 ? [province[0]!.id] : [];
  }

  #departmentIds(cityId: string): string[] {
    try {
      return this.deps.catalog.listDepartments(cityId).map((d) => d.id);
    } catch (error) {
      if (isHutongError(error) && error.code === 'HUTONG_ERR_CITY_NOT_FOUND') return [];
      throw error;
    }
  }

  /** The department, when it exists, its connector is installed, and it confirms holders of the kind. */
  #checking(cityId: string, departmentId: string, kind: IdentifierKind): Verifier | undefined {
    if (!this.#departmentIds(cityId).includes(departmentId)) return undefined;
    let connector: Connector;
    try {
      connector = this.deps.catalog.connectorFor(cityId, departmentId);
    } catch (error) {
      if (isHutongError(error) && error.code === 'HUTONG_ERR_SERVICE_UNAVAILABLE') return undefined; // its connector kind is not installed
      throw error;
    }
    if (!connector.checkHolder || !connector.holderCheckKinds?.has(kind)) return undefined;
    return { cityId, departmentId, connector: connector as Verifier['connector'] };
  }
}
