import type { ColumnType, Generated } from 'kysely';

/** Row types of the store; the migrations are the source of truth and these follow them. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface CitizensTable {
  id: Generated<string>;
  created_at: CreatedAt;
  /** The name proved with the public-security register (migration 0006); null until then. */
  real_name: ColumnType<string | null, string | null | undefined, string | null>;
  real_name_verified_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
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
  /** When and by whom (`public-security`, `city/department`) the holder was confirmed (migration 0006). */
  verified_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  verified_by: ColumnType<string | null, string | null | undefined, string | null>;
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

export interface ConsentsTable {
  id: Generated<string>;
  citizen_id: string;
  channel: string;
  scope: string;
  text_version: string;
  granted_at: ColumnType<Date, Date | string | undefined, Date | string>;
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface RefreshTokensTable {
  id: Generated<string>;
  session_id: string;
  token_hash: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface Database {
  consents: ConsentsTable;
  refresh_tokens: RefreshTokensTable;
}

// Partner apps (migration 0004): apps that join with an Ed25519 key, and the signature nonces they used.

export interface PartnerAppsTable {
  id: string;
  name: string;
  /** Raw Ed25519 public key, base64url (a JWK's `x`). */
  public_key: string;
  status: ColumnType<'active' | 'revoked', 'active' | 'revoked' | undefined, 'active' | 'revoked'>;
  created_at: CreatedAt;
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface PartnerNoncesTable {
  partner_id: string;
  nonce: string;
  expires_at: ColumnType<Date, Date | string, Date | string>;
}

export interface Database {
  partner_apps: PartnerAppsTable;
  partner_nonces: PartnerNoncesTable;
}

// Real-name binding (migration 0006).

export interface RealNameChecksTable {
  id: Generated<string>;
  citizen_id: string;
  /** HMAC of the national id under the hub's key: checks of one id are counted, the id is not kept. */
  subject_hash: string;
  outcome: 'match' | 'mismatch' | 'not-found';
  at: CreatedAt;
}

export interface Database {
  real_name_checks: RealNameChecksTable;
}

// Links and browser-login handoffs (migration 0007).

export interface LinksTable {
  code: string;
  city_id: string;
  service_id: string;
  created_by: string | null;
  created_channel: string | null;
  created_at: CreatedAt;
  expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  opened: ColumnType<number, number | undefined, number>;
  /** A "pay for me" link points at one payable (migration 0009). */
  payable_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface SessionHandoffsTable {
  code_hash: string;
  session_id: string;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface Database {
  links: LinksTable;
  session_handoffs: SessionHandoffsTable;
}

// Payments (migration 0008).

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface PayablesTable {
  id: string;
  city_id: string;
  department_id: string;
  service_id: string;
  record_type: string;
  record_id: string;
  identifier_kind: string;
  identifier_value: string;
  owner_citizen_id: string;
  kind: 'fine' | 'bill' | 'fee';
  amount_fen: number;
  description: string;
  status: ColumnType<'open' | 'paid', 'open' | 'paid' | undefined, 'open' | 'paid'>;
  paid_intent_id: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface PaymentIntentsTable {
  id: Generated<string>;
  payable_id: string;
  owner_citizen_id: string;
  payer_citizen_id: string;
  wallet: string;
  channel: string;
  amount_fen: number;
  refunded_fen: ColumnType<number, number | undefined, number>;
  state: 'created' | 'pending' | 'succeeded' | 'failed' | 'closed';
  out_trade_no: string;
  qr_code_content: string | null;
  provider_trade_no: string | null;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  paid_at: NullableTimestamp;
  written_back_at: NullableTimestamp;
  department_reference: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface PaymentEventsTable {
  id: Generated<string>;
  intent_id: string;
  from_state: string | null;
  to_state: string;
  reason: string;
  at: CreatedAt;
}

export interface IdempotencyKeysTable {
  citizen_id: string;
  key: string;
  request_hash: string;
  response_status: number | null;
  response: ColumnType<unknown, string | null | undefined, string | null>;
  created_at: CreatedAt;
}

export interface PaymentNotificationsTable {
  id: Generated<string>;
  wallet: string;
  received_at: CreatedAt;
  headers: ColumnType<Record<string, unknown>, string, never>;
  /** The body exactly as received, base64. */
  body: string;
  status: ColumnType<'received' | 'processed' | 'rejected', 'received' | 'processed' | 'rejected' | undefined, 'received' | 'processed' | 'rejected'>;
  out_trade_no: string | null;
  error: string | null;
}

export interface Database {
  payables: PayablesTable;
  payment_intents: PaymentIntentsTable;
  payment_events: PaymentEventsTable;
  idempotency_keys: IdempotencyKeysTable;
  payment_notifications: PaymentNotificationsTable;
}

// Refunds (migration 0009).

export interface RefundsTable {
  id: Generated<string>;
  intent_id: string;
  out_refund_no: string;
  amount_fen: number;
  reason: string;
  state: 'pending' | 'succeeded' | 'failed';
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface Database {
  refunds: RefundsTable;
}

// Bookings and reminders (migration 0010).

export interface BookingSlotsTable {
  city_id: string;
  department_id: string;
  slot_id: string;
  service_id: string;
  resource: string;
  start_at: Timestamp;
  end_at: Timestamp;
  available: number;
  department_remaining: number;
  synced_at: Timestamp;
  changed_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export type BookingStatus = 'held' | 'confirmed' | 'cancelled' | 'expired' | 'refused';
export type BookingAwaiting = 'partner' | 'payment' | 'department';

export interface BookingsTable {
  id: Generated<string>;
  reference: string;
  citizen_id: string;
  channel: string;
  city_id: string;
  service_id: string;
  department_id: string;
  slot_id: string;
  slot_date: string;
  slot_start: Timestamp;
  resource: string;
  identifier_id: string;
  status: BookingStatus;
  awaiting: BookingAwaiting | null;
  hold_expires_at: Timestamp;
  partner_citizen_id: string | null;
  partner_national_id: string | null;
  partner_name: string | null;
  partner_confirmed_at: NullableTimestamp;
  department_booking_id: string | null;
  confirmation_number: string | null;
  appointment_start: NullableTimestamp;
  fee_fen: number | null;
  note: string | null;
  payable_id: string | null;
  outcome_code: string | null;
  outcome_message: string | null;
  idempotency_key: string | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface NotificationSubscriptionsTable {
  citizen_id: string;
  city_id: string;
  topic: string;
  channel: string;
  days_before: number | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  unsubscribed_at: NullableTimestamp;
  polled_at: NullableTimestamp;
}

export interface NotificationWatchTable {
  citizen_id: string;
  city_id: string;
  topic: string;
  identifier_id: string;
  seen: ColumnType<string[], string, string>;
  checked_at: Timestamp;
}

export type NotificationStatus = 'scheduled' | 'sending' | 'sent' | 'failed' | 'cancelled' | 'unknown';

export interface NotificationsTable {
  id: Generated<string>;
  citizen_id: string;
  city_id: string;
  topic: string;
  service_id: string;
  channel: string;
  title: string;
  body: string;
  link: string | null;
  dedupe_key: string;
  scheduled_for: Timestamp;
  status: NotificationStatus;
  attempts: Generated<number>;
  claimed_at: NullableTimestamp;
  sent_at: NullableTimestamp;
  read_at: NullableTimestamp;
  message_id: string | null;
  last_error: string | null;
  created_at: CreatedAt;
}

export interface Database {
  booking_slots: BookingSlotsTable;
  bookings: BookingsTable;
  notification_subscriptions: NotificationSubscriptionsTable;
  notification_watch: NotificationWatchTable;
  notifications: NotificationsTable;
}

// Waiting rooms of booking services (migration 0011).

export interface WaitingRoomsTable {
  /** `city/service`. */
  room: string;
  credit: number;
  refilled_at: Timestamp;
}

export interface WaitingRoomTicketsTable {
  id: Generated<string>;
  room: string;
  citizen_id: string;
  /** Order of arrival; bigint, read as a string. */
  seq: ColumnType<string, never, never>;
  created_at: ColumnType<Date, Date | string, never>;
  last_seen_at: Timestamp;
  admitted_at: NullableTimestamp;
  admitted_until: NullableTimestamp;
  used_at: NullableTimestamp;
  abandoned_at: NullableTimestamp;
}

export interface Database {
  waiting_rooms: WaitingRoomsTable;
  waiting_room_tickets: WaitingRoomTicketsTable;
}
