import { access } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { hutongError, isHutongError, type HutongError } from '../../errors.ts';
import { RecordType } from '../../model/catalog.ts';
import { defineConnector, type ActionRequest, type CallOptions, type Connector, type ConnectorContext, type RecordQuery } from '../connector.ts';
import { compileMapping, loadMappingFile, zoneOffset, type Mapping, resolveMappingFile } from '../mapping.ts';
import { classifyTransportError } from '../transport-errors.ts';
import { FHIR_JSON, JSON_PATCH, describeIssues, failingOutcome, isBundle, isResource, nextLink, type FhirBundle } from './fhir-resources.ts';

const FhirRecordOptions = Type.Object(
  {
    search: Type.String({
      minLength: 1,
      description:
        'JSONata over { identifier, identifierKind, params, cityId, departmentId, referenceDate, zoneOffset } giving { resourceType, params }; $addDays(date, n) adds days to a YYYY-MM-DD',
    }),
    response: Type.String({ minLength: 1, description: 'path of a JSONata file mapping one searchset Bundle page to { records }' }),
    maxPages: Type.Integer({ minimum: 1, maximum: 1000, default: 20 }),
  },
  { additionalProperties: false },
);

const FhirActionOptions = Type.Object(
  {
    request: Type.String({
      minLength: 1,
      description:
        'JSONata over { identifier, identifierKind, recordId, params, cityId, departmentId } giving { method, path, headers?, body? }, path relative to baseUrl; ' +
        'headers may be If-None-Exist (conditional create) and If-Match',
    }),
    response: Type.String({ minLength: 1, description: 'path of a JSONata file mapping the returned resource to the action result' }),
  },
  { additionalProperties: false },
);

export const FhirOptions = Type.Object(
  {
    baseUrl: Type.String({ minLength: 1, description: 'FHIR base URL, e.g. https://his.example/fhir' }),
    // Empty by default, so a department listed with its base URL alone loads and says what it does not map.
    records: Type.Partial(Type.Record(RecordType, FhirRecordOptions), {
      additionalProperties: false,
      default: {},
      description: 'one search per record type the department answers',
    }),
    actions: Type.Optional(
      Type.Record(Type.String({ pattern: '^[a-z][a-zA-Z0-9]*$' }), FhirActionOptions, { description: 'actions by name, e.g. bookSlot, confirmBooking, cancelBooking' }),
    ),
  },
  { additionalProperties: false },
);
export type FhirOptions = Static<typeof FhirOptions>;
type FhirRecordOptions = Static<typeof FhirRecordOptions>;
type FhirActionOptions = Static<typeof FhirActionOptions>;

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
/** The headers an action may set, by lower-case name: FHIR's conditional-create and version preconditions. */
const ACTION_HEADERS: ReadonlyMap<string, string> = new Map([
  ['if-none-exist', 'If-None-Exist'],
  ['if-match', 'If-Match'],
]);
// Visible ASCII and spaces: a header value that cannot smuggle a second header or line.
const HEADER_VALUE = /^[\x20-\x7e]*$/;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function recordEntries(options: FhirOptions): Array<[string, FhirRecordOptions]> {
  return Object.entries(options.records ?? {}) as Array<[string, FhirRecordOptions]>;
}

function actionEntries(options: FhirOptions): Array<[string, FhirActionOptions]> {
  return Object.entries(options.actions ?? {});
}


function isLocalDate(text: string): boolean {
  const match = LOCAL_DATE.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text;
}

/** Today's date `YYYY-MM-DD` in an IANA zone. */
function todayIn(timeZone: string, now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** Bound into search expressions: `$addDays("2026-11-01", 7)` is `"2026-11-08"`. */
function addDays(date: unknown, days: unknown): string {
  if (typeof date !== 'string' || !isLocalDate(date) || typeof days !== 'number' || !Number.isInteger(days)) {
    throw new TypeError(`$addDays needs a YYYY-MM-DD date and a whole number of days, not ${JSON.stringify(date)}, ${JSON.stringify(days)}`);
  }
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function messageOf(error: unknown): string {
  return String((error as { message?: unknown })?.message ?? error);
}

type QueryValue = string | number | boolean;

/** `[base]/[type]?[params]` from a search expression's `{ resourceType, params }`; arrays repeat a parameter (AND). */
function searchUrl(baseUrl: string, search: unknown, where: string): string {
  const { resourceType, params } = (search ?? {}) as { resourceType?: unknown; params?: unknown };
  if (typeof resourceType !== 'string' || !/^[A-Z][A-Za-z]+$/.test(resourceType)) {
    throw hutongError('HUTONG_ERR_INTERNAL', `${where}: the search expression gave no FHIR resourceType (${JSON.stringify(resourceType)})`);
  }
  const query = new URLSearchParams();
  const isValue = (v: unknown): v is QueryValue => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  for (const [name, value] of Object.entries((params ?? {}) as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (!isValue(v)) throw hutongError('HUTONG_ERR_INTERNAL', `${where}: search parameter ${name} must be text, a number or a list of them`);
      query.append(name, String(v));
    }
  }
  const text = query.toString();
  return `${baseUrl}/${resourceType}${text ? `?${text}` : ''}`;
}

/**
 * The cause a failed `fetch` carries (undici wraps it in `TypeError: fetch failed`), so that the
 * transport classification sees the socket error code.
 */
function transportError(error: unknown, where: string, signal: AbortSignal): HutongError {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (!signal.aborted && cause?.code === 'UND_ERR_SOCKET') {
    // The connection was dropped: for the citizen, the department is down.
    return hutongError('HUTONG_ERR_DEPARTMENT_UNREACHABLE', `${where} could not be reached (connection closed: ${cause.message ?? 'socket error'})`, { cause: error });
  }
  return classifyTransportError(cause?.code ? cause : error, where, signal);
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/** Turns a failed answer into its error; returns when the answer is a success. */
function checkAnswer(answer: Answer, where: string, refusalStatuses: ReadonlySet<number>, retryAfter: string | null): void {
  const { status, body } = answer;
  // 429 first: whatever its body says, the caller should come back later, and the shield treats it so.
  if (status === 429) {
    throw hutongError('HUTONG_ERR_DEPARTMENT_THROTTLED', `${where} is throttling calls (HTTP 429${retryAfter ? `, retry after ${retryAfter} s` : ''})`, {
      details: retryAfter ? { retryAfter } : undefined,
    });
  }
  const issues = failingOutcome(body);
  if (issues) {
    const details = { status, issues: issues.map((i) => ({ severity: i.severity, code: i.code, diagnostics: i.diagnostics })) };
    if (refusalStatuses.has(status)) {
      throw hutongError('HUTONG_ERR_DEPARTMENT_REFUSED', `${where} refused: ${describeIssues(issues)}`, { details });
    }
    throw hutongError('HUTONG_ERR_DEPARTMENT_OPERATION_OUTCOME', `${where} answered an OperationOutcome (HTTP ${status}): ${describeIssues(issues)}`, { details });
  }
  if (status < 200 || status >= 300) throw hutongError('HUTONG_ERR_DEPARTMENT_FAULT', `${where} answered HTTP ${status}`, { details: { status } });
}

/** The headers an action's request expression gave, checked against {@link ACTION_HEADERS}; null values left out. */
function actionHeaders(headers: unknown, where: string, action: string): Record<string, string> {
  if (headers === undefined || headers === null) return {};
  if (typeof headers !== 'object' || Array.isArray(headers)) throw hutongError('HUTONG_ERR_INTERNAL', `${where}: the ${action} request's headers must be an object`);
  const checked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || value === null) continue;
    const canonical = ACTION_HEADERS.get(name.toLowerCase());
    if (!canonical) {
      throw hutongError('HUTONG_ERR_INTERNAL', `${where}: the ${action} request may set only ${[...ACTION_HEADERS.values()].join(' and ')}, not "${name.slice(0, 60)}"`);
    }
    if (typeof value !== 'string' || !HEADER_VALUE.test(value)) {
      throw hutongError('HUTONG_ERR_INTERNAL', `${where}: the ${action} request gave ${canonical} a value that is not printable ASCII text`);
    }
    checked[canonical] = value;
  }
  return checked;
}

async function call(
  url: string,
  init: { method: string; body?: unknown; headers?: Readonly<Record<string, string>> },
  signal: AbortSignal,
): Promise<{ answer: Answer; retryAfter: string | null }> {
  const headers: Record<string, string> = { ...init.headers, accept: FHIR_JSON };
  let payload: string | undefined;
  if (init.body !== undefined) {
    // FHIR patches as JSON Patch; everything else is a resource.
    headers['content-type'] = init.method === 'PATCH' && Array.isArray(init.body) ? JSON_PATCH : FHIR_JSON;
    payload = JSON.stringify(init.body);
  }
  const response = await fetch(url, { method: init.method, headers, body: payload, signal });
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined; // judged by its status below; a 200 without JSON is no Bundle
  }
  return { answer: { status: response.status, body }, retryAfter: response.headers.get('retry-after') };
}

interface CompiledRecord {
  readonly search: Mapping;
  readonly response: Promise<Mapping>;
  readonly maxPages: number;
}

interface CompiledAction {
  readonly request: Mapping;
  readonly response: Promise<Mapping>;
}

const NO_REFUSALS: ReadonlySet<number> = new Set();
// How a FHIR server says "no" to an action: 409 conflict (slot full), 422 business rule, and for a
// conditional interaction 404 (nothing of this citizen's matches) or 412 (more than one does).
const REFUSALS: ReadonlySet<number> = new Set([404, 409, 412, 422]);

function createFhirConnector(options: FhirOptions, context: ConnectorContext): Connector {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const base = new URL(baseUrl);
  const where = `${context.cityId}/${context.departmentId}`;
  const load = (file: string): Promise<Mapping> => {
    const mapping = loadMappingFile(resolveMappingFile(context.configDir, file), context);
    mapping.catch(() => {}); // a missing or broken file fails the calls that need it, not the process
    return mapping;
  };
  const records = new Map<string, CompiledRecord>();
  for (const [recordType, record] of recordEntries(options)) {
    records.set(recordType, { search: compileMapping(record.search, context), response: load(record.response), maxPages: record.maxPages ?? 20 });
  }
  const actions = new Map<string, CompiledAction>();
  for (const [name, action] of actionEntries(options)) {
    actions.set(name, { request: compileMapping(action.request, context), response: load(action.response) });
  }
  const bindings = { cityId: context.cityId, departmentId: context.departmentId };

  /** A paging link is followed only to the department's own server, never elsewhere. */
  const ownUrl = (link: string): string => {
    let url: URL;
    try {
      url = new URL(link, `${baseUrl}/`);
    } catch {
      throw hutongError('HUTONG_ERR_DEPARTMENT_FAULT', `${where} answered a paging link that is not a URL: ${link}`);
    }
    if (url.origin !== base.origin || !`${url.pathname}/`.startsWith(`${base.pathname.replace(/\/$/, '')}/`)) {
      throw hutongError('HUTONG_ERR_DEPARTMENT_FAULT', `${where} answered a paging link outside its base URL: ${link}`);
    }
    return url.href;
  };

  async function mapAnswer(mapping: Mapping, body: unknown): Promise<unknown> {
    try {
      return await mapping.evaluate(body, bindings);
    } catch (error) {
      throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where} answered something the mapping cannot read: ${messageOf(error)}`, { cause: error });
    }
  }

  async function performAction(action: ActionRequest, { signal }: CallOptions): Promise<unknown> {
    const compiled = actions.get(action.name);
    if (!compiled) throw new TypeError(`${where} has no action ${action.name}`);
    const input = {
      identifier: action.identifier.value,
      identifierKind: action.identifier.kind,
      recordId: action.recordId,
      params: action.params ?? {},
      cityId: context.cityId,
      departmentId: context.departmentId,
    };
    let request: { method?: unknown; path?: unknown; headers?: unknown; body?: unknown } | undefined;
    try {
      request = (await compiled.request.evaluate(input)) as typeof request;
    } catch (error) {
      throw hutongError('HUTONG_ERR_INTERNAL', `${where}: the ${action.name} request expression failed: ${messageOf(error)}`, { cause: error });
    }
    const method = String(request?.method ?? '').toUpperCase();
    const relative = request?.path;
    if (!METHODS.has(method) || typeof relative !== 'string' || relative === '' || /^\/|:\/\/|(^|\/)\.\.(\/|$)/.test(relative)) {
      throw hutongError('HUTONG_ERR_INTERNAL', `${where}: the ${action.name} request must give a method and a path relative to the base URL`);
    }
    const headers = actionHeaders(request?.headers, where, action.name);
    try {
      const responseMapping = await compiled.response;
      const { answer, retryAfter } = await call(`${baseUrl}/${relative}`, { method, body: request?.body, headers }, signal);
      checkAnswer(answer, where, REFUSALS, retryAfter);
      if (!isResource(answer.body)) throw hutongError('HUTONG_ERR_DEPARTMENT_FAULT', `${where} answered HTTP ${answer.status} without a FHIR resource`);
      return await mapAnswer(responseMapping, answer.body);
    } catch (error) {
      if (isHutongError(error)) throw error;
      throw transportError(error, where, signal);
    }
  }

  return {
    kind: 'fhir',
    recordTypes: new Set(records.keys()) as ReadonlySet<RecordType>,

    async fetchRecords(query: RecordQuery, { signal, admitNext }) {
      const record = records.get(query.recordType);
      if (!record) throw new TypeError(`${where} maps no ${query.recordType}`);
      const referenceDate = query.params?.date ?? todayIn(context.timeZone);
      if (!isLocalDate(referenceDate)) throw hutongError('HUTONG_ERR_VALIDATION', `date must be a calendar date YYYY-MM-DD, not "${referenceDate}"`);
      const input = {
        identifier: query.identifier?.value,
        identifierKind: query.identifier?.kind,
        params: query.params ?? {},
        cityId: context.cityId,
        departmentId: context.departmentId,
        referenceDate,
        zoneOffset: zoneOffset(context.timeZone, new Date(`${referenceDate}T04:00:00Z`)),
      };
      let search: unknown;
      try {
        search = await record.search.evaluate(input, { addDays });
      } catch (error) {
        throw hutongError('HUTONG_ERR_INTERNAL', `${where}: the ${query.recordType} search expression failed: ${messageOf(error)}`, { cause: error });
      }
      let url = searchUrl(baseUrl, search, where);
      const found: unknown[] = [];
      try {
        const responseMapping = await record.response;
        for (let page = 1; ; page++) {
          if (page > 1) await admitNext?.();
          const { answer, retryAfter } = await call(url, { method: 'GET' }, signal);
          checkAnswer(answer, where, NO_REFUSALS, retryAfter);
          if (!isBundle(answer.body)) throw hutongError('HUTONG_ERR_DEPARTMENT_FAULT', `${where} answered HTTP ${answer.status} without a FHIR Bundle`);
          const bundle: FhirBundle = answer.body;
          const mapped = (await mapAnswer(responseMapping, bundle)) as { records?: unknown } | undefined;
          const pageRecords = mapped?.records === undefined ? [] : Array.isArray(mapped.records) ? mapped.records : [mapped.records];
          found.push(...pageRecords);
          const next = nextLink(bundle);
          if (next === undefined) break;
          if (page >= record.maxPages) {
            // Returning part of the results as if it were all of them would mislead.
            const total = typeof bundle.total === 'number' ? `${bundle.total} ` : '';
            throw hutongError('HUTONG_ERR_DEPARTMENT_FAULT', `${where} has ${total}${query.recordType} results in more than ${record.maxPages} pages`);
          }
          url = ownUrl(next);
        }
      } catch (error) {
        if (isHutongError(error)) throw error;
        throw transportError(error, where, signal);
      }
      return found;
    },
    ...(actions.size > 0 ? { actions: new Set(actions.keys()) as ReadonlySet<string>, performAction } : {}),
  };
}

export const fhirConnector = defineConnector({
  kind: 'fhir',
  optionsSchema: FhirOptions,
  async validateOptions(options, context) {
    const problems: Array<{ path: string; message: string }> = [];
    try {
      const url = new URL(options.baseUrl);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push({ path: 'baseUrl', message: 'must be an http or https URL' });
    } catch {
      problems.push({ path: 'baseUrl', message: `"${options.baseUrl}" is not a URL` });
    }
    const checkFile = async (optionPath: string, file: string): Promise<void> => {
      const absolute = resolveMappingFile(context.configDir, file);
      try {
        await access(absolute);
        await loadMappingFile(absolute, context);
      } catch (error) {
        const message = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `mapping file ${absolute} does not exist` : `mapping file ${absolute} does not compile: ${messageOf(error)}`;
        problems.push({ path: optionPath, message });
      }
    };
    const checkExpression = (optionPath: string, source: string): void => {
      try {
        compileMapping(source, context);
      } catch (error) {
        problems.push({ path: optionPath, message: `JSONata does not compile: ${messageOf(error)}` });
      }
    };
    for (const [recordType, record] of recordEntries(options)) {
      checkExpression(`records.${recordType}.search`, record.search);
      await checkFile(`records.${recordType}.response`, record.response);
    }
    for (const [name, action] of actionEntries(options)) {
      checkExpression(`actions.${name}.request`, action.request);
      await checkFile(`actions.${name}.response`, action.response);
    }
    return problems;
  },
  create: createFhirConnector,
});
