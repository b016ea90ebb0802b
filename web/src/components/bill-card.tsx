import { useId, type ReactNode } from 'react';
import type { ServiceRecord } from '../api.ts';
import { daysUntil, yuan } from '../format.ts';
import { useServiceText } from '../texts/services.ts';
import { Fields, num, text } from './fields.tsx';
import '../styles/services.css';

/** Units as a reader writes them; the companies send them in plain ASCII. */
const UNIT_SYMBOLS: Readonly<Record<string, string>> = { m3: 'm³' };

/** Whether a bill is overdue: the company says so, or it is unpaid past its due date. */
export function billOverdue(record: ServiceRecord): boolean {
  if (record.status === 'overdue') return true;
  const dueOn = text(record.dueOn);
  return record.status === 'unpaid' && dueOn !== undefined && daysUntil(dueOn) < 0;
}

/**
 * Bills as a person wants to see them, whichever company sent them in which order: the ones still
 * to pay first, soonest due first; then the paid ones, newest period first.
 */
export function billsInOrder(records: readonly ServiceRecord[]): ServiceRecord[] {
  const open = (r: ServiceRecord) => text(r.status) !== 'paid';
  return [...records].sort((a, b) => {
    if (open(a) !== open(b)) return open(a) ? -1 : 1;
    const order = open(a) ? (text(a.dueOn) ?? '').localeCompare(text(b.dueOn) ?? '') : (text(b.period) ?? '').localeCompare(text(a.period) ?? '');
    return order || (text(a.id) ?? '').localeCompare(text(b.id) ?? '');
  });
}

/** A water, electricity or gas bill: the amount, the due date (overdue marked in words), usage. */
export function BillCard({ record, actions }: { record: ServiceRecord; actions?: (describedBy: string | undefined) => ReactNode }) {
  const s = useServiceText();
  const titleId = useId();
  const status = text(record.status) ?? 'unpaid';
  const overdue = billOverdue(record);
  const shownStatus = overdue ? 'overdue' : status;
  const amount = num(record.amountFen);
  const dueOn = text(record.dueOn);
  const days = dueOn ? daysUntil(dueOn) : undefined;
  const usage = num(record.usage);
  const badge = shownStatus === 'paid' ? 'badge badge-ok' : shownStatus === 'overdue' ? 'badge badge-error' : 'badge badge-warn';
  return (
    <article className={overdue ? 'card record overdue' : 'card record'} data-record-id={text(record.id)} aria-labelledby={titleId}>
      <div className="record-head">
        <h3 className="record-title" id={titleId}>
          {s.billTitle(s.utilityName(text(record.utility) ?? ''), text(record.period) ?? '')}
        </h3>
        <span className={badge}>{s.billStatus(shownStatus)}</span>
      </div>
      {amount !== undefined ? <p className="record-figure">{yuan(amount)}</p> : null}
      <Fields
        rows={[
          [
            s.billDueOn,
            dueOn ? (
              <>
                {dueOn}
                {status !== 'paid' && days !== undefined ? <span className={days < 0 ? 'due-late' : days <= 7 ? 'due-soon' : undefined}>（{s.dueInDays(days)}）</span> : null}
              </>
            ) : undefined,
          ],
          [s.usage, usage !== undefined ? `${usage} ${UNIT_SYMBOLS[text(record.unit) ?? ''] ?? text(record.unit) ?? ''}` : undefined],
          [s.account, text(record.accountNumber)],
        ]}
      />
      {actions ? <div className="record-actions">{actions(titleId)}</div> : null}
    </article>
  );
}
