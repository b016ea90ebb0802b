import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { AuditEntry } from '../model/notifications.ts';

export interface NewAuditEntry {
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly cityId?: string;
  readonly detail?: Record<string, unknown>;
  /** When it happened; now when absent. */
  readonly at?: Date;
}

/** The append-only trail of who did what to whose data. */
export class AuditRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async record(entry: NewAuditEntry): Promise<void> {
    await this.recordMany([entry]);
  }

  /** Appends several entries in one statement. */
  async recordMany(entries: readonly NewAuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db
      .insertInto('audit_entries')
      .values(
        entries.map((entry) => ({
          ...(entry.at ? { at: entry.at } : {}),
          actor: entry.actor,
          action: entry.action,
          subject: entry.subject,
          city_id: entry.cityId ?? null,
          detail: JSON.stringify(entry.detail ?? {}),
        })),
      )
      .execute();
  }

  async listByActor(actor: string, limit = 100): Promise<AuditEntry[]> {
    const rows = await this.db
      .selectFrom('audit_entries')
      .select(['id', 'at', 'actor', 'action', 'subject', 'city_id', 'detail'])
      .where('actor', '=', actor)
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: String(r.id),
      at: r.at.toISOString(),
      actor: r.actor,
      action: r.action,
      subject: r.subject,
      ...(r.city_id ? { cityId: r.city_id } : {}),
      detail: r.detail,
    }));
  }
}
