import { Value } from '@sinclair/typebox/value';
import type { Catalog } from '../catalog/catalog.service.ts';
import { isHutongError } from '../errors.ts';
import type { RecordType } from '../model/catalog.ts';
import type { IdentifierKind } from '../model/common.ts';
import { RECORD_SCHEMAS } from '../model/index.ts';
import { PUBLIC_RECORD_TYPES } from '../records/records.service.ts';
import '../model/formats.ts';

/** One field that failed to map, with how many of the records it failed in. */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
  readonly records: number;
}

export interface RecordTypeCheck {
  readonly recordType: RecordType;
  readonly identifier?: { readonly kind: IdentifierKind; readonly display: string };
  readonly outcome: 'ok' | 'mapping-failed' | 'department-error';
  readonly records: number;
  readonly fields: FieldProblem[];
  readonly error?: { readonly code: string; readonly message: string };
  readonly ms: number;
}

/**
 * One holder check: with a known holder it must answer `match`; without one, any outcome the hub
 * knows shows that the department answered and the mapping read it.
 */
export interface HolderCheckCheck {
  readonly identifier: { readonly kind: IdentifierKind; readonly display: string };
  readonly outcome: 'ok' | 'unexpected-outcome' | 'department-error' | 'no-sample';
  /** What the department said: match, mismatch or unknown-identifier. */
  readonly answer?: string;
  readonly error?: { readonly code: string; readonly message: string };
  readonly ms: number;
}

export interface ConnectorCheck {
  readonly cityId: string;
  readonly departmentId: string;
  readonly kind: string;
  readonly ok: boolean;
  readonly recordTypes: RecordTypeCheck[];
  readonly holderChecks: HolderCheckCheck[];
  readonly actions: string[];
  /** Record types the department takes payments for; never exercised, as a payment changes the department's records. */
  readonly payments: string[];
}

const HOLDER_OUTCOMES: ReadonlySet<string> = new Set(['match', 'mismatch', 'unknown-identifier']);

function display(value: string): string {
  return `${value.slice(0, 2)}***${value.slice(-2)}`;
}

/**
 * The contract checks of one department's connector against the live system: for every record
 * type its configuration maps, fetch records (for a sample identifier when they are personal),
 * validate each against the standard model, and say per field what failed to map. For every
 * identifier kind whose holder it confirms, check the sample identifier's holder: `match` for the
 * given holder, or any known outcome when none is given.
 *
 * @example
 *   const report = await checkConnector(catalog, 'shanghai', 'library', {
 *     identifiers: { 'library-card': '310000000001' }, holder: { name: '张明', nationalId: '310000196002020025' } })
 */
export async function checkConnector(
  catalog: Catalog,
  cityId: string,
  departmentId: string,
  options: {
    identifiers: Partial<Record<IdentifierKind, string>>;
    /** Who holds the sample identifiers; holder checks must then answer `match`. */
    holder?: { name: string; nationalId: string };
    timeoutMs?: number;
    synchronize?: boolean;
  },
): Promise<ConnectorCheck> {
  const department = catalog.listDepartments(cityId).find((d) => d.id === departmentId);
  if (!department) throw new Error(`no department ${cityId}/${departmentId}`);
  const connector = catalog.connectorFor(cityId, departmentId);
  if (options.synchronize && connector.synchronize) await connector.synchronize({ signal: AbortSignal.timeout(options.timeoutMs ?? 60_000) });
  // Which identifier each record type is held under, from the services that read it from this department.
  const identifierKinds = new Map<RecordType, IdentifierKind | undefined>();
  for (const service of catalog.listServices(cityId)) {
    if (!service.recordType || !service.departmentIds.includes(departmentId)) continue;
    identifierKinds.set(service.recordType, PUBLIC_RECORD_TYPES.has(service.recordType) ? undefined : service.requiredIdentifiers[0]);
  }

  const recordTypes: RecordTypeCheck[] = [];
  for (const recordType of connector.recordTypes) {
    const kind = identifierKinds.get(recordType);
    const value = kind ? options.identifiers[kind] : undefined;
    const started = performance.now();
    const identifier = kind && value ? { kind, value } : undefined;
    const shown = identifier ? { kind: identifier.kind, display: display(identifier.value) } : undefined;
    try {
      const records = await connector.fetchRecords({ recordType, ...(identifier ? { identifier } : {}), params: {} }, { signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
      const schema = RECORD_SCHEMAS[recordType];
      const problems = new Map<string, FieldProblem>();
      for (const record of records) {
        for (const error of Value.Errors(schema, record)) {
          const key = `${error.path} ${error.message}`;
          const seen = problems.get(key);
          problems.set(key, { path: error.path || '/', message: error.message, records: (seen?.records ?? 0) + 1 });
        }
      }
      recordTypes.push({
        recordType,
        ...(shown ? { identifier: shown } : {}),
        outcome: problems.size ? 'mapping-failed' : 'ok',
        records: records.length,
        fields: [...problems.values()],
        ms: Math.round(performance.now() - started),
      });
    } catch (error) {
      const code = isHutongError(error) ? error.code : 'HUTONG_ERR_INTERNAL';
      recordTypes.push({
        recordType,
        ...(shown ? { identifier: shown } : {}),
        outcome: code === 'HUTONG_ERR_DEPARTMENT_MAPPING' ? 'mapping-failed' : 'department-error',
        records: 0,
        fields: [],
        error: { code, message: (error as Error).message },
        ms: Math.round(performance.now() - started),
      });
    }
  }
  const holderChecks: HolderCheckCheck[] = [];
  for (const kind of connector.checkHolder ? (connector.holderCheckKinds ?? []) : []) {
    const value = options.identifiers[kind];
    const started = performance.now();
    if (value === undefined) {
      holderChecks.push({ identifier: { kind, display: '' }, outcome: 'no-sample', ms: 0 });
      continue;
    }
    const identifier = { kind, display: display(value) };
    // Without a known holder, a made-up one: the answer still shows that the department and the mapping work.
    const holder = options.holder ?? { name: '王明', nationalId: '11010519491231002X' };
    try {
      const { outcome } = await connector.checkHolder!({ identifier: { kind, value }, holder }, { signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
      const expected = options.holder ? outcome === 'match' : HOLDER_OUTCOMES.has(outcome);
      holderChecks.push({ identifier, outcome: expected ? 'ok' : 'unexpected-outcome', answer: outcome, ms: Math.round(performance.now() - started) });
    } catch (error) {
      const code = isHutongError(error) ? error.code : 'HUTONG_ERR_INTERNAL';
      holderChecks.push({ identifier, outcome: 'department-error', error: { code, message: (error as Error).message }, ms: Math.round(performance.now() - started) });
    }
  }
  return {
    cityId,
    departmentId,
    kind: department.connectorKind,
    ok: recordTypes.length > 0 && recordTypes.every((r) => r.outcome === 'ok') && holderChecks.every((h) => h.outcome === 'ok' || h.outcome === 'no-sample'),
    recordTypes,
    holderChecks,
    actions: [...(connector.actions ?? [])],
    payments: connector.recordPayment ? [...(connector.paymentRecordTypes ?? [])] : [],
  };
}

/** The report as a person reads it in a terminal. */
export function formatConnectorCheck(check: ConnectorCheck): string {
  const lines = [`${check.cityId}/${check.departmentId} (${check.kind}): ${check.ok ? 'OK' : 'FAILED'}`];
  if (check.recordTypes.length === 0) lines.push('  maps no record types');
  for (const r of check.recordTypes) {
    const who = r.identifier ? ` for ${r.identifier.kind} ${r.identifier.display}` : '';
    lines.push(`  ${r.recordType}${who}: ${r.outcome}, ${r.records} record(s) in ${r.ms} ms`);
    for (const f of r.fields) lines.push(`    ${f.path}: ${f.message} (${f.records} record(s))`);
    if (r.error) lines.push(`    ${r.error.code}: ${r.error.message}`);
  }
  for (const h of check.holderChecks) {
    if (h.outcome === 'no-sample') {
      lines.push(`  holder check of a ${h.identifier.kind}: not exercised, no sample identifier`);
      continue;
    }
    lines.push(`  holder check of ${h.identifier.kind} ${h.identifier.display}: ${h.outcome}${h.answer ? ` (${h.answer})` : ''} in ${h.ms} ms`);
    if (h.error) lines.push(`    ${h.error.code}: ${h.error.message}`);
  }
  if (check.actions.length) lines.push(`  actions: ${check.actions.join(', ')} (not exercised: they change department records)`);
  if (check.payments.length) lines.push(`  takes payments for: ${check.payments.join(', ')} (not exercised: they change department records)`);
  return lines.join('\n');
}
