/**
 * The emulator's daily statement file (对账文件). UnionPay's own is a set of fixed-width GBK files
 * in one archive; this emulator keeps one GBK text file with `|`-separated columns and CRLF line
 * ends, sent as `fileContent` = base64(zlib deflate(file)). The first line names the columns:
 *
 * | # | column    | content                                                       |
 * |---|-----------|---------------------------------------------------------------|
 * | 1 | 交易类型   | `01` consumption (payment), `04` return (refund)               |
 * | 2 | 商户订单号 | the transaction's `orderId` (a refund's own order id)          |
 * | 3 | 原商户订单号 | for a refund, the paid order's `orderId`; empty for a payment |
 * | 4 | 查询流水号 | the transaction's `queryId`                                    |
 * | 5 | 原查询流水号 | for a refund, the paid order's `queryId`; empty for a payment |
 * | 6 | 交易时间   | `yyyyMMddHHmmss`, China-local, when UnionPay completed it      |
 * | 7 | 清算日期   | `MMdd`                                                         |
 * | 8 | 交易金额   | fen, 12 digits, zero-padded                                    |
 * | 9 | 请求方保留域 | the request's `reqReserved`, as sent                          |
 */
import { deflateSync } from 'node:zlib';
import iconv from 'iconv-lite';

export const STATEMENT_HEADER = '交易类型|商户订单号|原商户订单号|查询流水号|原查询流水号|交易时间|清算日期|交易金额|请求方保留域';

export interface StatementFileLine {
  readonly txnType: '01' | '04';
  readonly orderId: string;
  readonly origOrderId: string;
  readonly queryId: string;
  readonly origQryId: string;
  /** `yyyyMMddHHmmss`, China-local. */
  readonly completedAt: string;
  readonly settleDate: string;
  readonly amountFen: number;
  readonly reqReserved: string;
}

export function statementFileText(lines: readonly StatementFileLine[]): string {
  const rows = lines.map((line) =>
    [
      line.txnType,
      line.orderId,
      line.origOrderId,
      line.queryId,
      line.origQryId,
      line.completedAt,
      line.settleDate,
      String(line.amountFen).padStart(12, '0'),
      line.reqReserved,
    ].join('|'),
  );
  return [STATEMENT_HEADER, ...rows].map((row) => `${row}\r\n`).join('');
}

/** `fileContent` as the file transfer answer carries it. */
export function statementFileContent(lines: readonly StatementFileLine[]): string {
  return deflateSync(iconv.encode(statementFileText(lines), 'gbk')).toString('base64');
}
