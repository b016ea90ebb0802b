import type { Lang } from './i18n.tsx';
import type { ServiceRecord } from './api.ts';
import { DEPARTMENT_LABELS, fieldLabel, labelOf, valueLabel } from './labels.ts';

const yuanFormat = new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY' });

/** Integer fen (CNY minor units) as yuan: 12050 → "¥120.50". */
export function yuan(fen: number): string {
  return yuanFormat.format(fen / 100);
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/;

/** An RFC 3339 time as "YYYY-MM-DD HH:mm" in the zone it was written in (the city's). */
export function formatTime(value: string): string {
  const match = RFC3339.exec(value);
  return match ? `${match[1]} ${match[2]}` : value;
}

/** Field names that are bookkeeping rather than something a person reads. */
const HIDDEN_FIELDS = new Set(['cityId', 'geometry', 'segmentId', 'slotId', 'serviceId', 'identifierId']);
/** Fields whose values are codes from a fixed list, shown by their label. */
const ENUM_FIELDS = new Set(['status', 'recordedBy', 'utility', 'level', 'stage']);

export interface RecordField {
  readonly key: string;
  readonly label: string;
  readonly value: string;
}

function displayValue(key: string, value: unknown, lang: Lang, yesNo: { yes: string; no: string }): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return key.endsWith('Fen') && Number.isInteger(value) ? yuan(value) : String(value);
  if (typeof value === 'boolean') return value ? yesNo.yes : yesNo.no;
  if (typeof value === 'string') {
    if (key === 'departmentId') return labelOf(DEPARTMENT_LABELS, value, lang);
    if (ENUM_FIELDS.has(key)) return valueLabel(value, lang);
    return RFC3339.test(value) ? formatTime(value) : value;
  }
  if (Array.isArray(value)) return value.every((v) => typeof v !== 'object') ? value.join(', ') : null;
  if (typeof value === 'object') {
    const parts = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => (typeof v === 'object' ? null : `${fieldLabel(k, lang)}: ${displayValue(k, v, lang, yesNo)}`))
      .filter((p): p is string => p !== null);
    return parts.length ? parts.join(' · ') : null;
  }
  return String(value);
}

const TITLE_FIELDS = ['title', 'description', 'road', 'permitType', 'resource', 'employer'] as const;

/** A record as a card: a title and its readable fields, in the order the department gave them. */
export function describeRecord(record: ServiceRecord, lang: Lang, yesNo: { yes: string; no: string }): { title: string; titleKey?: string; fields: RecordField[] } {
  const titleKey = TITLE_FIELDS.find((key) => typeof record[key] === 'string' && record[key] !== '');
  const fields: RecordField[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (key === titleKey || HIDDEN_FIELDS.has(key)) continue;
    const shown = displayValue(key, value, lang, yesNo);
    if (shown !== null && shown !== '') fields.push({ key, label: fieldLabel(key, lang), value: shown });
  }
  const title = titleKey ? String(record[titleKey]) : typeof record.id === 'string' ? record.id : '';
  return { title, ...(titleKey ? { titleKey } : {}), fields };
}

const chinaTimeParts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** A time the hub may write in UTC (a booking's start, hold, …) as "YYYY-MM-DD HH:mm" in China's zone, where every city it serves is. */
export function formatChinaTime(value: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const part = (type: string) => chinaTimeParts.formatToParts(date).find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`;
}

/** Today's date "YYYY-MM-DD" in China's zone, where due dates are written. */
export function chinaToday(now: Date = new Date()): string {
  return formatChinaTime(now.toISOString()).slice(0, 10);
}

/** Days from today (China) to a date "YYYY-MM-DD": 0 today, negative when it has passed. */
export function daysUntil(date: string, now: Date = new Date()): number {
  return Math.round((Date.parse(`${date.slice(0, 10)}T00:00:00Z`) - Date.parse(`${chinaToday(now)}T00:00:00Z`)) / 86_400_000);
}
