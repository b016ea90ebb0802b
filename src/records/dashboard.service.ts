import type { Catalog } from '../catalog/catalog.service.ts';
import type { ErrorCode } from '../errors.ts';
import type { RecordType } from '../model/catalog.ts';
import type { Principal } from '../identity/session.service.ts';
import type { ConsentService } from '../identity/consent.service.ts';
import { PUBLIC_RECORD_TYPES, type RecordSourceStatus, type RecordsService } from './records.service.ts';

/**
 * How a section's data came back: `ok` every department answered (now or from cache within its
 * TTL); `stale` some answers are past their TTL because the department failed; `partial` some
 * departments gave nothing; `unavailable` none did, or not within the deadline.
 */
export type SectionStatus = 'ok' | 'stale' | 'partial' | 'unavailable';

export interface DashboardSection {
  readonly serviceId: string;
  readonly name: { readonly zh: string; readonly en: string };
  readonly recordType: RecordType;
  readonly status: SectionStatus;
  /** Age of the oldest answer shown, in seconds. */
  readonly ageSeconds?: number;
  readonly items: Array<Record<string, unknown>>;
  readonly sources: RecordSourceStatus[];
  readonly error?: { readonly code: ErrorCode; readonly message: string };
}

export interface Dashboard {
  readonly cityId: string;
  readonly generatedAt: string;
  readonly deadlineMs: number;
  readonly sections: DashboardSection[];
  /** Services the citizen could see here after linking an identifier of this kind. */
  readonly suggestions: Array<{ readonly serviceId: string; readonly identifierKind: string; readonly consentScope?: string }>;
}

/**
 * Time kept back from the deadline to assemble and send the answer: a tenth of it (at least
 * 15 ms), since on a busy process the deadline's own timer fires late.
 */
const answerMarginMs = (deadlineMs: number) => Math.max(15, Math.round(deadlineMs / 10));

function statusOf(sources: readonly RecordSourceStatus[]): SectionStatus {
  const failed = sources.filter((s) => s.status === 'unavailable').length;
  if (failed === sources.length) return 'unavailable';
  if (failed > 0) return 'partial';
  return sources.some((s) => s.status === 'stale') ? 'stale' : 'ok';
}

/**
 * "My City": every personal service of a city where the citizen has what it needs, asked in
 * parallel under one deadline. A hung or failing department costs its own section, never the page.
 */
export class DashboardService {
  constructor(
    private readonly catalog: Catalog,
    private readonly records: RecordsService,
    private readonly deadlineMs: number,
    private readonly consents: ConsentService,
  ) {}

  /**
   * @param elapsedMs time the request has already spent (authentication…), so that the whole
   *   answer, not only the gathering, keeps to the deadline.
   */
  async getDashboard(principal: Principal, cityId: string, elapsedMs = 0): Promise<Dashboard> {
    const started = performance.now();
    const personal = this.catalog
      .listServices(cityId)
      .filter((s) => s.recordType !== undefined && !PUBLIC_RECORD_TYPES.has(s.recordType) && s.functions.some((f) => f.kind === 'query' && f.available));
    const [linked, consented] = await Promise.all([this.records.linkedIdentifiers(principal), this.consents.standing(principal)]);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      // Kept back: what the request spent before, and a few milliseconds to write the answer.
      const remaining = this.deadlineMs - elapsedMs - (performance.now() - started) - answerMarginMs(this.deadlineMs);
      timer = setTimeout(() => resolve('deadline'), Math.max(0, remaining));
    });
    // Without this entrance's consent for a scope, its services are only suggested.
    const services = personal.filter((s) => consented.has(s.category));
    const answers = await Promise.all(
      services.map(async (service) => {
        const entry = this.catalog.getService(cityId, service.id);
        // A department still working when the deadline passes keeps going and fills the cache for next time.
        const gathering = this.records.gatherForDashboard(principal, cityId, entry, linked);
        gathering.catch(() => undefined);
        try {
          return { service, outcome: await Promise.race([gathering, deadline]) };
        } catch (error) {
          return { service, outcome: error as Error };
        }
      }),
    );
    clearTimeout(timer);

    const sections: DashboardSection[] = [];
    const suggestions: Dashboard['suggestions'] = personal
      .filter((s) => !consented.has(s.category))
      .map((s) => ({ serviceId: s.id, identifierKind: s.requiredIdentifiers[0] ?? 'none', consentScope: s.category }));
    for (const { service, outcome } of answers) {
      const base = { serviceId: service.id, name: service.name, recordType: service.recordType! };
      if (outcome === undefined) {
        suggestions.push({ serviceId: service.id, identifierKind: service.requiredIdentifiers[0] ?? 'none' });
      } else if (outcome === 'deadline') {
        sections.push({
          ...base,
          status: 'unavailable',
          items: [],
          sources: [],
          error: { code: 'HUTONG_ERR_DEPARTMENT_TIMEOUT', message: `No answer within the dashboard's ${this.deadlineMs} ms` },
        });
      } else if (outcome instanceof Error) {
        sections.push({ ...base, status: 'unavailable', items: [], sources: [], error: { code: 'HUTONG_ERR_INTERNAL', message: 'This section could not be gathered' } });
      } else {
        const ages = outcome.sources.flatMap((s) => (s.ageSeconds === undefined ? [] : [s.ageSeconds]));
        sections.push({
          ...base,
          status: statusOf(outcome.sources),
          ...(ages.length ? { ageSeconds: Math.max(...ages) } : {}),
          items: outcome.items,
          sources: outcome.sources,
        });
      }
    }
    return { cityId, generatedAt: new Date().toISOString(), deadlineMs: this.deadlineMs, sections, suggestions };
  }
}
