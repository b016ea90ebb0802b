import { useId } from 'react';
import type { ServiceRecord } from '../api.ts';
import { formatTime } from '../format.ts';
import { useServiceText } from '../texts/services.ts';
import { Fields, text } from './fields.tsx';
import '../styles/services.css';

/** The stages an application passes through, in order (the exit-entry administration's 01–06). */
const STAGES = ['submitted', 'reviewing', 'approved', 'producing', 'ready', 'collected'] as const;

/** A permit application as a step list, the stage it has reached marked as the current step. */
export function PermitProgress({ record }: { record: ServiceRecord }) {
  const s = useServiceText();
  const titleId = useId();
  const stage = text(record.stage) ?? 'submitted';
  const permit = s.permitType(text(record.permitType) ?? '');
  // A refusal ends the list where it happened: after the review.
  const steps: readonly string[] = stage === 'rejected' ? ['submitted', 'reviewing', 'rejected'] : STAGES;
  const current = Math.max(0, steps.indexOf(stage));
  const submittedAt = text(record.submittedAt);
  const updatedAt = text(record.updatedAt);
  return (
    <article className={stage === 'rejected' ? 'card record overdue' : 'card record'} data-record-id={text(record.id)} aria-labelledby={titleId}>
      <div className="record-head">
        <h3 className="record-title" id={titleId}>
          {permit}
        </h3>
        <span className={stage === 'rejected' ? 'badge badge-error' : stage === 'ready' || stage === 'collected' ? 'badge badge-ok' : 'badge'}>{s.stageName(stage)}</span>
      </div>
      <ol className="steps" aria-label={s.progressLabel(permit)}>
        {steps.map((step, index) => {
          const state = index < current ? 'done' : index > current ? 'pending' : step === 'rejected' ? 'rejected' : stage === 'collected' ? 'done' : 'current';
          return (
            <li key={step} className="step" data-state={state} aria-current={index === current ? 'step' : undefined}>
              <span className="step-mark" aria-hidden="true">
                {state === 'done' ? '✓' : state === 'rejected' ? '✕' : index + 1}
              </span>
              <span className="step-text">
                <span className="step-name">{s.stageName(step)}</span>
                <span className="step-state">
                  {index === current ? `${s.stepCurrent}${updatedAt ? ` · ${formatTime(updatedAt)}` : ''}` : state === 'done' ? s.stepDone : s.stepPending}
                </span>
              </span>
            </li>
          );
        })}
      </ol>
      <Fields
        rows={[
          [s.applicationNumber, text(record.id)],
          [s.submittedAt, submittedAt ? formatTime(submittedAt) : undefined],
          [s.updatedAt, updatedAt ? formatTime(updatedAt) : undefined],
        ]}
      />
    </article>
  );
}
