import { Value } from '@sinclair/typebox/value';
import type { Catalog } from '../catalog/catalog.service.ts';
import { hutongError, isHutongError, type ErrorCode } from '../errors.ts';
import type { RecordType } from '../model/catalog.ts';
import type { IdentifierKind } from '../model/common.ts';
import { RECORD_SCHEMAS } from '../model/index.ts';
import type { AuditTrail } from '../audit/audit.trail.ts';
import type { CitizenRepository } from '../identity/citizen.repository.ts';
import { normalizeIdentifier, toLinkedIdentifier } from '../identity/citizen.service.ts';
import type { Principal } from '../identity/session.service.ts';
import type { Shield } from '../shield/shield.ts';
import '../model/formats.ts';

/** How one identifier's records were obtained. */
export interface RecordSourceStatus {
  readonly departmentId: string;
  readonly identifierId: string;
  readonly identifier: string;
  readonly status: 'ok' | 'stale' | 'unavailable';
  readonly freshness?: 'live' | 'cached' | 'stale';
  readonly fetchedAt?: string;
  readonly ageSeconds?: number;
  readonly error?: { readonly code: ErrorCode; readonly message: string };
}

export interface RecordList {
  readonly cityId: string;
  readonly serviceId: string;
  readonly recordType: RecordType;
  readonly items: Array<Record<string, unknown>>;
  readonly sources: RecordSourceStatus[];
}

/** Lists a citizen's records of one service, only ever for identifiers the citizen has linked. */
export class RecordsService {
  constructor(
    private readonly deps: {
      catalog: Catalog;
      citizens: CitizenRepository;
      shield: Shield;
      audit: AuditTrail;
      departmentTimeoutMs: number;
    },
  ) {}

  async listRecords(principal: Principal, cityId: string, serviceId: string, filter: { plate?: string }): Promise<RecordList> {
    const { catalog, citizens, shield } = this.deps;
    const { service, config } = catalog.getService(cityId, serviceId);
    const query = service.functions.find((f) => f.kind === 'query');
    if (!query || !config.recordType) {
      throw hutongError('HUTONG_ERR_SERVICE_UNAVAILABLE', `${serviceId} has no records to list`);
    }
    if (!query.available) throw hutongError('HUTONG_ERR_SERVICE_UNAVAILABLE', `${serviceId} is not available in ${cityId}: ${query.unavailableReason}`);
    const recordType = config.recordType;
    const kind = config.requiredIdentifiers[0] as IdentifierKind;

    let identifiers;
    if (filter.plate !== undefined) {
      const value = normalizeIdentifier('plate', filter.plate);
      const linked = await citizens.findIdentifier(principal.citizenId, 'plate', value);
      // Same answer whether the plate is somebody else's or nobody's: nothing is revealed about others.
      if (!linked) throw hutongError('HUTONG_ERR_IDENTIFIER_NOT_LINKED', 'That plate is not linked to your account; link it first');
      identifiers = [linked];
    } else {
      identifiers = await citizens.listIdentifiers(principal.citizenId, kind);
      if (identifiers.length === 0) {
        throw hutongError('HUTONG_ERR_IDENTIFIER_REQUIRED', `${serviceId} needs a linked ${kind}; link one first`, { details: { identifierKind: kind } });
      }
    }

    const schema = RECORD_SCHEMAS[recordType];
    const now = Date.now();
    // Every department of the service is asked about every identifier, all at once.
    const calls = service.departmentIds.flatMap((departmentId) => identifiers.map((identifier) => ({ departmentId, identifier })));
    const outcomes = await Promise.allSettled(
      calls.map(({ departmentId, identifier }) => {
        const connector = catalog.connectorFor(cityId, departmentId);
        const department = `${cityId}/${departmentId}`;
        return shield.call({
          department,
          key: `${department}/${recordType}/${identifier.kind}:${identifier.value}`,
          ttlMs: config.cacheTtlSeconds * 1000,
          timeoutMs: this.deps.departmentTimeoutMs,
          load: async (signal) => {
            const records = await connector.fetchRecords({ recordType, identifier: { kind: identifier.kind as IdentifierKind, value: identifier.value } }, { signal });
            return records.map((record, index) => {
              if (!Value.Check(schema, record)) {
                const first = Value.Errors(schema, record).First();
                throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${department} record ${index} does not map to ${recordType}: ${first?.path} ${first?.message}`);
              }
              return Value.Clean(schema, record) as Record<string, unknown>;
            });
          },
        });
      }),
    );

    const items: Array<Record<string, unknown>> = [];
    const sources: RecordSourceStatus[] = [];
    outcomes.forEach((outcome, i) => {
      const display = toLinkedIdentifier(calls[i].identifier);
      if (outcome.status === 'fulfilled') {
        const answer = outcome.value;
        items.push(...answer.value);
        sources.push({
          departmentId: calls[i].departmentId,
          identifierId: display.id,
          identifier: display.display,
          status: answer.freshness === 'stale' ? 'stale' : 'ok',
          freshness: answer.freshness,
          fetchedAt: answer.fetchedAt.toISOString(),
          ageSeconds: Math.max(0, Math.round((now - answer.fetchedAt.getTime()) / 1000)),
        });
      } else {
        const error = isHutongError(outcome.reason) ? outcome.reason : hutongError('HUTONG_ERR_INTERNAL', 'The department call failed unexpectedly', { cause: outcome.reason });
        sources.push({ departmentId: calls[i].departmentId, identifierId: display.id, identifier: display.display, status: 'unavailable', error: { code: error.code, message: error.message } });
      }
    });
    // Nothing to show at all: the citizen gets the department's error, not an empty list that looks true.
    const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed.length === outcomes.length) throw failed[0].reason;

    this.deps.audit.note({
      actor: `citizen:${principal.citizenId}`,
      action: 'records.list',
      subject: `service:${serviceId}`,
      cityId,
      detail: { channel: principal.channel, identifiers: identifiers.map((i) => i.id), count: items.length },
    });
    return { cityId, serviceId, recordType, items, sources };
  }
}
