import type { ColumnType, Generated } from 'kysely';

/** Row types of the store; the migrations are the source of truth and these follow them. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface CitizensTable {
  id: Generated<string>;
  created_at: CreatedAt;
}

export interface ChannelIdentitiesTable {
  channel: string;
  channel_user_id: string;
  citizen_id: string;
  created_at: CreatedAt;
  last_login_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface LinkedIdentifiersTable {
  id: Generated<string>;
  citizen_id: string;
  kind: string;
  value: string;
  issuer: string | null;
  consent_channel: string;
  consent_text_version: string;
  consented_at: ColumnType<Date, Date | string, Date | string>;
  created_at: CreatedAt;
}

export interface LoginCodesTable {
  id: Generated<string>;
  channel: string;
  subject: string;
  code_hash: string;
  attempts: Generated<number>;
  created_at: CreatedAt;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface SessionsTable {
  id: Generated<string>;
  citizen_id: string;
  channel: string;
  created_at: CreatedAt;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface HubSecretsTable {
  name: string;
  value: string;
  created_at: CreatedAt;
}

export interface AuditEntriesTable {
  id: Generated<string>;
  at: CreatedAt;
  actor: string;
  action: string;
  subject: string;
  city_id: string | null;
  detail: ColumnType<Record<string, unknown>, string | undefined, never>;
}

export interface Database {
  citizens: CitizensTable;
  channel_identities: ChannelIdentitiesTable;
  linked_identifiers: LinkedIdentifiersTable;
  login_codes: LoginCodesTable;
  sessions: SessionsTable;
  hub_secrets: HubSecretsTable;
  audit_entries: AuditEntriesTable;
}

// Batch imports (migration 0003): records from departments' batch files and the runs that imported them.

export interface BatchImportRunsTable {
  id: Generated<string>;
  city_id: string;
  department_id: string;
  record_type: string;
  file_name: string;
  sha256: string;
  encoding: string | null;
  status: 'importing' | 'imported' | 'failed';
  rows_declared: number | null;
  lines_imported: Generated<number>;
  /** `[{ line, reason }]`, appended batch by batch. */
  rejected_lines: ColumnType<Array<{ line: number; reason: string }>, string | undefined, string>;
  last_committed_line: Generated<number>;
  error: string | null;
  started_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  finished_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface BatchRecordsTable {
  city_id: string;
  department_id: string;
  record_type: string;
  record_id: string;
  identifier_kind: string;
  identifier_value: string;
  record: ColumnType<unknown, string, string>;
  import_run_id: string;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

// Declaration merging keeps the tables above beside their migration without editing the list above.
export interface Database {
  batch_import_runs: BatchImportRunsTable;
  batch_records: BatchRecordsTable;
}
