import { useId, type ReactNode } from 'react';
import type { ServiceRecord } from '../api.ts';
import { describeRecord } from '../format.ts';
import { useText } from '../i18n.tsx';

const ATTENTION = new Set(['unpaid', 'overdue', 'suspended', 'revoked', 'expired', 'congested', 'blocked', 'rejected']);

/**
 * One standard-model record, whatever its type: a title and its fields as a definition list, and
 * what can be done about it (`actions`, given the id of the title to describe its buttons).
 */
export function RecordCard({ record, actions }: { record: ServiceRecord; actions?: (describedBy: string | undefined) => ReactNode }) {
  const { t, lang } = useText();
  const titleId = useId();
  const { title, fields } = describeRecord(record, lang, { yes: t.yes, no: t.no });
  const needsAttention = (typeof record.status === 'string' && ATTENTION.has(record.status)) || record.overdue === true;
  return (
    <article className={needsAttention ? 'card record attention' : 'card record'} data-record-id={typeof record.id === 'string' ? record.id : undefined}>
      {title ? (
        <h3 className="record-title" id={titleId}>
          {title}
        </h3>
      ) : null}
      <dl className="fields">
        {fields.map((field) => (
          <div key={field.key} className="field">
            <dt>{field.label}</dt>
            <dd>{field.value}</dd>
          </div>
        ))}
      </dl>
      {actions ? <div className="record-actions">{actions(title ? titleId : undefined)}</div> : null}
    </article>
  );
}
