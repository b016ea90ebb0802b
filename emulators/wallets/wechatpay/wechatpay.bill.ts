/**
 * The trade bill (交易账单) file as WeChat Pay's `/v3/billdownload/file` delivers it: UTF-8 with a BOM,
 * CRLF lines, a header row, one row per payment and per refund, then the summary header and the
 * summary row. Every value in the data and summary rows is prefixed with a backquote (so that
 * spreadsheets keep long numbers as text); amounts are yuan with two decimals, fees five.
 */

/** One row of the bill, before it is written out. */
export interface BillRow {
  readonly kind: 'payment' | 'refund';
  /** China-local `YYYY-MM-DD HH:mm:ss`: the payment's success time, or when the refund was accepted. */
  readonly time: string;
  readonly appid: string;
  readonly mchid: string;
  readonly transactionId: string;
  readonly outTradeNo: string;
  readonly openid: string;
  readonly description: string;
  readonly attach: string;
  /** The payment's amount (payment rows) or the refund's (refund rows), in fen. */
  amountFen: number;
  readonly refundId?: string;
  readonly outRefundNo?: string;
  readonly refundStatus?: string;
}

/** The columns of the `ALL` bill, in WeChat Pay's order. */
export const TRADE_BILL_COLUMNS = [
  '交易时间', '公众账号ID', '商户号', '特约商户号', '设备号', '微信订单号', '商户订单号', '用户标识', '交易类型', '交易状态',
  '付款银行', '货币种类', '应结订单金额', '代金券金额', '微信退款单号', '商户退款单号', '退款金额', '充值券退款金额', '退款类型',
  '退款状态', '商品名称', '商户数据包', '手续费', '费率', '订单金额', '申请退款金额', '费率备注',
] as const;

export const TRADE_BILL_SUMMARY_COLUMNS = ['总交易单数', '应结订单总金额', '退款总金额', '充值券退款总金额', '手续费总金额', '订单总金额', '申请退款总金额'] as const;

/** The fee rate the emulated merchant pays on each payment (and gets back on each refund). */
const FEE_RATE_PERCENT = '0.60%';
const FEE_RATE = 0.006;

const yuan = (fen: number): string => {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
};

/** The fee in yuan with five decimals, rounded to the fen as WeChat Pay charges it; negative for refunds. */
const fee = (fen: number): string => `${yuan(Math.round(fen * FEE_RATE))}000`;

function rowCells(row: BillRow): string[] {
  const payment = row.kind === 'payment';
  const cells: Record<(typeof TRADE_BILL_COLUMNS)[number], string> = {
    交易时间: row.time,
    公众账号ID: row.appid,
    商户号: row.mchid,
    特约商户号: '0',
    设备号: '',
    微信订单号: row.transactionId,
    商户订单号: row.outTradeNo,
    用户标识: row.openid,
    交易类型: 'NATIVE',
    交易状态: payment ? 'SUCCESS' : 'REFUND',
    付款银行: 'OTHERS',
    货币种类: 'CNY',
    应结订单金额: payment ? yuan(row.amountFen) : '0.00',
    代金券金额: '0.00',
    微信退款单号: payment ? '0' : (row.refundId ?? '0'),
    商户退款单号: payment ? '0' : (row.outRefundNo ?? '0'),
    退款金额: payment ? '0.00' : yuan(row.amountFen),
    充值券退款金额: '0.00',
    退款类型: payment ? '' : 'ORIGINAL',
    退款状态: payment ? '' : (row.refundStatus ?? 'SUCCESS'),
    商品名称: row.description,
    商户数据包: row.attach,
    手续费: fee(payment ? row.amountFen : -row.amountFen),
    费率: FEE_RATE_PERCENT,
    订单金额: payment ? yuan(row.amountFen) : '0.00',
    申请退款金额: payment ? '0.00' : yuan(row.amountFen),
    费率备注: '',
  };
  return TRADE_BILL_COLUMNS.map((column) => cells[column]);
}

/** The bill file's bytes for these rows (already filtered to the day and the bill type). */
export function renderTradeBill(rows: readonly BillRow[]): Buffer {
  const payments = rows.filter((row) => row.kind === 'payment');
  const refunds = rows.filter((row) => row.kind === 'refund');
  const sum = (list: readonly BillRow[]): number => list.reduce((total, row) => total + row.amountFen, 0);
  const fees = rows.reduce((total, row) => total + Math.round((row.kind === 'payment' ? row.amountFen : -row.amountFen) * FEE_RATE), 0);
  const quoted = (cells: readonly string[]): string => cells.map((cell) => `\`${cell}`).join(',');
  const lines = [
    TRADE_BILL_COLUMNS.join(','),
    ...rows.map((row) => quoted(rowCells(row))),
    TRADE_BILL_SUMMARY_COLUMNS.join(','),
    quoted([String(rows.length), yuan(sum(payments)), yuan(sum(refunds)), '0.00', `${yuan(fees)}000`, yuan(sum(payments)), yuan(sum(refunds))]),
  ];
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8')]);
}
