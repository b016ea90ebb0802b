import { inflateSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { hutongError } from '../../errors.ts';
import type { StatementLine } from '../provider.ts';
import { parseChinaStamp } from './unionpay.client.ts';

/**
 * Reads the daily statement file the gateway's file transfer (`txnType=76`, `fileType=00`) returns
 * in `fileContent`: base64 of a zlib-deflated GBK text, CRLF lines, `|`-separated. UnionPay's own
 * statement is a fixed-width file set in an archive; this is the simpler layout Hutong's emulator
 * publishes, with the same content. First line: the column names below; then one line per
 * transaction:
 *
 * `交易类型|商户订单号|原商户订单号|查询流水号|原查询流水号|交易时间|清算日期|交易金额|请求方保留域`
 *
 * 交易类型 `01` payment / `04` refund; 交易时间 `yyyyMMddHHmmss` China time; 交易金额 fen, 12 digits;
 * 请求方保留域 the `reqReserved` the hub sent with a refund (it names the hub's trade and refund).
 */
export const STATEMENT_COLUMNS = '交易类型|商户订单号|原商户订单号|查询流水号|原查询流水号|交易时间|清算日期|交易金额|请求方保留域';

/** What the hub puts in a refund's `reqReserved`: its trade and refund numbers, UnionPay echoes it back. */
export interface RefundReference {
  readonly outTradeNo: string;
  readonly outRefundNo: string;
}

export function encodeRefundReference(reference: RefundReference): string {
  return Buffer.from(JSON.stringify({ outTradeNo: reference.outTradeNo, outRefundNo: reference.outRefundNo }), 'utf8').toString('base64url');
}

export function decodeRefundReference(reqReserved: string | undefined): RefundReference | undefined {
  if (reqReserved === undefined || !/^[A-Za-z0-9_-]+$/.test(reqReserved)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(reqReserved, 'base64url').toString('utf8'));
    const { outTradeNo, outRefundNo } = (value ?? {}) as Record<string, unknown>;
    return typeof outTradeNo === 'string' && typeof outRefundNo === 'string' ? { outTradeNo, outRefundNo } : undefined;
  } catch {
    return undefined;
  }
}

function unreadable(reason: string, cause?: unknown): Error {
  return hutongError('HUTONG_ERR_WALLET_UNAVAILABLE', `UnionPay's statement file cannot be read: ${reason}`, cause === undefined ? undefined : { cause });
}

/** The statement's lines mapped to fen; a refund the hub did not send (no reference) keeps UnionPay's order id as its refund number. */
export function parseStatementFile(fileContent: string): StatementLine[] {
  let text: string;
  try {
    text = iconv.decode(inflateSync(Buffer.from(fileContent, 'base64')), 'gbk');
  } catch (error) {
    throw unreadable('not a deflated file', error);
  }
  const rows = text.split(/\r?\n/).filter((row) => row !== '');
  if (rows[0] !== STATEMENT_COLUMNS) throw unreadable('unexpected columns');
  return rows.slice(1).map((row, index) => {
    const cells = row.split('|');
    const [txnType, orderId, origOrderId, queryId, , completedAt, , amount, reqReserved] = cells;
    const at = parseChinaStamp(completedAt);
    if (cells.length !== 9 || !/^\d{12}$/.test(amount ?? '') || at === undefined || orderId === '' || queryId === '') {
      throw unreadable(`line ${index + 2} is malformed`);
    }
    const amountFen = Number(amount);
    if (txnType === '01') return { kind: 'payment', outTradeNo: orderId, providerTradeNo: queryId, amountFen, at };
    if (txnType === '04') {
      const reference = decodeRefundReference(reqReserved);
      return {
        kind: 'refund',
        outTradeNo: reference?.outTradeNo ?? origOrderId,
        outRefundNo: reference?.outRefundNo ?? orderId,
        providerTradeNo: queryId,
        amountFen,
        at,
      };
    }
    throw unreadable(`line ${index + 2} has the unknown transaction type ${txnType}`);
  });
}
