import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, NotificationSubscriptionsTable, NotificationsTable } from '../store/schema.ts';

export type SubscriptionRow = Selectable<NotificationSubscriptionsTable>;
export type NotificationRow = Selectable<NotificationsTable>;

export interface NewNotification {
  readonly citizenId: string;
  readonly cityId: string;
  readonly topic: string;
  readonly serviceId: string;
  readonly channel: string;
  readonly title: string;
  readonly body: string;
  readonly link: string | null;
  readonly dedupeKey: string;
  readonly scheduledFor: Date;
}

/** Subscriptions, what polls last saw, and notifications (the schedule and the inbox in one table). */
export class NotificationRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async subscribe(input: { citizenId: string; cityId: string; topic: string; channel: string; daysBefore: number | null }): Promise<SubscriptionRow> {
    return this.db
      .insertInto('notification_subscriptions')
      .values({ citizen_id: input.citizenId, city_id: input.cityId, topic: input.topic, channel: input.channel, days_before: input.daysBefore })
      .onConflict((oc) =>
        oc.columns(['citizen_id', 'city_id', 'topic']).doUpdateSet({ channel: input.channel, days_before: input.daysBefore, unsubscribed_at: null, updated_at: new Date() }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Ends a subscription; true when it was active. Reminders already scheduled for it are withdrawn. */
  async unsubscribe(citizenId: string, cityId: string, topic: string, at: Date): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const ended = await tx
        .updateTable('notification_subscriptions')
        .set({ unsubscribed_at: at, updated_at: at })
        .where('citizen_id', '=', citizenId)
        .where('city_id', '=', cityId)
        .where('topic', '=', topic)
        .where('unsubscribed_at', 'is', null)
        .executeTakeFirst();
      await tx
        .updateTable('notifications')
        .set({ status: 'cancelled', last_error: 'unsubscribed' })
        .where('citizen_id', '=', citizenId)
        .where('city_id', '=', cityId)
        .where('topic', '=', topic)
        .where('status', '=', 'scheduled')
        .execute();
      return Number(ended.numUpdatedRows) > 0;
    });
  }

  subscriptionsOf(citizenId: string): Promise<SubscriptionRow[]> {
    return this.db.selectFrom('notification_subscriptions').selectAll().where('citizen_id', '=', citizenId).orderBy('city_id').orderBy('topic').execute();
  }

  findSubscription(citizenId: string, cityId: string, topic: string): Promise<SubscriptionRow | undefined> {
    return this.db
      .selectFrom('notification_subscriptions')
      .selectAll()
      .where('citizen_id', '=', citizenId)
      .where('city_id', '=', cityId)
      .where('topic', '=', topic)
      .executeTakeFirst();
  }

  /**
   * Takes up to `limit` active subscriptions whose last poll is older than `dueBefore` and marks
   * them polled at `now`; processes polling together each take different ones.
   */
  async claimForPoll(now: Date, dueBefore: Date, limit: number): Promise<SubscriptionRow[]> {
    const result = await sql<SubscriptionRow>`
      update notification_subscriptions s set polled_at = ${now}
      from (
        select citizen_id, city_id, topic from notification_subscriptions
        where unsubscribed_at is null and (polled_at is null or polled_at <= ${dueBefore})
        order by polled_at nulls first
        limit ${limit}
        for update skip locked
      ) due
      where s.citizen_id = due.citizen_id and s.city_id = due.city_id and s.topic = due.topic
      returning s.*`.execute(this.db);
    return result.rows;
  }

  /** Record ids the last poll saw for one identifier; undefined before the first poll. */
  async seen(citizenId: string, cityId: string, topic: string, identifierId: string): Promise<string[] | undefined> {
    const row = await this.db
      .selectFrom('notification_watch')
      .select('seen')
      .where('citizen_id', '=', citizenId)
      .where('city_id', '=', cityId)
      .where('topic', '=', topic)
      .where('identifier_id', '=', identifierId)
      .executeTakeFirst();
    return row?.seen;
  }

  async remember(citizenId: string, cityId: string, topic: string, identifierId: string, ids: readonly string[], at: Date): Promise<void> {
    const seen = JSON.stringify([...ids]);
    await this.db
      .insertInto('notification_watch')
      .values({ citizen_id: citizenId, city_id: cityId, topic, identifier_id: identifierId, seen, checked_at: at })
      .onConflict((oc) => oc.columns(['citizen_id', 'city_id', 'topic', 'identifier_id']).doUpdateSet({ seen, checked_at: at }))
      .execute();
  }

  /** Schedules a notification once per (citizen, dedupe key); false when that key was scheduled before. */
  async schedule(n: NewNotification): Promise<boolean> {
    const inserted = await this.db
      .insertInto('notifications')
      .values({
        citizen_id: n.citizenId,
        city_id: n.cityId,
        topic: n.topic,
        service_id: n.serviceId,
        channel: n.channel,
        title: n.title,
        body: n.body,
        link: n.link,
        dedupe_key: n.dedupeKey,
        scheduled_for: n.scheduledFor,
        status: 'scheduled',
      })
      .onConflict((oc) => oc.columns(['citizen_id', 'dedupe_key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  /** Takes up to `limit` notifications due at `now` for sending; each is taken by one process once. */
  async claimDue(now: Date, limit: number): Promise<NotificationRow[]> {
    const result = await sql<NotificationRow>`
      update notifications n set status = 'sending', claimed_at = ${now}, attempts = n.attempts + 1
      from (
        select id from notifications where status = 'scheduled' and scheduled_for <= ${now}
        order by scheduled_for limit ${limit} for update skip locked
      ) due
      where n.id = due.id
      returning n.*`.execute(this.db);
    return result.rows;
  }

  async markSent(id: string, at: Date, messageId: string): Promise<void> {
    await this.db.updateTable('notifications').set({ status: 'sent', sent_at: at, message_id: messageId, last_error: null }).where('id', '=', id).where('status', '=', 'sending').execute();
  }

  /** Back on the schedule for `at` (a capped day, quiet hours, a retry after a failure). */
  async reschedule(id: string, at: Date, reason: string | null): Promise<void> {
    await this.db.updateTable('notifications').set({ status: 'scheduled', scheduled_for: at, last_error: reason }).where('id', '=', id).where('status', '=', 'sending').execute();
  }

  async finish(id: string, status: 'failed' | 'cancelled', reason: string): Promise<void> {
    await this.db.updateTable('notifications').set({ status, last_error: reason }).where('id', '=', id).where('status', '=', 'sending').execute();
  }

  /**
   * Notifications a crash left in the middle of sending: whether the entrance got them is unknown,
   * and sending again could send twice, so they are marked `unknown` and not sent again.
   */
  async abandonStuck(claimedBefore: Date): Promise<number> {
    const result = await this.db
      .updateTable('notifications')
      .set({ status: 'unknown', last_error: 'the sending process stopped before the entrance answered' })
      .where('status', '=', 'sending')
      .where('claimed_at', '<', claimedBefore)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Notifications sent to a citizen since a time (their local midnight, for the daily cap). */
  async countSentSince(citizenId: string, since: Date): Promise<number> {
    const row = await this.db
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('citizen_id', '=', citizenId)
      .where('status', '=', 'sent')
      .where('sent_at', '>=', since)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The entrance's id of the person, for its push API. */
  async channelUserId(citizenId: string, channel: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('channel_identities')
      .select('channel_user_id')
      .where('citizen_id', '=', citizenId)
      .where('channel', '=', channel)
      .orderBy('last_login_at', 'desc')
      .executeTakeFirst();
    return row?.channel_user_id;
  }

  inbox(citizenId: string, limit: number): Promise<NotificationRow[]> {
    return this.db
      .selectFrom('notifications')
      .selectAll()
      .where('citizen_id', '=', citizenId)
      .where('status', 'in', ['sent', 'unknown'])
      .orderBy('sent_at', 'desc')
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
  }

  async markRead(citizenId: string, id: string, at: Date): Promise<NotificationRow | undefined> {
    return this.db
      .updateTable('notifications')
      .set({ read_at: sql<Date>`coalesce(read_at, ${at})` })
      .where('id', '=', id)
      .where('citizen_id', '=', citizenId)
      .where('status', 'in', ['sent', 'unknown'])
      .returningAll()
      .executeTakeFirst();
  }

  /** Counts by status since a time, for the operators. */
  async countsSince(since: Date): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('notifications')
      .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
      .where('created_at', '>=', since)
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}
