import { useState } from 'react';
import { api, apiPath, type ApiError, type City } from '../api.ts';
import { asApiError, reminderApi, type Notification, type Subscription } from '../bookings.ts';
import { rememberCity, rememberedCity } from '../city-choice.ts';
import { ErrorNotice, Loading } from '../components/error-notice.tsx';
import { formatTime } from '../format.ts';
import { useText } from '../i18n.tsx';
import { inboxChanged } from '../inbox.ts';
import { CHANNEL_LABELS, labelOf } from '../labels.ts';
import { useResource } from '../resource.ts';
import { navigate } from '../navigation.tsx';
import { pages } from '../router.tsx';
import { useSession } from '../session.ts';

/** One reminder: its title; opened, its text (and it is marked read). */
function InboxItem({ item, onRead }: { item: Notification; onRead(read: Notification): void }) {
  const { t } = useText();
  const [open, setOpen] = useState(false);
  const bodyId = `notification-${item.id}`;
  const toggle = () => {
    setOpen(!open);
    if (!open && !item.readAt) reminderApi.markRead(item.id).then(onRead, () => undefined); // stays unread; marked next time
  };
  return (
    <li className={item.readAt ? 'inbox-item' : 'inbox-item unread'} data-notification-id={item.id}>
      <button type="button" className="inbox-toggle" aria-expanded={open} aria-controls={bodyId} onClick={toggle}>
        {item.readAt ? null : <span className="unread-dot" aria-label={t.unread} role="img" />}
        <span className="inbox-title">{item.title}</span>
        <span className="muted inbox-time">{formatTime(item.sentAt ?? item.createdAt)}</span>
      </button>
      {open ? (
        <div id={bodyId} className="inbox-body">
          <p>{item.body}</p>
          {item.link ? (
            <p>
              <a href={item.link}>{t.openReminderLink}</a>
            </p>
          ) : null}
        </div>
      ) : null}
    </li>
  );
}

function Inbox({ citizenKey }: { citizenKey: string }) {
  const { t } = useText();
  const inbox = useResource(`inbox:${citizenKey}`, (signal) => reminderApi.inbox(signal));
  const [read, setRead] = useState<Readonly<Record<string, Notification>>>({});
  const reload = inbox.reload;
  const onRead = (item: Notification) => {
    setRead((previous) => ({ ...previous, [item.id]: item }));
    inboxChanged();
  };
  if (inbox.loading && !inbox.data) return <Loading />;
  if (inbox.error) return <ErrorNotice error={inbox.error} onRetry={reload} />;
  if (!inbox.data) return null;
  const items = inbox.data.items.map((item) => read[item.id] ?? item);
  const unread = items.filter((item) => !item.readAt).length;
  return (
    <>
      <p className="inbox-count" role="status">
        {t.unreadCount(unread)}
      </p>
      {items.length === 0 ? <p className="muted">{t.inboxEmpty}</p> : null}
      <ul className="inbox">
        {items.map((item) => (
          <InboxItem key={item.id} item={item} onRead={onRead} />
        ))}
      </ul>
      <button type="button" className="button button-secondary" onClick={reload}>
        {t.refreshInbox}
      </button>
    </>
  );
}

function TopicToggle({ subscription, onChange }: { subscription: Subscription; onChange(next: Subscription): void }) {
  const { t, pick, lang } = useText();
  // The box shows the choice at once; it goes back if the hub refuses it.
  const [wanted, setWanted] = useState<boolean | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const busy = wanted !== null;
  const id = `topic-${subscription.cityId}-${subscription.topic}`;
  const toggle = async (subscribe: boolean) => {
    setWanted(subscribe);
    setError(null);
    try {
      onChange(await (subscribe ? reminderApi.subscribe(subscription.cityId, subscription.topic) : reminderApi.unsubscribe(subscription.cityId, subscription.topic)));
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setWanted(null);
    }
  };
  return (
    <li className="topic">
      <div className="checkbox">
        <input id={id} type="checkbox" checked={wanted ?? subscription.subscribed} disabled={busy} onChange={(e) => void toggle(e.target.checked)} />
        <label htmlFor={id}>{pick(subscription.name)}</label>
      </div>
      {subscription.subscribed ? (
        <p className="hint topic-hint">
          {subscription.channel ? t.remindedThrough(labelOf(CHANNEL_LABELS, subscription.channel, lang)) : null}
          {subscription.daysBefore !== undefined ? ` ${t.remindedDaysBefore(subscription.daysBefore)}` : null}
        </p>
      ) : null}
      {error ? <ErrorNotice error={error} /> : null}
    </li>
  );
}

function Reminders({ citizenKey }: { citizenKey: string }) {
  const { t, pick } = useText();
  const cities = useResource('cities', (signal) => api<{ items: City[] }>(apiPath.cities(), { signal }));
  const [cityId, setCityId] = useState(rememberedCity() ?? 'shanghai');
  const topics = useResource(`subscriptions:${citizenKey}:${cityId}`, (signal) => reminderApi.subscriptions(cityId, signal));
  const [changed, setChanged] = useState<Readonly<Record<string, Subscription>>>({});
  const keyOf = (s: Subscription) => `${s.cityId}/${s.topic}`;
  return (
    <>
      <p className="hint">{t.remindersHint}</p>
      <div className="form">
        <label htmlFor="reminder-city">{t.issuerCityLabel}</label>
        <select
          id="reminder-city"
          value={cityId}
          onChange={(e) => {
            setCityId(e.target.value);
            rememberCity(e.target.value);
          }}
        >
          {(cities.data?.items ?? [{ id: cityId, name: { zh: cityId, en: cityId } }]).map((city) => (
            <option key={city.id} value={city.id}>
              {pick(city.name)}
            </option>
          ))}
        </select>
      </div>
      {topics.loading && !topics.data ? <Loading /> : null}
      {topics.error ? <ErrorNotice error={topics.error} onRetry={topics.reload} /> : null}
      {topics.data && topics.data.items.length === 0 ? <p className="muted">{t.noTopics}</p> : null}
      <ul className="topics">
        {(topics.data?.items ?? []).map((s) => changed[keyOf(s)] ?? s).map((s) => (
          <TopicToggle key={keyOf(s)} subscription={s} onChange={(next) => setChanged((previous) => ({ ...previous, [keyOf(next)]: next }))} />
        ))}
      </ul>
    </>
  );
}

/** The inbox of reminders, and which reminders to receive. */
export function NotificationsPage() {
  const { t } = useText();
  const session = useSession();
  const citizenKey = session?.citizenId ?? 'citizen';
  return (
    <>
      <h1 tabIndex={-1}>{t.notificationsTitle}</h1>
      {session ? (
        <>
          <section className="card" aria-labelledby="inbox-title">
            <h2 id="inbox-title">{t.inboxTitle}</h2>
            <Inbox citizenKey={citizenKey} />
          </section>
          <section className="card" aria-labelledby="reminders-title">
            <h2 id="reminders-title">{t.remindersTitle}</h2>
            <Reminders citizenKey={citizenKey} />
          </section>
        </>
      ) : (
        <div className="card">
          <p>{t.notificationsLoginPrompt}</p>
          <button type="button" className="button" onClick={() => navigate(pages.login(pages.notifications()))}>
            {t.logIn}
          </button>
        </div>
      )}
    </>
  );
}
