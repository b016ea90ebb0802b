import type { ReactNode } from 'react';
import type { ServiceRecord, SourceStatus } from '../api.ts';
import { BillCard } from './bill-card.tsx';
import { LibraryLoanCard } from './library-loan-card.tsx';
import { LicenceCard } from './licence-card.tsx';
import { PermitProgress } from './permit-progress.tsx';
import { RecordCard } from './record-card.tsx';
import { SocialInsuranceCard } from './social-insurance-card.tsx';

/** The linked identifier a record came from: its own word, or the only identifier that was asked. */
function identifierOf(record: ServiceRecord, sources: readonly SourceStatus[]): string | undefined {
  if (typeof record.identifierId === 'string') return record.identifierId;
  const asked = [...new Set(sources.flatMap((s) => ((s as { identifierId?: string }).identifierId ? [(s as { identifierId?: string }).identifierId!] : [])))];
  return asked.length === 1 ? asked[0] : undefined;
}

/** One record in the view that fits its type (`recordType` of the listRecords answer); the generic card otherwise. */
export function RecordView({
  cityId,
  serviceId,
  recordType,
  record,
  sources,
  actions,
  onChanged,
}: {
  cityId: string;
  serviceId: string;
  recordType: string;
  record: ServiceRecord;
  sources: readonly SourceStatus[];
  actions?: (describedBy: string | undefined) => ReactNode;
  /** After the record changed at its department (a renewal): the list is loaded again. */
  onChanged(): void;
}) {
  switch (recordType) {
    case 'LibraryLoan':
      return <LibraryLoanCard cityId={cityId} serviceId={serviceId} record={record} identifierId={identifierOf(record, sources)} onRenewed={onChanged} />;
    case 'Bill':
      return <BillCard record={record} actions={actions} />;
    case 'LicenceStatus':
      return <LicenceCard record={record} />;
    case 'SocialInsuranceSummary':
      return <SocialInsuranceCard record={record} />;
    case 'PermitApplication':
      return <PermitProgress record={record} />;
    default:
      return <RecordCard record={record} actions={actions} />;
  }
}
