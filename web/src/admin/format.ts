import type { Lang } from './texts.ts';

const LOCALE: Readonly<Record<Lang, string>> = { zh: 'zh-CN', en: 'en-GB' };
// The hub serves Chinese cities only; times read the same for every operator.
const ZONE = 'Asia/Shanghai';

export function formatCount(value: number, lang: Lang): string {
  return new Intl.NumberFormat(LOCALE[lang]).format(value);
}

/** A share 0…1 as a percentage with one decimal; null (nothing to divide) as a dash. */
export function formatRatio(value: number | null | undefined, lang: Lang): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return new Intl.NumberFormat(LOCALE[lang], { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value);
}

/** Integer fen as yuan with two decimals: 12050 → "¥120.50". */
export function formatYuan(fen: number, lang: Lang): string {
  return new Intl.NumberFormat(LOCALE[lang], { style: 'currency', currency: 'CNY', currencyDisplay: 'narrowSymbol', minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(fen / 100);
}

export function formatMs(value: number, lang: Lang): string {
  return `${new Intl.NumberFormat(LOCALE[lang], { maximumFractionDigits: value < 10 ? 1 : 0 }).format(value)} ms`;
}

/** An RFC 3339 time as "HH:mm:ss" in China's zone. */
export function formatClock(value: string | Date, lang: Lang): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(LOCALE[lang], { timeZone: ZONE, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(date);
}

/** An RFC 3339 time as "YYYY-MM-DD HH:mm:ss" in China's zone. */
export function formatDateTime(value: string, lang: Lang): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return `${chinaDate(date)} ${formatClock(date, lang)}`;
}

/** The China-local calendar day of a moment, as YYYY-MM-DD (reconciliation works by that day). */
export function chinaDate(at: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** errors ÷ requests, or null when there were none. */
export function ratioOf(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}
