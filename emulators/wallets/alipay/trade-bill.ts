/**
 * Alipay's daily trade statement (`bill_type=trade`) as its download URL serves it: a ZIP named
 * `<account>_<yyyyMMdd>.csv.zip` holding two GBK CSV files, the details (`…_业务明细.csv`) and the
 * summary (`…_业务明细(汇总).csv`). Each file opens with `#` header lines (title, account, period) and
 * ends with `#` summary lines; the detail columns are those of Alipay's 业务明细 export. Long numbers
 * carry a trailing tab so that spreadsheet programs keep every digit, as Alipay writes them.
 */
import iconv from 'iconv-lite';
import { writeZip } from './zip-writer.ts';

export interface TradeBillRow {
  readonly kind: 'payment' | 'refund';
  readonly tradeNo: string;
  readonly outTradeNo: string;
  /** The refund's `out_request_no`; refunds only. */
  readonly outRequestNo?: string;
  readonly subject: string;
  /** When the trade was created (the payer scanned), epoch ms. */
  readonly createdAt: number;
  /** When the payment or refund completed, epoch ms; its China-local date is the statement's day. */
  readonly finishedAt: number;
  readonly buyerLogonId: string;
  /** Positive fen; refunds are written as negative amounts. */
  readonly amountFen: number;
}

export const TRADE_BILL_COLUMNS = [
  '支付宝交易号',
  '商户订单号',
  '业务类型',
  '商品名称',
  '创建时间',
  '完成时间',
  '门店编号',
  '门店名称',
  '操作员',
  '终端号',
  '对方账户',
  '订单金额（元）',
  '商家实收（元）',
  '支付宝红包（元）',
  '集分宝（元）',
  '支付宝优惠（元）',
  '商家优惠（元）',
  '券核销金额（元）',
  '券名称',
  '商家红包消费金额（元）',
  '卡消费金额（元）',
  '退款批次号/请求号',
  '服务费（元）',
  '分润（元）',
  '备注',
] as const;

const SUMMARY_COLUMNS = ['门店编号', '门店名称', '交易订单总笔数', '退款订单总笔数', '订单金额（元）', '商家实收（元）', '支付宝优惠（元）', '商家优惠（元）', '卡消费金额（元）', '服务费（元）', '分润（元）', '实收净额（元）'];

/** Yuan with two decimals from integer fen, negative allowed. */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** `yyyy-MM-dd HH:mm:ss` in China time (UTC+8, no daylight saving). */
export function chinaDateTime(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** `yyyy年MM月dd日 HH:mm:ss`, as the statement's header lines write times. */
function chineseDateTime(ms: number): string {
  const [date, time] = chinaDateTime(ms).split(' ');
  const [y, m, d] = date.split('-');
  return `${y}年${m}月${d}日 ${time}`;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

const line = (fields: readonly string[]): string => fields.map(csvField).join(',');
const RULE = '#-----------------------------------------';

function detailsText(account: string, date: string, rows: readonly TradeBillRow[], exportedAt: number): string {
  const dayStart = Date.parse(`${date}T00:00:00+08:00`);
  const payments = rows.filter((row) => row.kind === 'payment');
  const refunds = rows.filter((row) => row.kind === 'refund');
  const total = (list: readonly TradeBillRow[], sign: number) => yuan(sign * list.reduce((sum, row) => sum + row.amountFen, 0));
  const lines = [
    '#支付宝业务明细查询',
    `#账号：[${account}]`,
    `#起始日期：[${chineseDateTime(dayStart)}]   终止日期：[${chineseDateTime(dayStart + 86_400_000)}]`,
    `${RULE}业务明细列表----------------------------------------`,
    line(TRADE_BILL_COLUMNS),
    ...rows.map((row) => {
      const amount = yuan(row.kind === 'refund' ? -row.amountFen : row.amountFen);
      return line([
        `${row.tradeNo}\t`,
        `${row.outTradeNo}\t`,
        row.kind === 'refund' ? '退款' : '交易',
        row.subject,
        chinaDateTime(row.createdAt),
        chinaDateTime(row.finishedAt),
        '',
        '',
        '',
        '',
        row.buyerLogonId,
        amount,
        amount,
        '0.00',
        '0.00',
        '0.00',
        '0.00',
        '0.00',
        '',
        '0.00',
        '0.00',
        row.kind === 'refund' ? `${row.outRequestNo ?? row.outTradeNo}\t` : '',
        '0.00',
        '0.00',
        '',
      ]);
    }),
    `${RULE}业务明细列表结束------------------------------------`,
    `#交易合计：${payments.length}笔，商家实收：${total(payments, 1)}元，商家优惠：0.00元`,
    `#退款合计：${refunds.length}笔，商家实收：${total(refunds, -1)}元，商家优惠：0.00元`,
    `#导出时间：[${chineseDateTime(exportedAt)}]`,
  ];
  return `${lines.join('\r\n')}\r\n`;
}

function summaryText(account: string, date: string, rows: readonly TradeBillRow[], exportedAt: number): string {
  const dayStart = Date.parse(`${date}T00:00:00+08:00`);
  const net = rows.reduce((sum, row) => sum + (row.kind === 'refund' ? -row.amountFen : row.amountFen), 0);
  const paid = rows.filter((row) => row.kind === 'payment').length;
  const refunded = rows.length - paid;
  const lines = [
    '#支付宝业务汇总查询',
    `#账号：[${account}]`,
    `#起始日期：[${chineseDateTime(dayStart)}]   终止日期：[${chineseDateTime(dayStart + 86_400_000)}]`,
    `${RULE}业务汇总列表----------------------------------------`,
    line(SUMMARY_COLUMNS),
    line(['', '合计', String(paid), String(refunded), yuan(net), yuan(net), '0.00', '0.00', '0.00', '0.00', '0.00', yuan(net)]),
    `${RULE}业务汇总列表结束------------------------------------`,
    `#导出时间：[${chineseDateTime(exportedAt)}]`,
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * The statement archive for one China-local day (`YYYY-MM-DD`) of one merchant account.
 *
 * @example
 *   const { fileName, zip } = tradeBillArchive({ account: '20880000000001560156', date: '2026-01-05', rows, exportedAt: Date.now() })
 */
export function tradeBillArchive(input: { account: string; date: string; rows: readonly TradeBillRow[]; exportedAt: number }): { fileName: string; zip: Buffer } {
  const compact = input.date.replaceAll('-', '');
  const base = `${input.account}_${compact}`;
  const modifiedAt = new Date(input.exportedAt);
  const zip = writeZip([
    { name: iconv.encode(`${base}_业务明细.csv`, 'gbk'), data: iconv.encode(detailsText(input.account, input.date, input.rows, input.exportedAt), 'gbk'), modifiedAt },
    { name: iconv.encode(`${base}_业务明细(汇总).csv`, 'gbk'), data: iconv.encode(summaryText(input.account, input.date, input.rows, input.exportedAt), 'gbk'), modifiedAt },
  ]);
  return { fileName: `${base}.csv.zip`, zip };
}
