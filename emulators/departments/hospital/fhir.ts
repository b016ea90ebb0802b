/**
 * The slice of FHIR R4 (4.0.1) REST the emulated hospital speaks: JSON resources, searchset
 * Bundles with paging links, OperationOutcome errors, and the `date` search parameter with prefixes.
 */
import type http from 'node:http';

export const FHIR_JSON = 'application/fhir+json';
export const JSON_PATCH = 'application/json-patch+json';

/**
 * Canonical URLs of the hospital information system's own extensions and identifier systems. The
 * vendor's namespace, not Hutong's: a real facade defines these, and the hub's mapping reads them.
 */
export const HIS = {
  slotCapacity: 'https://his.example/fhir/StructureDefinition/slot-capacity',
  registrationFee: 'https://his.example/fhir/StructureDefinition/registration-fee',
  registrationLevel: 'https://his.example/fhir/StructureDefinition/registration-level',
  registrationLevelSystem: 'https://his.example/fhir/CodeSystem/registration-level',
  visitSequence: 'https://his.example/fhir/StructureDefinition/visit-sequence',
  /** When a pending (锁号) Appointment's hold on its visit number ends unless it is paid and booked. */
  lockExpires: 'https://his.example/fhir/StructureDefinition/lock-expires',
  /** The payer's trade number for the registration fee, given when a pending Appointment is booked. */
  paymentReference: 'https://his.example/fhir/StructureDefinition/payment-reference',
  registrationNumber: 'https://his.example/fhir/sid/registration-number',
  professionalTitle: 'https://his.example/fhir/CodeSystem/gbt-8561-professional-title',
  refusal: 'https://his.example/fhir/CodeSystem/booking-refusal',
} as const;

/** 居民身份证号 (resident identity number) as China's health information standards (WS/T 500) identify it. */
export const NATIONAL_ID_SYSTEM = 'urn:oid:2.16.156.10011.1.3';

export type FhirResource = { resourceType: string; id?: string } & Record<string, unknown>;

export type IssueSeverity = 'fatal' | 'error' | 'warning' | 'information';

/** An error the route answers as an OperationOutcome with an HTTP status. */
export class FhirError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly diagnostics: string,
    readonly details?: { code: string; text: string },
  ) {
    super(diagnostics);
  }
}

export function operationOutcome(severity: IssueSeverity, code: string, diagnostics: string, details?: { code: string; text: string }): FhirResource {
  return {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity,
        code,
        ...(details ? { details: { coding: [{ system: HIS.refusal, code: details.code }], text: details.text } } : {}),
        diagnostics,
      },
    ],
  };
}

export function sendFhir(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': `${FHIR_JSON}; charset=utf-8`, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendOutcome(res: http.ServerResponse, error: FhirError): void {
  sendFhir(res, error.status, operationOutcome('error', error.code, error.diagnostics, error.details));
}

/** The search parameters of a request, checked against the ones a resource type supports. */
export class SearchParams {
  readonly #params: URLSearchParams;

  constructor(params: URLSearchParams, supported: readonly string[]) {
    // Strict handling: a parameter the server would ignore silently would widen the result unnoticed.
    for (const name of new Set(params.keys())) {
      if (!supported.includes(name) && !COMMON_PARAMS.includes(name)) {
        throw new FhirError(400, 'not-supported', `search parameter "${name}" is not supported here; supported: ${supported.join(', ')}`);
      }
    }
    this.#params = params;
  }

  /** Every value of a parameter, each split at unescaped commas (OR). Repeated parameters are ANDed. */
  all(name: string): string[][] {
    return this.#params.getAll(name).map((value) => value.split(',').map((v) => v.trim()));
  }

  has(name: string): boolean {
    return this.#params.has(name);
  }

  one(name: string): string | undefined {
    const values = this.#params.getAll(name);
    if (values.length > 1) throw new FhirError(400, 'invalid', `search parameter "${name}" may be given once`);
    return values[0];
  }

  /** The parameters to repeat in paging links: all but the page token and `_count`, which the link sets anew. */
  forLinks(): URLSearchParams {
    const copy = new URLSearchParams(this.#params);
    copy.delete(PAGE_TOKEN);
    copy.delete('_count');
    return copy;
  }
}

export const PAGE_TOKEN = '_pageToken';
const COMMON_PARAMS = ['_count', PAGE_TOKEN, '_format'];
export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 100;

/** `_count` (0…100, larger is capped as the spec allows) and the offset the page token stands for. */
export function pageOf(params: SearchParams): { count: number; offset: number } {
  const countText = params.one('_count');
  let count = DEFAULT_COUNT;
  if (countText !== undefined) {
    if (!/^\d+$/.test(countText)) throw new FhirError(400, 'invalid', `_count must be a non-negative integer, not "${countText}"`);
    count = Math.min(Number(countText), MAX_COUNT);
  }
  const token = params.one(PAGE_TOKEN);
  let offset = 0;
  if (token !== undefined) {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    } catch {
      decoded = undefined;
    }
    const o = (decoded as { o?: unknown } | undefined)?.o;
    if (typeof o !== 'number' || !Number.isInteger(o) || o < 0) throw new FhirError(400, 'invalid', `${PAGE_TOKEN} "${token}" is not a page token of this server`);
    offset = o;
  }
  return { count, offset };
}

function pageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

/**
 * A searchset Bundle of one page of `matches`, with `included` resources after them (search mode
 * `include`) and `self`/`next`/`previous` links that repeat the search with a page token.
 */
export function searchset(
  base: string,
  resourceType: string,
  params: SearchParams,
  matches: readonly FhirResource[],
  include: (page: readonly FhirResource[]) => FhirResource[] = () => [],
): FhirResource {
  const { count, offset } = pageOf(params);
  const page = matches.slice(offset, offset + count);
  const link = (at: number): string => {
    const query = params.forLinks();
    query.set('_count', String(count));
    if (at > 0) query.set(PAGE_TOKEN, pageToken(at));
    return `${base}/${resourceType}?${query.toString()}`;
  };
  const links = [{ relation: 'self', url: link(offset) }];
  if (count > 0 && offset + count < matches.length) links.push({ relation: 'next', url: link(offset + count) });
  if (count > 0 && offset > 0) links.push({ relation: 'previous', url: link(Math.max(0, offset - count)) });
  const entry = [
    ...page.map((resource) => ({ fullUrl: `${base}/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'match' } })),
    ...include(page).map((resource) => ({ fullUrl: `${base}/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'include' } })),
  ];
  return { resourceType: 'Bundle', type: 'searchset', total: matches.length, link: links, ...(entry.length > 0 ? { entry } : {}) };
}

const DATE_PARAM =
  /^(eq|ne|gt|lt|ge|le|sa|eb)?(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** A `date` search value: a prefix and the interval [low, high) its precision covers. */
export interface DateCriterion {
  readonly prefix: 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb';
  readonly low: number;
  readonly high: number;
}

/** Parses `ge2026-11-01`, `lt2026-11-08T00:00:00+08:00`…; a value without a zone is read in the server's zone (+08:00). */
export function parseDateCriterion(name: string, value: string): DateCriterion {
  const match = DATE_PARAM.exec(value);
  if (!match) throw new FhirError(400, 'invalid', `${name}: "${value}" is not a FHIR date search value (e.g. ge2026-11-01 or lt2026-11-08T00:00:00+08:00)`);
  const [, prefix = 'eq', y, mo, d, h, mi, s, fraction, zone] = match;
  const offsetMinutes = zone === undefined ? 480 : zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const year = Number(y);
  const month = mo === undefined ? 0 : Number(mo) - 1;
  const day = d === undefined ? 1 : Number(d);
  const utc = (yy: number, mm: number, dd: number, hh = 0, mn = 0, ss = 0, ms = 0): number => Date.UTC(yy, mm, dd, hh, mn, ss, ms) - offsetMinutes * 60_000;
  const check = new Date(Date.UTC(year, month, day));
  if (check.getUTCMonth() !== month || check.getUTCDate() !== day || (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59))) {
    throw new FhirError(400, 'invalid', `${name}: "${value}" is not a real date or time`);
  }
  let low: number;
  let high: number;
  if (mo === undefined) [low, high] = [utc(year, 0, 1), utc(year + 1, 0, 1)];
  else if (d === undefined) [low, high] = [utc(year, month, 1), utc(year, month + 1, 1)];
  else if (h === undefined) [low, high] = [utc(year, month, day), utc(year, month, day + 1)];
  else if (s === undefined) [low, high] = [utc(year, month, day, Number(h), Number(mi)), utc(year, month, day, Number(h), Number(mi) + 1)];
  else {
    const ms = fraction === undefined ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));
    low = utc(year, month, day, Number(h), Number(mi), Number(s), ms);
    high = low + (fraction === undefined ? 1000 : 1);
  }
  return { prefix: prefix as DateCriterion['prefix'], low, high };
}

/** Whether an instant (ms) satisfies the criterion; the instant is a point, the criterion an interval. */
export function matchesDate(criterion: DateCriterion, at: number): boolean {
  switch (criterion.prefix) {
    case 'eq':
      return at >= criterion.low && at < criterion.high;
    case 'ne':
      return at < criterion.low || at >= criterion.high;
    case 'gt':
    case 'sa':
      return at >= criterion.high;
    case 'ge':
      return at >= criterion.low;
    case 'lt':
    case 'eb':
      return at < criterion.low;
    case 'le':
      return at < criterion.high;
  }
}

/** A reference search value `Type/id` or `id` as the id, for references to `type`; undefined for another type. */
export function referencedId(type: string, value: string): string | undefined {
  if (!value.includes('/')) return value;
  const [t, id, ...rest] = value.split('/');
  return t === type && id && rest.length === 0 ? id : undefined;
}

/** A token search value `system|code`, `|code` (no system) or `code` (any system). */
export function parseToken(value: string): { system?: string; code: string } {
  const bar = value.indexOf('|');
  if (bar === -1) return { code: value };
  return { system: value.slice(0, bar), code: value.slice(bar + 1) };
}
