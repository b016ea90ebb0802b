import path from 'node:path';
import { access } from 'node:fs/promises';
import { hutongError, isHutongError, type HutongError } from '../../errors.ts';
import type { RecordType } from '../../model/catalog.ts';
import type { IdentifierKind } from '../../model/common.ts';
import {
  defineConnector,
  type ActionRequest,
  type Connector,
  type ConnectorContext,
  type HolderCheck,
  type HolderCheckResult,
  type PaymentRecord,
  type RecordQuery,
} from '../connector.ts';
import { compileMapping, loadMappingFile, type Mapping, resolveMappingFile } from '../mapping.ts';
import { departmentReferenceOf, paymentInput } from '../payment-input.ts';
import { classifyTransportError } from '../transport-errors.ts';
import { createRestAuthenticator, retryAfterSeconds, transportCause, type RestAuthenticator } from './rest.auth.ts';
import { RestOptions, type RestActionOptions, type RestHolderCheckOptions, type RestPaymentOptions, type RestRecordOptions } from './rest.options.ts';

export { RestOptions } from './rest.options.ts';
export { signHmacRequest, oauthClientBasic } from './rest.auth.ts';

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

interface CompiledExchange {
  readonly request: Mapping;
  readonly response: Promise<Mapping>;
  readonly responseFile: string;
}

interface CompiledRecord extends CompiledExchange {
  readonly pageSize: number;
  readonly maxPages: number;
  readonly notFoundIsEmpty: boolean;
}

interface CompiledHolderCheck extends CompiledExchange {
  readonly notFoundIsUnknown: boolean;
}

/** Answers by which a department refuses a payment for good: no such record (404), or a conflict with it (409, 422). */
const PAYMENT_REFUSALS: ReadonlySet<number> = new Set([404, 409, 422]);
// RFC 9110 token characters: what a header name may be made of.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const HOLDER_OUTCOMES: ReadonlySet<string> = new Set<HolderCheckResult['outcome']>(['match', 'mismatch', 'unknown-identifier']);

/** One department answer: HTTP status, the JSON body (undefined when it is not JSON), and its raw headers. */
interface DepartmentAnswer {
  readonly status: number;
  readonly json: unknown;
  readonly isJson: boolean;
  readonly headers: Headers;
  /** Values sent as credentials, kept out of any error message built from this answer. */
  readonly sentSecrets: readonly string[];
}

function recordEntries(options: RestOptions): Array<[string, RestRecordOptions]> {
  return Object.entries(options.records ?? {}) as Array<[string, RestRecordOptions]>;
}

function actionEntries(options: RestOptions): Array<[string, RestActionOptions]> {
  return Object.entries(options.actions ?? {});
}

function holderCheckEntries(options: RestOptions): Array<[IdentifierKind, RestHolderCheckOptions]> {
  return Object.entries(options.holderChecks ?? {}) as Array<[IdentifierKind, RestHolderCheckOptions]>;
}

function paymentEntries(options: RestOptions): Array<[RecordType, RestPaymentOptions]> {
  return Object.entries(options.payments ?? {}) as Array<[RecordType, RestPaymentOptions]>;
}


function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function errorMessage(error: unknown): string {
  return String((error as { message?: unknown })?.message ?? error);
}

/** Removes every credential value from text a department or a library produced. */
function redact(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of secrets) if (secret.length >= 4) clean = clean.split(secret).join('[redacted]');
  return clean;
}

function compileExchange(config: { request: string; response: string }, context: ConnectorContext): CompiledExchange {
  const responseFile = resolveMappingFile(context.configDir, config.response);
  const response = loadMappingFile(responseFile, context);
  response.catch(() => {}); // a missing or broken file fails the first call, not the process (unhandled rejection)
  return { request: compileMapping(config.request, context), response, responseFile };
}

function buildQueryString(query: Readonly<Record<string, unknown>>, where: string): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined || item === null) continue;
      if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') {
        throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where}: the request expression gave query parameter "${key}" a value that is not a string, number or boolean`);
      }
      parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(item))}`);
    }
  }
  return parts.join('&');
}

/** The headers a request expression asked for: names HTTP allows, scalar values (null left out). */
function requestHeaders(headers: unknown, where: string): Array<[string, string]> {
  if (headers === undefined) return [];
  if (!isPlainObject(headers)) throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where}: the request expression's headers must be an object`);
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || value === null) continue;
    if (!HEADER_NAME.test(name)) throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where}: the request expression gave a header name HTTP does not allow`);
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where}: the request expression gave header "${name.slice(0, 60)}" a value that is not a string or number`);
    }
    pairs.push([name, String(value)]);
  }
  return pairs;
}

/** One request to the department, as a request expression asked for it. */
interface HttpRequest {
  readonly method: string;
  readonly url: URL;
  readonly body: string | undefined;
  /** Headers of this request (an idempotency key…), set after the configured ones and before the credentials. */
  readonly headers: ReadonlyArray<[string, string]>;
}

/**
 * Checks that a request expression gave `{ method, path, query?, headers?, body? }` and builds the
 * URL under baseUrl. The expression encodes path segments itself (`$encodeUrlComponent(identifier)`);
 * query values (scalars, or arrays for a repeated key; null left out) are encoded here.
 */
function toHttpRequest(spec: unknown, baseUrl: string, where: string): HttpRequest {
  if (!isPlainObject(spec) || typeof spec.method !== 'string' || typeof spec.path !== 'string') {
    throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where}: the request expression must give { method, path, query?, headers?, body? }`);
  }
  const method = spec.method.toUpperCase();
  if (!METHODS.has(method)) throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where}: the request expression gave an unsupported method "${spec.method.slice(0, 20)}"`);
  if (spec.query !== undefined && !isPlainObject(spec.query)) {
    throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where}: the request expression's query must be an object`);
  }
  if (spec.body !== undefined && method === 'GET') {
    throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where}: the request expression gave a body to a GET request`);
  }
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const relative = spec.path.startsWith('/') ? spec.path : `/${spec.path}`;
  const queryString = spec.query === undefined ? '' : buildQueryString(spec.query, where);
  const separator = queryString === '' ? '' : relative.includes('?') ? '&' : '?';
  const url = new URL(`${base.origin}${prefix}${relative}${separator}${queryString}`);
  // A path built from a citizen's input must not climb out of the department's API (`../`).
  if (url.origin !== base.origin || !(url.pathname === prefix || url.pathname.startsWith(`${prefix}/`))) {
    throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where}: the request expression gave a path outside the department's baseUrl`);
  }
  return { method, url, body: spec.body === undefined ? undefined : JSON.stringify(spec.body), headers: requestHeaders(spec.headers, where) };
}

/** The department's own error code and message from a JSON error body, if it has them. */
function departmentErrorOf(answer: DepartmentAnswer): { code?: string; message?: string } {
  if (!isPlainObject(answer.json)) return {};
  const body = answer.json;
  const pick = (...keys: string[]): string | undefined => {
    for (const key of keys) {
      const value = body[key];
      if (typeof value === 'string' || typeof value === 'number') return redact(String(value), answer.sentSecrets).slice(0, 300);
    }
    return undefined;
  };
  return { code: pick('code', 'errcode', 'error', 'resultCode'), message: pick('message', 'msg', 'errmsg', 'error_description', 'resultMsg') };
}

function describeDepartmentError(answer: DepartmentAnswer): string {
  const { code, message } = departmentErrorOf(answer);
  if (code === undefined && message === undefined) return '';
  return `: ${[code, message].filter((part) => part !== undefined).join(' ')}`;
}

/** Errors common to records and actions: throttling, refusal of the request, department faults, bodies that are not JSON. */
function failureOf(answer: DepartmentAnswer, where: string, what: string): HutongError | undefined {
  const { status } = answer;
  if (status === 429) {
    const seconds = retryAfterSeconds(answer.headers.get('retry-after'));
    return hutongError('HUTONG_ERR_DEPARTMENT_THROTTLED', `${where} answered 429 Too Many Requests to ${what}`, {
      details: seconds === undefined ? {} : { retryAfterSeconds: seconds },
    });
  }
  if (status >= 400) {
    const { code } = departmentErrorOf(answer);
    const kind = status >= 500 ? 'failed' : 'rejected';
    return hutongError('HUTONG_ERR_DEPARTMENT_FAULT', `${where} ${kind} ${what} with HTTP ${status}${describeDepartmentError(answer)}`, {
      details: code === undefined ? { status } : { status, departmentCode: code },
    });
  }
  if (status < 200 || status >= 300) {
    return hutongError('HUTONG_ERR_DEPARTMENT_FAULT', `${where} answered ${what} with HTTP ${status}`, { details: { status } });
  }
  if (!answer.isJson) {
    const type = answer.headers.get('content-type');
    return hutongError('HUTONG_ERR_DEPARTMENT_FAULT', `${where} answered ${what} with a body that is not JSON${type ? ` (${type.slice(0, 60)})` : ''}`, {
      details: { status },
    });
  }
  return undefined;
}

function createRestConnector(options: RestOptions, context: ConnectorContext): Connector {
  const where = `${context.cityId}/${context.departmentId}`;
  const auth: RestAuthenticator = createRestAuthenticator(options.auth, where);
  const configuredHeaders = Object.entries(options.headers ?? {});

  const records = new Map<string, CompiledRecord>();
  for (const [recordType, record] of recordEntries(options)) {
    records.set(recordType, {
      ...compileExchange(record, context),
      pageSize: record.pageSize ?? 50,
      maxPages: record.maxPages ?? 20,
      notFoundIsEmpty: record.notFoundIsEmpty ?? true,
    });
  }
  const actions = new Map<string, CompiledExchange>();
  for (const [name, action] of actionEntries(options)) actions.set(name, compileExchange(action, context));
  const holderChecks = new Map<IdentifierKind, CompiledHolderCheck>();
  for (const [kind, check] of holderCheckEntries(options)) {
    holderChecks.set(kind, { ...compileExchange(check, context), notFoundIsUnknown: check.notFoundIsUnknown ?? true });
  }
  const payments = new Map<RecordType, CompiledExchange>();
  for (const [recordType, payment] of paymentEntries(options)) payments.set(recordType, compileExchange(payment, context));

  const headersFor = async (request: HttpRequest, signal: AbortSignal): Promise<{ headers: Headers; authHeaders: Record<string, string> }> => {
    const headers = new Headers({ accept: 'application/json' });
    if (request.body !== undefined) headers.set('content-type', 'application/json; charset=utf-8');
    const authHeaders = await auth.headersFor(request, signal);
    for (const [name, value] of [...configuredHeaders, ...request.headers, ...Object.entries(authHeaders)]) {
      try {
        headers.set(name, value);
      } catch {
        // The library's message would quote the value, which may be a credential.
        throw hutongError('HUTONG_ERR_DEPARTMENT_FAULT', `${where}: the header "${name.slice(0, 60)}" has a value HTTP does not allow`);
      }
    }
    return { headers, authHeaders };
  };

  /** Sends one request (retried once with a new OAuth2 token after a 401) and reads the answer. */
  const exchange = async (spec: unknown, signal: AbortSignal): Promise<DepartmentAnswer> => {
    const request = toHttpRequest(spec, options.baseUrl, where);
    for (let attempt = 1; ; attempt++) {
      const { headers, authHeaders } = await headersFor(request, signal);
      // A redirect would carry the credentials to wherever it points; the department's baseUrl must be exact.
      const response = await fetch(request.url, { method: request.method, headers, body: request.body, signal, redirect: 'manual' });
      const text = await response.text();
      const sentSecrets = [...auth.secrets(), ...Object.values(authHeaders).map((value) => value.replace(/^(Bearer|Basic) /i, ''))];
      if (response.status === 401 && attempt === 1 && auth.unauthorized(authHeaders)) continue;
      // 204 No Content is an answer without a body (an action done); any other body must be JSON.
      let json: unknown = {};
      let isJson = true;
      if (response.status !== 204) {
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
          isJson = false;
        }
      }
      return { status: response.status, json, isJson, headers: response.headers, sentSecrets };
    }
  };

  const mapAnswer = async (mapping: Mapping, answer: DepartmentAnswer, what: string): Promise<unknown> => {
    try {
      return await mapping.evaluate(answer.json, { cityId: context.cityId, departmentId: context.departmentId, status: answer.status });
    } catch (error) {
      throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where} answered ${what} with something the mapping cannot read: ${redact(errorMessage(error), answer.sentSecrets)}`, { cause: error });
    }
  };

  const responseMappingOf = async (compiled: CompiledExchange): Promise<Mapping> => {
    try {
      return await compiled.response;
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `does not compile: ${errorMessage(error)}`;
      throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where}: mapping file ${compiled.responseFile} ${reason}`, { cause: error });
    }
  };

  const evaluateRequest = async (mapping: Mapping, input: Record<string, unknown>): Promise<unknown> => {
    try {
      return await mapping.evaluate(input);
    } catch (error) {
      throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where}: the request expression failed: ${errorMessage(error)}`, { cause: error });
    }
  };

  /** Turns anything that is not already a HutongError into TIMEOUT / UNREACHABLE / FAULT, without credentials in it. */
  const classify = (error: unknown, signal: AbortSignal): HutongError => {
    if (isHutongError(error)) return error;
    const classified = classifyTransportError(transportCause(error), where, signal);
    classified.message = redact(classified.message, auth.secrets());
    return classified;
  };

  const connector: Connector = {
    kind: 'rest',
    recordTypes: new Set(records.keys()) as ReadonlySet<RecordType>,
    async fetchRecords(query: RecordQuery, { signal, admitNext }) {
      const compiled = records.get(query.recordType);
      if (!compiled) throw new TypeError(`${where} maps no ${query.recordType}`);
      const what = `the ${query.recordType} request`;
      const collected: unknown[] = [];
      try {
        const responseMapping = await responseMappingOf(compiled);
        for (let page = 1; page <= compiled.maxPages; page++) {
          if (page > 1) await admitNext?.();
          const input = {
            identifier: query.identifier?.value,
            identifierKind: query.identifier?.kind,
            params: query.params ?? {},
            page,
            pageSize: compiled.pageSize,
            cityId: context.cityId,
            departmentId: context.departmentId,
          };
          const answer = await exchange(await evaluateRequest(compiled.request, input), signal);
          // "Nothing held under this identifier" on the first page, or no further page.
          if (answer.status === 404 && compiled.notFoundIsEmpty) break;
          const failure = failureOf(answer, where, what);
          if (failure) throw failure;
          const mapped = await mapAnswer(responseMapping, answer, what);
          if (mapped !== undefined && !isPlainObject(mapped)) {
            throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where}: the ${query.recordType} mapping must give { records, total? }`);
          }
          const pageRecords = mapped?.records === undefined ? [] : Array.isArray(mapped.records) ? mapped.records : [mapped.records];
          collected.push(...pageRecords);
          if (mapped?.total === undefined) break; // without a total the department answers in one page
          const total = Number(mapped.total);
          if (!Number.isFinite(total)) throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where}: the ${query.recordType} mapping gave a total that is not a number`);
          if (pageRecords.length === 0 || collected.length >= total) break;
          if (page === compiled.maxPages) {
            // Returning part of a citizen's records as if it were all of them would mislead.
            throw hutongError('HUTONG_ERR_DEPARTMENT_FAULT', `${where} has ${total} ${query.recordType} records, more than ${compiled.maxPages} pages of ${compiled.pageSize}`);
          }
        }
      } catch (error) {
        throw classify(error, signal);
      }
      return collected;
    },
  };
  const acting: Pick<Connector, 'actions' | 'performAction'> = {
    actions: new Set(actions.keys()),
    async performAction(action: ActionRequest, { signal }) {
      const compiled = actions.get(action.name);
      if (!compiled) throw new TypeError(`${where} has no action ${action.name}`);
      const what = `the ${action.name} action`;
      try {
        const responseMapping = await responseMappingOf(compiled);
        const input = {
          identifier: action.identifier.value,
          identifierKind: action.identifier.kind,
          recordId: action.recordId,
          params: action.params ?? {},
          cityId: context.cityId,
          departmentId: context.departmentId,
        };
        const answer = await exchange(await evaluateRequest(compiled.request, input), signal);
        if (answer.status === 409 || answer.status === 422) {
          const { code, message } = departmentErrorOf(answer);
          throw hutongError('HUTONG_ERR_DEPARTMENT_REFUSED', message ?? `${where} refused ${what} (HTTP ${answer.status})`, {
            details: code === undefined ? { status: answer.status } : { status: answer.status, departmentCode: code },
          });
        }
        const failure = failureOf(answer, where, what);
        if (failure) throw failure;
        return await mapAnswer(responseMapping, answer, what);
      } catch (error) {
        throw classify(error, signal);
      }
    },
  };

  const checking: Pick<Connector, 'holderCheckKinds' | 'checkHolder'> = {
    holderCheckKinds: new Set(holderChecks.keys()),
    async checkHolder(check: HolderCheck, { signal }): Promise<HolderCheckResult> {
      const kind = check.identifier.kind;
      const compiled = holderChecks.get(kind);
      if (!compiled) throw new TypeError(`${where} confirms no holder of a ${kind}`);
      const what = `the ${kind} holder check`;
      try {
        const responseMapping = await responseMappingOf(compiled);
        const input = {
          identifier: check.identifier.value,
          identifierKind: kind,
          name: check.holder.name,
          nationalId: check.holder.nationalId,
          cityId: context.cityId,
          departmentId: context.departmentId,
        };
        const answer = await exchange(await evaluateRequest(compiled.request, input), signal);
        if (answer.status === 404 && compiled.notFoundIsUnknown) return { outcome: 'unknown-identifier' };
        const failure = failureOf(answer, where, what);
        if (failure) throw failure;
        const mapped = await mapAnswer(responseMapping, answer, what);
        const outcome = isPlainObject(mapped) ? mapped.outcome : undefined;
        if (typeof outcome !== 'string' || !HOLDER_OUTCOMES.has(outcome)) {
          throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where}: the ${kind} holder check mapping must give { "outcome": "match" | "mismatch" | "unknown-identifier" }`);
        }
        return { outcome: outcome as HolderCheckResult['outcome'] };
      } catch (error) {
        throw classify(error, signal);
      }
    },
  };

  const paying: Pick<Connector, 'paymentRecordTypes' | 'recordPayment'> = {
    paymentRecordTypes: new Set(payments.keys()),
    async recordPayment(payment: PaymentRecord, { signal }) {
      const compiled = payments.get(payment.recordType);
      if (!compiled) throw new TypeError(`${where} takes no payments for ${payment.recordType}`);
      const what = `the ${payment.recordType} payment`;
      try {
        const responseMapping = await responseMappingOf(compiled);
        const answer = await exchange(await evaluateRequest(compiled.request, { ...paymentInput(payment, context) }), signal);
        if (PAYMENT_REFUSALS.has(answer.status)) {
          const { code, message } = departmentErrorOf(answer);
          throw hutongError('HUTONG_ERR_DEPARTMENT_REFUSED', `${where} refused ${what}${message === undefined ? ` (HTTP ${answer.status})` : `: ${message}`}`, {
            details: code === undefined ? { status: answer.status } : { status: answer.status, departmentCode: code },
          });
        }
        const failure = failureOf(answer, where, what);
        if (failure) throw failure;
        const departmentReference = departmentReferenceOf(await mapAnswer(responseMapping, answer, what));
        if (departmentReference === undefined) {
          throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where}: the ${payment.recordType} payment mapping must give { "departmentReference": "…" }`);
        }
        return { departmentReference };
      } catch (error) {
        throw classify(error, signal);
      }
    },
  };

  return {
    ...connector,
    ...(actions.size > 0 ? acting : {}),
    ...(holderChecks.size > 0 ? checking : {}),
    ...(payments.size > 0 ? paying : {}),
  };
}

/** Problems of one request expression and response file, at `<prefix>.request` and `<prefix>.response`. */
async function exchangeProblems(prefix: string, config: { request: string; response: string }, context: ConnectorContext): Promise<Array<{ path: string; message: string }>> {
  const problems: Array<{ path: string; message: string }> = [];
  try {
    compileMapping(config.request, context);
  } catch (error) {
    problems.push({ path: `${prefix}.request`, message: `JSONata does not compile: ${errorMessage(error)}` });
  }
  const file = resolveMappingFile(context.configDir, config.response);
  try {
    await access(file);
    await loadMappingFile(file, context);
  } catch (error) {
    const message = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `mapping file ${file} does not exist` : `mapping file ${file} does not compile: ${errorMessage(error)}`;
    problems.push({ path: `${prefix}.response`, message });
  }
  return problems;
}

/**
 * A department that answers JSON over HTTP. Each record type, action, holder check and payment is a
 * JSONata `request` expression giving `{ method, path, query?, headers?, body? }` and a mapping file
 * reading the JSON answer.
 *
 * @example
 *   const connector = restConnector.create(options, { cityId: 'beijing', departmentId: 'library', timeZone: 'Asia/Shanghai', configDir })
 *   const loans = await connector.fetchRecords({ recordType: 'LibraryLoan', identifier: card }, { signal })
 */
export const restConnector = defineConnector({
  kind: 'rest',
  optionsSchema: RestOptions,
  async validateOptions(options, context) {
    const problems: Array<{ path: string; message: string }> = [];
    for (const [recordType, record] of recordEntries(options)) problems.push(...(await exchangeProblems(`records.${recordType}`, record, context)));
    for (const [name, action] of actionEntries(options)) problems.push(...(await exchangeProblems(`actions.${name}`, action, context)));
    for (const [kind, check] of holderCheckEntries(options)) problems.push(...(await exchangeProblems(`holderChecks.${kind}`, check, context)));
    for (const [recordType, payment] of paymentEntries(options)) problems.push(...(await exchangeProblems(`payments.${recordType}`, payment, context)));
    return problems;
  },
  create: createRestConnector,
});
