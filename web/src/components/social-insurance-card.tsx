import { useId } from 'react';
import type { ServiceRecord } from '../api.ts';
import { yuan } from '../format.ts';
import { useServiceText } from '../texts/services.ts';
import { Fields, num, text } from './fields.tsx';
import '../styles/services.css';

/** A social insurance summary: months paid as the headline, account balances in yuan. */
export function SocialInsuranceCard({ record }: { record: ServiceRecord }) {
  const s = useServiceText();
  const titleId = useId();
  const months = num(record.contributionMonths);
  const status = text(record.status) ?? 'active';
  const pension = num(record.pensionBalanceFen);
  const medical = num(record.medicalBalanceFen);
  return (
    <article className="card record" aria-labelledby={titleId}>
      <div className="record-head">
        <h3 className="record-title" id={titleId}>
          {text(record.employer) ?? s.insuranceTitle}
        </h3>
        <span className={status === 'active' ? 'badge badge-ok' : 'badge badge-warn'}>{s.insuranceStatus(status)}</span>
      </div>
      <Fields
        rows={[
          [s.monthsPaid, months !== undefined ? <strong>{s.monthsValue(months)}</strong> : undefined],
          [s.lastMonth, text(record.lastContributionMonth)],
          [s.insuredSince, text(record.insuredSince)],
          [s.pensionBalance, pension !== undefined ? yuan(pension) : undefined],
          [s.medicalBalance, medical !== undefined ? yuan(medical) : undefined],
        ]}
      />
    </article>
  );
}
