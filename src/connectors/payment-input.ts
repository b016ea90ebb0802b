import { fenToYuanString } from '../model/identifiers.ts';
import type { ConnectorContext, PaymentRecord } from './connector.ts';
import { zoneOffset } from './mapping.ts';

/**
 * What a payment's request expression (or a payment file's column) reads: the payment as the
 * department is told it. Times are given in the city's zone, as department systems keep them.
 */
export interface PaymentInput {
  readonly recordType: string;
  readonly recordId: string;
  readonly identifier: string;
  readonly identifierKind: string;
  readonly amountFen: number;
  /** The amount in yuan with two decimals, "200.00". */
  readonly amountYuan: string;
  readonly paymentReference: string;
  /** RFC 3339 in the city's zone, "2026-11-01T10:00:00+08:00". */
  readonly paidAt: string;
  /** The same instant as the department's wall clock writes it, "2026-11-01 10:00:00". */
  readonly paidAtLocal: string;
  readonly wallet: string;
  readonly cityId: string;
  readonly departmentId: string;
}

/** "yyyy-MM-dd HH:mm:ss" of an instant on the wall clock of a zone. */
export function localDateTime(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '00';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')}`;
}

/**
 * The inputs of a payment's request expression.
 *
 * @example
 *   paymentInput(payment, context).amountYuan // "200.00" for 20000 fen
 */
export function paymentInput(payment: PaymentRecord, context: Pick<ConnectorContext, 'cityId' | 'departmentId' | 'timeZone'>): PaymentInput {
  const local = localDateTime(payment.paidAt, context.timeZone);
  return {
    recordType: payment.recordType,
    recordId: payment.recordId,
    identifier: payment.identifier.value,
    identifierKind: payment.identifier.kind,
    amountFen: payment.amountFen,
    amountYuan: fenToYuanString(payment.amountFen),
    paymentReference: payment.paymentReference,
    paidAt: `${local.replace(' ', 'T')}${zoneOffset(context.timeZone, payment.paidAt)}`,
    paidAtLocal: local,
    wallet: payment.wallet,
    cityId: context.cityId,
    departmentId: context.departmentId,
  };
}

/** The department's reference from a mapped payment answer `{ departmentReference }`, or undefined when it gives none. */
export function departmentReferenceOf(mapped: unknown): string | undefined {
  const value = mapped !== null && typeof mapped === 'object' ? (mapped as { departmentReference?: unknown }).departmentReference : undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
