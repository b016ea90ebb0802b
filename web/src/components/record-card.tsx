import type { ServiceRecord } from '../api.ts';
import { describeRecord } from '../format.ts';
import { useText } from '../i18n.tsx';

const ATTENTION = new Set(['unpaid', 'overdue', 'suspended', 'revoked', 'expired', 'congested', 'blocked', 'rejected']);

/** One standard-model record, whatever its type: a title and its fields as a definition list. */
export function RecordCard({ record }: { record: ServiceRecord }) {
  const { t, lang } = useText();
  const { title, fields } = describeRecord(record, lang, { yes: t.yes, no: t.no });
  const needsAttention = (typeof record.status === 'string' && ATTENTION.has(record.status)) || record.overdue === true;
  return (
    <article className={needsAttention ? 'card record attention' : 'card record'}>
      {title ? <h3 className="record-title">{title}</h3> : null}
      <dl className="fields">
        {fields.map((field) => (
          <div key={field.key} className="field">
            <dt>{field.label}</dt>
            <dd>{field.value}</dd>
          </div>
        ))}
      </dl>
    </article>
  );
}
