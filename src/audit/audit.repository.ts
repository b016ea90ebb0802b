import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { AuditEntry } from '../model/notifications.ts';

/** The append-only trail of who did what to whose data. */
export class AuditRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async record(entry: { actor: string; action: string; subject: string; cityId?: string; detail?: Record<string, unknown> }): Promise<void> {
    await this.db
      .insertInto('audit_entries')
      .values({
        actor: entry.actor,
        action: entry.action,
        subject: entry.subject,
        city_id: entry.cityId ?? null,
        detail: JSON.stringify(entry.detail ?? {}),
      })
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
