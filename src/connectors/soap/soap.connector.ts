import { access } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import soap from 'soap';
import { hutongError, isHutongError } from '../../errors.ts';
import { RecordType } from '../../model/catalog.ts';
import { defineConnector, type Connector, type ConnectorContext, type PaymentRecord, type RecordQuery } from '../connector.ts';
import { compileMapping, loadMappingFile, type Mapping, resolveMappingFile } from '../mapping.ts';
import { departmentReferenceOf, paymentInput } from '../payment-input.ts';
import { classifyTransportError } from '../transport-errors.ts';

const SoapRecordOptions = Type.Object(
  {
    operation: Type.String({ minLength: 1, description: 'WSDL operation name' }),
    request: Type.String({ minLength: 1, description: 'JSONata building the SOAP arguments from { identifier, page, pageSize }' }),
    response: Type.String({ minLength: 1, description: 'path of a JSONata file mapping one page to { records, total }' }),
    pageSize: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
    maxPages: Type.Integer({ minimum: 1, maximum: 1000, default: 20 }),
  },
  { additionalProperties: false },
);

const SoapPaymentOptions = Type.Object(
  {
    operation: Type.String({ minLength: 1, description: 'WSDL operation that records a payment' }),
    request: Type.String({
      minLength: 1,
      description:
        'JSONata building the SOAP arguments from { recordId, identifier, identifierKind, amountFen, amountYuan, paymentReference, paidAt, paidAtLocal, wallet, cityId, departmentId }',
    }),
    response: Type.String({ minLength: 1, description: 'path of a JSONata file mapping the answer to { departmentReference }' }),
    refusedFaultCodes: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description:
        'fault codes (namespace prefix ignored, e.g. Client.AlreadyPaid) by which the department refuses a payment for good: HUTONG_ERR_DEPARTMENT_REFUSED; any other fault is HUTONG_ERR_DEPARTMENT_SOAP_FAULT and may be retried',
    }),
  },
  { additionalProperties: false },
);

export const SoapOptions = Type.Object(
  {
    wsdl: Type.String({ minLength: 1, description: 'URL of the WSDL' }),
    endpoint: Type.Optional(Type.String({ description: 'overrides the WSDL soap:address' })),
    records: Type.Partial(Type.Record(RecordType, SoapRecordOptions), { additionalProperties: false, minProperties: 1, description: 'one entry per record type the department answers' }),
    payments: Type.Optional(
      Type.Partial(Type.Record(RecordType, SoapPaymentOptions), { additionalProperties: false, description: 'record types the department takes payments for, each with its operation' }),
    ),
  },
  { additionalProperties: false },
);
export type SoapOptions = Static<typeof SoapOptions>;
type SoapRecordOptions = Static<typeof SoapRecordOptions>;
type SoapPaymentOptions = Static<typeof SoapPaymentOptions>;

function recordEntries(options: SoapOptions): Array<[string, SoapRecordOptions]> {
  return Object.entries(options.records) as Array<[string, SoapRecordOptions]>;
}

function paymentEntries(options: SoapOptions): Array<[string, SoapPaymentOptions]> {
  return Object.entries(options.payments ?? {}) as Array<[string, SoapPaymentOptions]>;
}

interface CompiledPayment {
  readonly operation: string;
  readonly request: Mapping;
  readonly response: Promise<Mapping>;
  readonly refusedFaultCodes: ReadonlySet<string>;
}

/** A fault code without its namespace prefix: `soap:Client.AlreadyPaid` → `Client.AlreadyPaid`. */
function localFaultCode(code: string): string {
  return code.slice(code.indexOf(':') + 1);
}

interface CompiledRecordMapping {
  readonly operation: string;
  readonly request: Mapping;
  readonly response: Promise<Mapping>;
  readonly pageSize: number;
  readonly maxPages: number;
}

type SoapMethod = (args: unknown, options: { signal: AbortSignal }) => Promise<[unknown, ...unknown[]]>;

/** The soap package reports a SOAP Fault as an error carrying the parsed fault under `root.Envelope.Body.Fault`. */
function soapFaultOf(error: unknown): { code: string; text: string } | undefined {
  const fault = (error as { root?: { Envelope?: { Body?: { Fault?: Record<string, unknown> } } } })?.root?.Envelope?.Body?.Fault;
  if (!fault) return undefined;
  return { code: String(fault.faultcode ?? ''), text: String(fault.faultstring ?? '') };
}

/** Waits for `promise`, but rejects with the signal's reason once it aborts (the promise itself runs on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

const WSDL_TIMEOUT_MS = 10_000;


function createSoapConnector(options: SoapOptions, context: ConnectorContext): Connector {
  const compiled = new Map<string, CompiledRecordMapping>();
  for (const [recordType, record] of recordEntries(options)) {
    const response = loadMappingFile(resolveMappingFile(context.configDir, record.response), context);
    response.catch(() => {}); // a missing or broken file fails fetchRecords, not the process (unhandled rejection)
    compiled.set(recordType, {
      operation: record.operation,
      request: compileMapping(record.request, context),
      response,
      pageSize: record.pageSize ?? 50,
      maxPages: record.maxPages ?? 20,
    });
  }
  const payments = new Map<string, CompiledPayment>();
  for (const [recordType, payment] of paymentEntries(options)) {
    const response = loadMappingFile(resolveMappingFile(context.configDir, payment.response), context);
    response.catch(() => {}); // fails recordPayment, not the process
    payments.set(recordType, {
      operation: payment.operation,
      request: compileMapping(payment.request, context),
      response,
      refusedFaultCodes: new Set((payment.refusedFaultCodes ?? []).map(localFaultCode)),
    });
  }
  const where = `${context.cityId}/${context.departmentId}`;
  let client: Promise<soap.Client> | undefined;
  const clientFor = (): Promise<soap.Client> => {
    // The WSDL load is shared by every call, so it gets its own bound instead of one caller's deadline.
    const clientOptions = { wsdl_options: { timeout: WSDL_TIMEOUT_MS }, ...(options.endpoint ? { endpoint: options.endpoint } : {}) };
    client ??= soap.createClientAsync(options.wsdl, clientOptions).catch((error: unknown) => {
      client = undefined; // the next call tries the WSDL again
      throw error;
    });
    return client;
  };

  /** The operation as a bound method of the shared client; the WSDL load is held to this call's deadline, since it takes no signal. */
  const operationOf = async (operation: string, signal: AbortSignal): Promise<(args: unknown) => Promise<[unknown, ...unknown[]]>> => {
    const soapClient = await untilAborted(clientFor(), signal);
    const method = (soapClient as unknown as Record<string, SoapMethod>)[`${operation}Async`];
    if (typeof method !== 'function') {
      throw hutongError('HUTONG_ERR_DEPARTMENT_FAULT', `${where}: the WSDL has no operation ${operation}`);
    }
    return (args) => method.call(soapClient, args, { signal });
  };

  /** Anything not yet a HutongError: a SOAP fault (a refusal when its code says so), else timeout, unreachable or fault. */
  const classify = (error: unknown, signal: AbortSignal, refusedFaultCodes: ReadonlySet<string> = new Set()): Error => {
    if (isHutongError(error)) return error;
    const fault = soapFaultOf(error);
    if (fault && refusedFaultCodes.has(localFaultCode(fault.code))) {
      return hutongError('HUTONG_ERR_DEPARTMENT_REFUSED', `${where} refused: ${fault.text}`, { details: { faultcode: fault.code }, cause: error });
    }
    if (fault) {
      return hutongError('HUTONG_ERR_DEPARTMENT_SOAP_FAULT', `${where} answered a SOAP fault ${fault.code}: ${fault.text}`, {
        details: { faultcode: fault.code },
        cause: error,
      });
    }
    return classifyTransportError(error, where, signal);
  };

  const connector: Connector = {
    kind: 'soap',
    recordTypes: new Set(compiled.keys()) as ReadonlySet<RecordType>,
    async fetchRecords(query: RecordQuery, { signal, admitNext }) {
      const mapping = compiled.get(query.recordType);
      if (!mapping) throw new TypeError(`${context.cityId}/${context.departmentId} maps no ${query.recordType}`);
      const records: unknown[] = [];
      try {
        const call = await operationOf(mapping.operation, signal);
        const responseMapping = await mapping.response;
        for (let page = 1; page <= mapping.maxPages; page++) {
          if (page > 1) await admitNext?.();
          const input = { identifier: query.identifier?.value, identifierKind: query.identifier?.kind, params: query.params ?? {}, page, pageSize: mapping.pageSize };
          const args = await mapping.request.evaluate(input);
          const [result] = await call(args);
          let mapped: { records?: unknown; total?: unknown } | undefined;
          try {
            mapped = (await responseMapping.evaluate(result ?? {}, {
              cityId: context.cityId,
              departmentId: context.departmentId,
            })) as typeof mapped;
          } catch (error) {
            const message = (error as { message?: unknown })?.message ?? String(error);
            throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where} answered something the mapping cannot read: ${String(message)}`, { cause: error });
          }
          const pageRecords = mapped?.records === undefined ? [] : Array.isArray(mapped.records) ? mapped.records : [mapped.records];
          records.push(...pageRecords);
          const total = Number(mapped?.total ?? records.length);
          if (pageRecords.length === 0 || records.length >= total) break;
          if (page === mapping.maxPages) {
            // Returning part of a citizen's records as if it were all of them would mislead.
            throw hutongError('HUTONG_ERR_DEPARTMENT_FAULT', `${where} has ${total} ${query.recordType} records, more than ${mapping.maxPages} pages of ${mapping.pageSize}`);
          }
        }
      } catch (error) {
        throw classify(error, signal);
      }
      return records;
    },
  };
  if (payments.size === 0) return connector;
  return {
    ...connector,
    paymentRecordTypes: new Set(payments.keys()) as ReadonlySet<RecordType>,
    async recordPayment(payment: PaymentRecord, { signal }) {
      const compiledPayment = payments.get(payment.recordType);
      if (!compiledPayment) throw new TypeError(`${where} takes no payments for ${payment.recordType}`);
      try {
        const call = await operationOf(compiledPayment.operation, signal);
        const responseMapping = await compiledPayment.response;
        let args: unknown;
        try {
          args = await compiledPayment.request.evaluate(paymentInput(payment, context));
        } catch (error) {
          throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where}: the ${payment.recordType} payment request expression failed: ${(error as Error).message}`, { cause: error });
        }
        const [result] = await call(args);
        let mapped: unknown;
        try {
          mapped = await responseMapping.evaluate(result ?? {}, { cityId: context.cityId, departmentId: context.departmentId });
        } catch (error) {
          throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where} answered the payment with something the mapping cannot read: ${(error as Error).message}`, { cause: error });
        }
        const departmentReference = departmentReferenceOf(mapped);
        if (departmentReference === undefined) {
          throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where}: the ${payment.recordType} payment mapping must give { departmentReference }`);
        }
        return { departmentReference };
      } catch (error) {
        throw classify(error, signal, compiledPayment.refusedFaultCodes);
      }
    },
  };
}

/** Problems of one request expression and its response file, at `<prefix>.request` and `<prefix>.response`. */
async function exchangeProblems(prefix: string, config: { request: string; response: string }, context: ConnectorContext): Promise<Array<{ path: string; message: string }>> {
  const problems: Array<{ path: string; message: string }> = [];
  try {
    compileMapping(config.request, context);
  } catch (error) {
    problems.push({ path: `${prefix}.request`, message: `JSONata does not compile: ${(error as Error).message}` });
  }
  const file = resolveMappingFile(context.configDir, config.response);
  try {
    await access(file);
    await loadMappingFile(file, context);
  } catch (error) {
    const message = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `mapping file ${file} does not exist` : `mapping file ${file} does not compile: ${(error as Error).message}`;
    problems.push({ path: `${prefix}.response`, message });
  }
  return problems;
}

export const soapConnector = defineConnector({
  kind: 'soap',
  optionsSchema: SoapOptions,
  async validateOptions(options, context) {
    const problems: Array<{ path: string; message: string }> = [];
    for (const [recordType, record] of recordEntries(options)) problems.push(...(await exchangeProblems(`records.${recordType}`, record, context)));
    for (const [recordType, payment] of paymentEntries(options)) problems.push(...(await exchangeProblems(`payments.${recordType}`, payment, context)));
    return problems;
  },
  create: createSoapConnector,
});
