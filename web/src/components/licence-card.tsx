import { useId } from 'react';
import type { ServiceRecord } from '../api.ts';
import { useServiceText } from '../texts/services.ts';
import { Fields, num, text } from './fields.tsx';
import '../styles/services.css';

/** A driving licence: points left out of 12 as a meter, its status in words, dates. */
export function LicenceCard({ record }: { record: ServiceRecord }) {
  const s = useServiceText();
  const titleId = useId();
  const meterId = useId();
  const pointsLeft = num(record.pointsLeft) ?? 0;
  const status = text(record.status) ?? 'valid';
  return (
    <article className={status === 'valid' ? 'card record' : 'card record overdue'} aria-labelledby={titleId}>
      <div className="record-head">
        <h3 className="record-title" id={titleId}>
          {s.licenceTitle}
        </h3>
        <span className={status === 'valid' ? 'badge badge-ok' : 'badge badge-error'}>{s.licenceStatus(status)}</span>
      </div>
      <div className="points">
        <label htmlFor={meterId}>{s.pointsMeterLabel}</label>
        <div className="points-row">
          <meter id={meterId} min={0} max={12} low={4} high={9} optimum={12} value={pointsLeft}>
            {s.pointsOf12(pointsLeft)}
          </meter>
          <span className="points-value">{s.pointsOf12(pointsLeft)}</span>
        </div>
      </div>
      <Fields
        rows={[
          [s.pointsUsed, num(record.pointsUsed)?.toString()],
          [s.cycleEnds, text(record.cycleEndsOn)],
          [s.validUntil, text(record.validUntil)],
          [s.vehicleClass, text(record.vehicleClass)],
          [s.licenceNumber, text(record.licenceNumberMasked)],
        ]}
      />
    </article>
  );
}
