import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Catalog } from '../catalog/catalog.service.ts';
import type { Channel } from '../channels/channel.ts';
import { hutongError, isHutongError } from '../errors.ts';
import type { AuditTrail } from '../audit/audit.trail.ts';
import type { CitizenRepository, IdentifierRow } from '../identity/citizen.repository.ts';
import type { ConsentService } from '../identity/consent.service.ts';
import type { Principal } from '../identity/session.service.ts';
import type { RecordType } from '../model/catalog.ts';
import { maskPlate } from '../model/identifiers.ts';
import type { RecordsService } from '../records/records.service.ts';
import type { BookingRepository } from '../bookings/booking.repository.ts';
import { addDays, daysBetween, localDate, localHour, zonedInstant } from '../time-zone.ts';
import type { NotificationRepository, NotificationRow, SubscriptionRow } from './notification.repository.ts';

/** Quiet hours in the city's zone: nothing is pushed from 22:00 until 08:00. */
export const QUIET_FROM_HOUR = 22;
export const QUIET_UNTIL_HOUR = 8;

/** What a topic watches: new records of a service, records coming due, or the hub's own bookings. */
type TopicSource =
  | { readonly kind: 'new'; readonly recordType: RecordType }
  | { readonly kind: 'due'; readonly recordType: RecordType; readonly dateField: string; readonly defaultDays: number; readonly open?: (record: Record<string, unknown>) => boolean }
  | { readonly kind: 'bookings' };

interface Topic {
  readonly id: string;
  /** The service a city must offer for the topic; its departments are asked, its category consented. */
  readonly serviceId: string;
  readonly name: { readonly zh: string; readonly en: string };
  readonly source: TopicSource;
  /** The identifier kind whose records are watched (none for bookings). */
  readonly identifierKind?: string;
}

/** The reminder topics the hub offers, where a city has the service behind them. */
export const REMINDER_TOPICS: readonly Topic[] = [
  {
    id: 'violation-new',
    serviceId: 'traffic.violation-reminders',
    name: { zh: '新交通违法提醒', en: 'A new traffic violation on your vehicle' },
    source: { kind: 'new', recordType: 'TrafficViolation' },
    identifierKind: 'plate',
  },
  {
    id: 'bill-due',
    serviceId: 'living.utility-bills',
    name: { zh: '账单到期提醒', en: 'A water, electricity or gas bill falls due' },
    source: { kind: 'due', recordType: 'Bill', dateField: 'dueOn', defaultDays: 3, open: (r) => r.status !== 'paid' },
    identifierKind: 'utility-account',
  },
  {
    id: 'inspection-due',
    serviceId: 'traffic.inspection-booking',
    name: { zh: '年检到期提醒', en: 'Your vehicle\'s annual inspection falls due' },
    source: { kind: 'due', recordType: 'Vehicle', dateField: 'inspectionDueOn', defaultDays: 30 },
    identifierKind: 'plate',
  },
  {
    id: 'library-loan-due',
    serviceId: 'culture.library-loans',
    name: { zh: '图书到期提醒', en: 'A library loan falls due' },
    source: { kind: 'due', recordType: 'LibraryLoan', dateField: 'dueOn', defaultDays: 3 },
    identifierKind: 'library-card',
  },
  {
    id: 'appointment-tomorrow',
    serviceId: '*',
    name: { zh: '预约就诊/办理前一天提醒', en: 'An appointment tomorrow' },
    source: { kind: 'bookings' },
  },
];

/** The instant a reminder due at `at` may be pushed: outside quiet hours, else 08:00 that morning. */
export function afterQuietHours(at: Date, timeZone: string): Date {
  const hour = localHour(at, timeZone);
  if (hour >= QUIET_UNTIL_HOUR && hour < QUIET_FROM_HOUR) return at;
  const day = localDate(at, timeZone);
  return zonedInstant(hour >= QUIET_FROM_HOUR ? addDays(day, 1) : day, QUIET_UNTIL_HOUR, 0, timeZone);
}

export interface SubscriptionView {
  readonly cityId: string;
  readonly topic: string;
  readonly name: { readonly zh: string; readonly en: string };
  readonly subscribed: boolean;
  readonly channel?: string;
  readonly daysBefore?: number;
}

export interface NotificationView {
  readonly id: string;
  readonly cityId: string;
  readonly topic: string;
  readonly serviceId: string;
  readonly channel: string;
  readonly title: string;
  readonly body: string;
  readonly link?: string;
  readonly status: 'sent' | 'unknown';
  readonly sentAt?: string;
  readonly readAt?: string;
  readonly createdAt: string;
}

/**
 * Reminders: citizens subscribe per city and topic through the entrance they use; polls find what
 * is new or coming due and schedule one notification per thing (deduplicated in the store), and a
 * dispatcher hands due ones to the entrance's push API — never in quiet hours, never beyond the
 * daily cap, never twice.
 */
export class ReminderService {
  #pollTimer?: NodeJS.Timeout;
  #dispatchTimer?: NodeJS.Timeout;
  #polling?: Promise<unknown>;
  #dispatching?: Promise<unknown>;

  constructor(
    private readonly deps: {
      readonly notifications: NotificationRepository;
      readonly bookings: BookingRepository;
      readonly catalog: Catalog;
      readonly records: RecordsService;
      readonly citizens: CitizenRepository;
      readonly consents: ConsentService;
      readonly channels: ReadonlyMap<string, Channel>;
      readonly audit: AuditTrail;
      /** Keys unsubscribe links; the hub's signing secret. */
      readonly linkKey: () => Promise<Buffer>;
      /** Where links in messages point (the hub's public origin). */
      readonly origin: () => string;
      readonly pollIntervalMs: number;
      readonly dailyCap: number;
      readonly onError: (error: unknown, what: string) => void;
      readonly now?: () => Date;
    },
  ) {}

  #now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Polls and dispatches on timers in this process; any number of processes may run them together. */
  start(options: { pollTickMs: number; dispatchMs: number }): void {
    if (options.pollTickMs > 0) {
      this.#pollTimer = setInterval(() => {
        if (this.#polling) return;
        this.#polling = this.poll().catch((error) => this.deps.onError(error, 'poll')).finally(() => (this.#polling = undefined));
      }, options.pollTickMs).unref();
    }
    if (options.dispatchMs > 0) {
      void this.deps.notifications.abandonStuck(new Date(this.#now().getTime() - 120_000)).catch((error) => this.deps.onError(error, 'recover'));
      this.#dispatchTimer = setInterval(() => {
        if (this.#dispatching) return;
        this.#dispatching = this.dispatch().catch((error) => this.deps.onError(error, 'dispatch')).finally(() => (this.#dispatching = undefined));
      }, options.dispatchMs).unref();
    }
  }

  async stop(): Promise<void> {
    if (this.#pollTimer) clearInterval(this.#pollTimer);
    if (this.#dispatchTimer) clearInterval(this.#dispatchTimer);
    await Promise.allSettled([this.#polling, this.#dispatching]);
  }

  /** The topics a city offers, with the citizen's subscription to each. */
  async listSubscriptions(principal: Principal, cityId: string): Promise<SubscriptionView[]> {
    this.deps.catalog.getCity(cityId);
    const mine = new Map((await this.deps.notifications.subscriptionsOf(principal.citizenId)).filter((s) => s.city_id === cityId).map((s) => [s.topic, s]));
    return this.#topicsOf(cityId).map((topic) => {
      const sub = mine.get(topic.id);
      const active = sub !== undefined && sub.unsubscribed_at === null;
      return {
        cityId,
        topic: topic.id,
        name: topic.name,
        subscribed: active,
        ...(active ? { channel: sub.channel, ...(sub.days_before !== null ? { daysBefore: sub.days_before } : {}) } : {}),
      };
    });
  }

  /** Subscribes through the entrance the citizen uses now; its push API (or SMS for the web) delivers. */
  async subscribe(principal: Principal, cityId: string, topicId: string, input: { daysBefore?: number } = {}): Promise<SubscriptionView> {
    const topic = this.#topic(cityId, topicId);
    const channel = this.deps.channels.get(principal.channel);
    if (!channel?.sendMessage) throw hutongError('HUTONG_ERR_CHANNEL_CANNOT_PUSH', `${principal.channel} has no push messages; subscribe from another entrance`);
    if (topic.serviceId !== '*') await this.deps.consents.require(principal, this.deps.catalog.getService(cityId, topic.serviceId).config.category);
    const daysBefore = topic.source.kind === 'due' ? (input.daysBefore ?? topic.source.defaultDays) : null;
    const row = await this.deps.notifications.subscribe({ citizenId: principal.citizenId, cityId, topic: topic.id, channel: principal.channel, daysBefore });
    await this.deps.audit.record({ actor: `citizen:${principal.citizenId}`, action: 'reminders.subscribed', subject: `topic:${topic.id}`, cityId, detail: { channel: principal.channel } });
    return { cityId, topic: topic.id, name: topic.name, subscribed: true, channel: row.channel, ...(row.days_before !== null ? { daysBefore: row.days_before } : {}) };
  }

  async unsubscribe(principal: Principal, cityId: string, topicId: string): Promise<SubscriptionView> {
    const topic = this.#topic(cityId, topicId);
    if (await this.deps.notifications.unsubscribe(principal.citizenId, cityId, topic.id, this.#now())) {
      await this.deps.audit.record({ actor: `citizen:${principal.citizenId}`, action: 'reminders.unsubscribed', subject: `topic:${topic.id}`, cityId, detail: { channel: principal.channel } });
    }
    return { cityId, topic: topic.id, name: topic.name, subscribed: false };
  }

  /** The one-tap unsubscribe link's token: who, which city and topic, keyed with the hub's secret; short enough for a path segment. */
  async unsubscribeToken(citizenId: string, cityId: string, topic: string): Promise<string> {
    const payload = Buffer.concat([Buffer.from(citizenId.replaceAll('-', ''), 'hex'), Buffer.from(`${cityId}|${topic}`)]).toString('base64url');
    return `${payload}.${await this.#mac(payload)}`;
  }

  async #mac(payload: string): Promise<string> {
    return createHmac('sha256', await this.deps.linkKey()).update(`unsubscribe.${payload}`).digest('base64url').slice(0, 16);
  }

  /** One tap from a message: no login, the token is the proof. */
  async unsubscribeByToken(token: string): Promise<{ cityId: string; topic: string; name: { zh: string; en: string } }> {
    const invalid = () => hutongError('HUTONG_ERR_UNSUBSCRIBE_LINK_INVALID', 'This unsubscribe link is not valid');
    const [payload, mac] = token.split('.');
    if (!payload || !mac) throw invalid();
    const expected = await this.#mac(payload);
    if (expected.length !== mac.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(mac))) throw invalid();
    const bytes = Buffer.from(payload, 'base64url');
    const hex = bytes.subarray(0, 16).toString('hex');
    const citizenId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    const [cityId, topicId] = bytes.subarray(16).toString('utf8').split('|');
    const topic = REMINDER_TOPICS.find((t) => t.id === topicId);
    if (bytes.length < 18 || !cityId || !topic) throw invalid();
    if (await this.deps.notifications.unsubscribe(citizenId, cityId, topic.id, this.#now())) {
      await this.deps.audit.record({ actor: `citizen:${citizenId}`, action: 'reminders.unsubscribed', subject: `topic:${topic.id}`, cityId, detail: { via: 'link' } });
    }
    return { cityId, topic: topic.id, name: topic.name };
  }

  /** Reminders created since a time, by status, for the operators. */
  countsSince(since: Date): Promise<Record<string, number>> {
    return this.deps.notifications.countsSince(since);
  }

  /** The citizen's inbox: what was sent to them, newest first. */
  async inbox(principal: Principal, limit = 50): Promise<{ items: NotificationView[]; unread: number }> {
    const rows = await this.deps.notifications.inbox(principal.citizenId, limit);
    return { items: rows.map(viewOf), unread: rows.filter((r) => r.read_at === null).length };
  }

  async markRead(principal: Principal, id: string): Promise<NotificationView> {
    const row = /^[0-9a-f-]{36}$/.test(id) ? await this.deps.notifications.markRead(principal.citizenId, id, this.#now()) : undefined;
    if (!row) throw hutongError('HUTONG_ERR_NOTIFICATION_NOT_FOUND', 'No notification with that id in your inbox');
    return viewOf(row);
  }

  /**
   * One polling round: takes the subscriptions whose turn has come (each is polled once per
   * interval, whichever process takes it) and schedules what is new or coming due.
   */
  async poll(): Promise<{ polled: number; scheduled: number }> {
    let polled = 0;
    let scheduled = 0;
    for (;;) {
      const now = this.#now();
      const due = await this.deps.notifications.claimForPoll(now, new Date(now.getTime() - this.deps.pollIntervalMs), 50);
      if (due.length === 0) break;
      polled += due.length;
      const counts = await Promise.all(due.map((sub) => this.#pollOne(sub).catch((error) => (this.deps.onError(error, `poll ${sub.topic}`), 0))));
      scheduled += counts.reduce((a, b) => a + b, 0);
      if (due.length < 50) break;
    }
    return { polled, scheduled };
  }

  async #pollOne(sub: SubscriptionRow): Promise<number> {
    const topic = REMINDER_TOPICS.find((t) => t.id === sub.topic);
    if (!topic || !this.#topicsOf(sub.city_id).includes(topic)) return 0;
    const timeZone = this.deps.catalog.getCity(sub.city_id).timeZone;
    const now = this.#now();
    if (topic.source.kind === 'bookings') return this.#pollBookings(sub, timeZone, now);
    const entry = this.deps.catalog.getService(sub.city_id, topic.serviceId);
    const identifiers = (await this.deps.citizens.listIdentifiers(sub.citizen_id, topic.identifierKind)).filter((i) => i.issuer === null || entry.service.departmentIds.some((d) => i.issuer === `${sub.city_id}/${d}`));
    let scheduled = 0;
    for (const identifier of identifiers) {
      for (const departmentId of entry.service.departmentIds) {
        if (identifier.issuer !== null && identifier.issuer !== `${sub.city_id}/${departmentId}`) continue;
        const connector = this.deps.catalog.connectorFor(sub.city_id, departmentId);
        if (!connector.recordTypes.has(topic.source.recordType)) continue;
        // A poll asks the department now: a cached answer could hide what is new.
        const { items } = await this.deps.records.departmentRecords({ cityId: sub.city_id, departmentId, recordType: topic.source.recordType, identifier, ttlMs: entry.config.cacheTtlSeconds * 1000, fresh: topic.source.kind === 'new' });
        scheduled += topic.source.kind === 'new' ? await this.#newRecords(sub, topic, identifier, items, timeZone, now) : await this.#dueRecords(sub, topic, identifier, items, timeZone, now);
      }
    }
    return scheduled;
  }

  /** Records not seen by the last poll; the first poll only learns what is there. */
  async #newRecords(sub: SubscriptionRow, topic: Topic, identifier: IdentifierRow, items: Array<Record<string, unknown>>, timeZone: string, now: Date): Promise<number> {
    const ids = items.map((i) => String(i.id));
    const seen = await this.deps.notifications.seen(sub.citizen_id, sub.city_id, topic.id, identifier.id);
    let scheduled = 0;
    if (seen !== undefined) {
      const known = new Set(seen);
      for (const item of items) {
        if (known.has(String(item.id)) || item.status === 'paid') continue;
        const fine = (Number(item.fineFen) / 100).toFixed(0);
        const made = await this.#schedule(sub, topic, timeZone, now, {
          dedupeKey: `${topic.id}:${sub.city_id}:${String(item.id)}`,
          title: '新的交通违法记录',
          body: `${maskPlate(identifier.value)} ${String(item.occurredAt).slice(0, 16).replace('T', ' ')} ${String(item.location)}：${String(item.description)}，罚款${fine}元，记${String(item.points)}分`,
          path: `/app/?city=${sub.city_id}&service=traffic.violations`,
        });
        if (made) scheduled++;
      }
    }
    await this.deps.notifications.remember(sub.citizen_id, sub.city_id, topic.id, identifier.id, ids, now);
    return scheduled;
  }

  async #dueRecords(sub: SubscriptionRow, topic: Topic, identifier: IdentifierRow, items: Array<Record<string, unknown>>, timeZone: string, now: Date): Promise<number> {
    const source = topic.source as Extract<TopicSource, { kind: 'due' }>;
    const today = localDate(now, timeZone);
    const window = sub.days_before ?? source.defaultDays;
    let scheduled = 0;
    for (const item of items) {
      const dueOn = item[source.dateField];
      if (typeof dueOn !== 'string' || (source.open && !source.open(item))) continue;
      const days = daysBetween(today, dueOn);
      if (days > window || days < -30) continue;
      const when = days < 0 ? `已于${dueOn}到期` : days === 0 ? '今天到期' : `将于${dueOn}到期（还有${days}天）`;
      const made = await this.#schedule(sub, topic, timeZone, now, {
        dedupeKey: `${topic.id}:${sub.city_id}:${String(item.id ?? item.plate ?? identifier.id)}:${dueOn}`,
        ...describeDue(topic.id, item, identifier, when),
        path: `/app/?city=${sub.city_id}&service=${topic.serviceId}`,
      });
      if (made) scheduled++;
    }
    return scheduled;
  }

  /** Confirmed bookings tomorrow are reminded at 18:00 the evening before (or at once when later). */
  async #pollBookings(sub: SubscriptionRow, timeZone: string, now: Date): Promise<number> {
    const tomorrow = addDays(localDate(now, timeZone), 1);
    const from = zonedInstant(localDate(now, timeZone), 0, 0, timeZone);
    const to = zonedInstant(addDays(tomorrow, 1), 0, 0, timeZone);
    const rows = (await this.deps.bookings.listFor(sub.citizen_id, null, 200)).filter((b) => b.status === 'confirmed' && b.city_id === sub.city_id && b.citizen_id === sub.citizen_id);
    let scheduled = 0;
    for (const booking of rows) {
      const start = booking.appointment_start ?? booking.slot_start;
      if (start < from || start >= to || start <= now) continue;
      const day = localDate(start, timeZone);
      const evening = zonedInstant(addDays(day, -1), 18, 0, timeZone);
      const at = evening > now ? evening : now;
      const hhmm = new Intl.DateTimeFormat('zh-CN', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(start);
      const made = await this.#schedule(sub, REMINDER_TOPICS.find((t) => t.id === 'appointment-tomorrow')!, timeZone, at, {
        dedupeKey: `appointment-tomorrow:${booking.id}`,
        title: '预约提醒',
        body: `您预约了${day === tomorrow ? '明天' : '今天'} ${hhmm} ${booking.resource}${booking.confirmation_number ? `，预约号 ${booking.confirmation_number}` : ''}`,
        path: `/app/?city=${sub.city_id}&service=${booking.service_id}`,
        serviceId: booking.service_id,
      });
      if (made) scheduled++;
    }
    return scheduled;
  }

  async #schedule(
    sub: SubscriptionRow,
    topic: Topic,
    timeZone: string,
    at: Date,
    message: { dedupeKey: string; title: string; body: string; path: string; serviceId?: string },
  ): Promise<boolean> {
    return this.deps.notifications.schedule({
      citizenId: sub.citizen_id,
      cityId: sub.city_id,
      topic: topic.id,
      serviceId: message.serviceId ?? topic.serviceId,
      channel: sub.channel,
      title: message.title,
      body: message.body,
      link: `${this.deps.origin()}${message.path}`,
      dedupeKey: message.dedupeKey,
      scheduledFor: afterQuietHours(at, timeZone),
    });
  }

  /**
   * Hands due notifications to the entrances' push APIs. Each is claimed by one process before it
   * is sent, so none is sent twice; quiet hours and the daily cap move it to the next morning.
   */
  async dispatch(): Promise<{ sent: number; deferred: number; failed: number }> {
    const result = { sent: 0, deferred: 0, failed: 0 };
    for (;;) {
      const now = this.#now();
      const due = await this.deps.notifications.claimDue(now, 20);
      if (due.length === 0) break;
      for (const n of due) {
        const outcome = await this.#deliver(n, now).catch(async (error: unknown) => {
          this.deps.onError(error, `notification ${n.id}`);
          if (n.attempts >= 5) {
            await this.deps.notifications.finish(n.id, 'failed', messageOf(error));
            return 'failed' as const;
          }
          await this.deps.notifications.reschedule(n.id, new Date(now.getTime() + 30_000 * 2 ** n.attempts), messageOf(error));
          return 'deferred' as const;
        });
        result[outcome]++;
      }
      if (due.length < 20) break;
    }
    return result;
  }

  async #deliver(n: NotificationRow, now: Date): Promise<'sent' | 'deferred' | 'failed'> {
    const { notifications } = this.deps;
    const sub = await notifications.findSubscription(n.citizen_id, n.city_id, n.topic);
    if (!sub || sub.unsubscribed_at !== null) {
      await notifications.finish(n.id, 'cancelled', 'unsubscribed');
      return 'failed';
    }
    const timeZone = this.deps.catalog.getCity(n.city_id).timeZone;
    const allowed = afterQuietHours(now, timeZone);
    if (allowed > now) {
      await notifications.reschedule(n.id, allowed, 'quiet hours');
      return 'deferred';
    }
    const midnight = zonedInstant(localDate(now, timeZone), 0, 0, timeZone);
    if ((await notifications.countSentSince(n.citizen_id, midnight)) >= this.deps.dailyCap) {
      await notifications.reschedule(n.id, zonedInstant(addDays(localDate(now, timeZone), 1), QUIET_UNTIL_HOUR, 0, timeZone), 'daily cap reached');
      return 'deferred';
    }
    // Reminders go where the citizen subscribed; an entrance they left is no longer theirs to use.
    const channel = this.deps.channels.get(sub.channel);
    const recipient = await notifications.channelUserId(n.citizen_id, sub.channel);
    if (!channel?.sendMessage || !recipient) {
      await notifications.finish(n.id, 'failed', `no way to reach the citizen through ${sub.channel}`);
      return 'failed';
    }
    const unsubscribe = `${this.deps.origin()}/v1/unsubscribe/${await this.unsubscribeToken(n.citizen_id, n.city_id, n.topic)}`;
    const { messageId } = await channel.sendMessage(
      recipient,
      { title: n.title, body: `${n.body}（退订：${unsubscribe}）`, ...(n.link ? { link: n.link } : {}) },
      { signal: AbortSignal.timeout(8000) },
    );
    await notifications.markSent(n.id, now, messageId);
    return 'sent';
  }

  #topicsOf(cityId: string): Topic[] {
    const services = new Map(this.deps.catalog.listServices(cityId).map((s) => [s.id, s]));
    return REMINDER_TOPICS.filter((topic) => {
      if (topic.serviceId === '*') return [...services.values()].some((s) => s.functions.some((f) => f.kind === 'booking' && f.available));
      const service = services.get(topic.serviceId);
      if (!service || !service.functions.some((f) => f.kind === 'query' || f.kind === 'notification')) return false;
      if (!service.functions.some((f) => f.available)) return false;
      // The watched record type must be mapped by one of the service's departments.
      return service.departmentIds.some((d) => {
        try {
          return this.deps.catalog.connectorFor(cityId, d).recordTypes.has((topic.source as { recordType: RecordType }).recordType);
        } catch {
          return false;
        }
      });
    });
  }

  #topic(cityId: string, topicId: string): Topic {
    const topic = this.#topicsOf(cityId).find((t) => t.id === topicId);
    if (!topic) throw hutongError('HUTONG_ERR_TOPIC_NOT_FOUND', `No reminder topic "${topicId}" in ${cityId}`);
    return topic;
  }
}

function describeDue(topicId: string, item: Record<string, unknown>, identifier: IdentifierRow, when: string): { title: string; body: string } {
  switch (topicId) {
    case 'bill-due': {
      const utility = { water: '水费', electricity: '电费', gas: '燃气费' }[String(item.utility)] ?? '账单';
      return { title: `${utility}账单到期提醒`, body: `户号 ****${identifier.value.slice(-4)} ${String(item.period)} ${utility} ${(Number(item.amountFen) / 100).toFixed(2)}元，${when}` };
    }
    case 'inspection-due':
      return { title: '机动车年检提醒', body: `${maskPlate(identifier.value)} 检验有效期${when}，可在线预约检测站` };
    default:
      return { title: '图书到期提醒', body: `《${String(item.title)}》${when}${Number(item.renewalsLeft) > 0 ? '，可在线续借' : ''}` };
  }
}

function viewOf(row: NotificationRow): NotificationView {
  return {
    id: row.id,
    cityId: row.city_id,
    topic: row.topic,
    serviceId: row.service_id,
    channel: row.channel,
    title: row.title,
    body: row.body,
    ...(row.link ? { link: row.link } : {}),
    status: row.status === 'unknown' ? 'unknown' : 'sent',
    ...(row.sent_at ? { sentAt: row.sent_at.toISOString() } : {}),
    ...(row.read_at ? { readAt: row.read_at.toISOString() } : {}),
    createdAt: row.created_at.toISOString(),
  };
}

function messageOf(error: unknown): string {
  return isHutongError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
}
