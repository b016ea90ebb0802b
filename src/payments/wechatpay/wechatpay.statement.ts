import { Formatter } from 'wechatpay-axios-plugin';
import type { StatementLine } from '../provider.ts';

/** Why a trade bill could not be read; the provider turns it into HUTONG_ERR_WALLET_UNAVAILABLE. */
export class TradeBillFormatError extends Error {
  override readonly name = 'TradeBillFormatError';
}

type BillRecord = Readonly<Record<string, string | undefined>>;

/** `"200.00"` → 20000; exact, no floating point. */
export function yuanToFen(text: string | undefined): number | undefined {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text?.trim() ?? '');
  if (!match) return undefined;
  const fen = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] === '-' ? -fen : fen;
}

/** `"2026-01-01 10:00:00"` (China time, as the bill writes it) → the instant. */
function chinaTime(text: string | undefined): Date | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(text?.trim() ?? '');
  if (!match) return undefined;
  const at = new Date(`${match[1]}T${match[2]}+08:00`);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/**
 * The lines of an `ALL` trade bill file (UTF-8 with BOM, backquoted values, summary at the end), split
 * by the plugin's own `Formatter.castCsvBill`. Payment rows (`交易状态` SUCCESS) count `订单金额`; refund
 * rows (REFUND) count `退款金额`; other rows (REVOKED) are not payments or refunds and are left out.
 * The summary's `总交易单数` must match the rows, so a cut-off file is not taken for a short day.
 *
 * @example
 *   const lines = parseTradeBill(fileBytes) // [{ kind: 'payment', outTradeNo, amountFen: 20000, … }]
 */
export function parseTradeBill(file: Buffer): StatementLine[] {
  let parsed: { rows: BillRecord[]; summary: BillRecord };
  try {
    parsed = Formatter.castCsvBill(file) as { rows: BillRecord[]; summary: BillRecord };
  } catch {
    throw new TradeBillFormatError('the trade bill is not in WeChat Pay\'s CSV layout');
  }
  const { rows, summary } = parsed;
  if (String(rows.length) !== summary['总交易单数']?.trim()) {
    throw new TradeBillFormatError(`the trade bill has ${rows.length} rows but its summary counts ${summary['总交易单数'] ?? 'none'}`);
  }
  const lines: StatementLine[] = [];
  rows.forEach((row, index) => {
    const state = row['交易状态'];
    if (state !== 'SUCCESS' && state !== 'REFUND') return;
    const at = chinaTime(row['交易时间']);
    const outTradeNo = row['商户订单号'];
    const providerTradeNo = row['微信订单号'];
    const payment = state === 'SUCCESS';
    const amountFen = payment ? (yuanToFen(row['订单金额']) ?? yuanToFen(row['应结订单金额'])) : yuanToFen(row['退款金额']);
    const outRefundNo = row['商户退款单号'];
    if (!at || !outTradeNo || !providerTradeNo || amountFen === undefined || (!payment && !outRefundNo)) {
      throw new TradeBillFormatError(`row ${index + 1} of the trade bill is incomplete`);
    }
    lines.push(
      payment
        ? { kind: 'payment', outTradeNo, providerTradeNo, amountFen, at }
        : { kind: 'refund', outTradeNo, outRefundNo, providerTradeNo, amountFen, at },
    );
  });
  return lines;
}
