import { useId, useState } from 'react';
import { api, ApiError, cityApiPath, type ServiceActionResult, type ServiceRecord } from '../api.ts';
import { daysUntil } from '../format.ts';
import { useServiceText } from '../texts/services.ts';
import { Fields, num, text } from './fields.tsx';
import '../styles/services.css';

type Outcome = { readonly kind: 'renewed'; readonly dueOn: string } | { readonly kind: 'refused'; readonly error: ApiError } | null;

/**
 * A book on loan: when it is due (and how soon), renewals left, and a button to renew it at the
 * library; the library's answer stays in a status line after the list reloads.
 */
export function LibraryLoanCard({
  cityId,
  serviceId,
  record,
  identifierId,
  onRenewed,
}: {
  cityId: string;
  serviceId: string;
  record: ServiceRecord;
  /** The linked library card the loan is on. */
  identifierId?: string;
  onRenewed(): void;
}) {
  const s = useServiceText();
  const titleId = useId();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const id = text(record.id) ?? '';
  const dueOn = text(record.dueOn);
  const days = dueOn ? daysUntil(dueOn) : undefined;
  const overdue = record.overdue === true || (days !== undefined && days < 0);
  const renewalsLeft = num(record.renewalsLeft) ?? 0;
  const blocked = overdue ? s.overdueReturnFirst : renewalsLeft <= 0 ? s.noRenewalsLeft : null;

  const renew = async () => {
    if (!identifierId) {
      setOutcome({ kind: 'refused', error: new ApiError(0, 'HUTONG_ERR_IDENTIFIER_NOT_LINKED', s.renewNeedsCard) });
      return;
    }
    setBusy(true);
    setOutcome(null);
    try {
      const answer = await api<ServiceActionResult>(cityApiPath.action(cityId, serviceId, 'renewLoan'), {
        method: 'POST',
        auth: true,
        body: { identifierId, recordId: id },
      });
      setOutcome({ kind: 'renewed', dueOn: text(answer.result.dueOn) ?? '' });
      onRenewed();
    } catch (failure) {
      setOutcome({ kind: 'refused', error: failure instanceof ApiError ? failure : new ApiError(0, 'UNEXPECTED', String(failure)) });
    } finally {
      setBusy(false);
    }
  };

  const dueClass = days === undefined ? undefined : days < 0 ? 'due-late' : days <= 7 ? 'due-soon' : undefined;
  return (
    <article className={overdue ? 'card record overdue' : 'card record'} data-record-id={id} aria-labelledby={titleId}>
      <div className="record-head">
        <h3 className="record-title" id={titleId}>
          {text(record.title) ?? id}
        </h3>
        {overdue ? <span className="badge badge-error">{s.overdue}</span> : null}
      </div>
      <Fields
        rows={[
          [
            s.dueOn,
            dueOn ? (
              <>
                {dueOn} {days !== undefined ? <span className={dueClass}>（{s.dueInDays(days)}）</span> : null}
              </>
            ) : undefined,
          ],
          [s.borrowedOn, text(record.borrowedOn)],
          [s.renewalsLeft, String(renewalsLeft)],
        ]}
      />
      <div className="record-actions">
        <button type="button" className="button" aria-describedby={titleId} disabled={busy || blocked !== null} onClick={() => void renew()}>
          {busy ? s.renewing : s.renew}
        </button>
      </div>
      {blocked ? <p className="hint">{blocked}</p> : null}
      <div role="status" className="action-status">
        {outcome?.kind === 'renewed' ? <p className="notice notice-ok">{s.renewed(outcome.dueOn)}</p> : null}
        {outcome?.kind === 'refused' ? (
          <p className="notice notice-error">
            {s.renewRefused}
            {outcome.error.message} <code>{outcome.error.code}</code>
          </p>
        ) : null}
      </div>
    </article>
  );
}
