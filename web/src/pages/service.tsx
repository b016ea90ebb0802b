import { useCallback, useState } from 'react';
import { api, ApiError, apiPath, type City, type CityService, type RecordList, type ServiceRecord, type ShareLink } from '../api.ts';
import { BookingPanel } from '../components/booking-panel.tsx';
import { ErrorNotice, Loading } from '../components/error-notice.tsx';
import { RecordsGuidance } from '../components/guidance.tsx';
import { PayShareLink } from '../components/pay-share.tsx';
import { PaymentFlow } from '../components/payment-flow.tsx';
import { RecordView } from '../components/record-views.tsx';
import { billsInOrder } from '../components/bill-card.tsx';
import { RoadConditions } from '../components/road-conditions.tsx';
import { Sheet as SheetDialog } from '../components/sheet.tsx';
import { useText } from '../i18n.tsx';
import { useServiceText } from '../texts/services.ts';
import { takesBookings } from '../bookings.ts';
import { CATEGORY_LABELS, DEPARTMENT_LABELS, FUNCTION_LABELS, IDENTIFIER_LABELS, labelOf } from '../labels.ts';
import { payableAmount, paymentApi, type PayableRef } from '../payments.ts';
import { useResource } from '../resource.ts';
import { Link, navigate, useLocation } from '../navigation.tsx';
import { pages } from '../router.tsx';
import { useSession } from '../session.ts';

/** A fine or bill being paid, or shared for someone else to pay. */
type Sheet = { readonly kind: 'pay' | 'share'; readonly payable: PayableRef; readonly amountFen: number; readonly description?: string };

function Records({ cityId, service, citizenKey }: { cityId: string; service: CityService; citizenKey: string }) {
  const { t, lang } = useText();
  const serviceId = service.id;
  const records = useResource(`records:${cityId}:${serviceId}:${citizenKey}`, (signal) =>
    api<RecordList>(apiPath.records(cityId, serviceId), { auth: true, signal }),
  );
  const [sheet, setSheet] = useState<Sheet | null>(null);
  const takesPayments = service.functions.some((f) => f.kind === 'payment' && f.available);
  const closeSheet = useCallback(() => setSheet(null), []);
  const reload = records.reload;

  const sheetView = sheet ? (
    <SheetDialog title={sheet.kind === 'pay' ? t.paySheetTitle : t.shareSheetTitle} onClose={closeSheet}>
      {sheet.kind === 'pay' ? (
        <PaymentFlow
          amountFen={sheet.amountFen}
          description={sheet.description}
          start={(wallet, key) => paymentApi.create(sheet.payable, wallet, key)}
          onPaid={reload}
          onAlreadyPaid={reload}
          onDone={closeSheet}
        />
      ) : (
        <PayShareLink payable={sheet.payable} />
      )}
    </SheetDialog>
  ) : null;

  // While it reloads (after a payment) the list stays on screen, and so does the sheet.
  if (records.loading && !records.data) return <Loading text={t.recordsLoading} />;
  if (records.error) return <RecordsGuidance error={records.error} onRetry={records.reload} />;
  if (!records.data) return null;
  const minutes = (seconds?: number) => Math.max(1, Math.round((seconds ?? 0) / 60));

  const actionsFor = (record: ServiceRecord) => {
    const amountFen = takesPayments ? payableAmount(record) : null;
    if (amountFen === null) return undefined;
    const payable: PayableRef = { cityId, serviceId, recordId: String(record.id) };
    const description = typeof record.description === 'string' ? record.description : undefined;
    return (describedBy: string | undefined) => (
      <>
        <button type="button" className="button" aria-describedby={describedBy} onClick={() => setSheet({ kind: 'pay', payable, amountFen, description })}>
          {t.payButton}
        </button>
        <button type="button" className="button button-secondary" aria-describedby={describedBy} onClick={() => setSheet({ kind: 'share', payable, amountFen })}>
          {t.askToPayButton}
        </button>
      </>
    );
  };

  return (
    <>
      {records.data.sources
        .filter((source) => source.status !== 'ok' || source.freshness === 'cached')
        .map((source) => {
          const department = labelOf(DEPARTMENT_LABELS, source.departmentId, lang);
          const text =
            source.status === 'unavailable'
              ? t.sourceUnavailable(department)
              : source.status === 'stale'
                ? t.sourceStale(department, minutes(source.ageSeconds))
                : t.sourceCached(department, minutes(source.ageSeconds));
          return (
            <p key={`${source.departmentId}:${source.identifier ?? ''}`} className={source.status === 'ok' ? 'notice notice-info' : 'notice notice-warn'} role="status">
              {text}
            </p>
          );
        })}
      {records.data.items.length === 0 ? <p className="muted">{t.noRecords}</p> : null}
      <div className="records" aria-busy={records.loading}>
        {(records.data.recordType === 'Bill' ? billsInOrder(records.data.items) : records.data.items).map((record, index) => (
          <RecordView
            key={typeof record.id === 'string' ? record.id : index}
            cityId={cityId}
            serviceId={serviceId}
            recordType={records.data!.recordType}
            record={record}
            sources={records.data!.sources}
            actions={actionsFor(record)}
            onChanged={reload}
          />
        ))}
      </div>
      {sheetView}
    </>
  );
}

function Share({ cityId, service }: { cityId: string; service: CityService }) {
  const { t, pick } = useText();
  const [link, setLink] = useState<ShareLink | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [copied, setCopied] = useState(false);

  const share = async () => {
    setBusy(true);
    setError(null);
    try {
      setLink(await api<ShareLink>('/v1/links', { method: 'POST', auth: true, body: { cityId, serviceId: service.id } }));
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, 'UNEXPECTED', String(failure)));
    } finally {
      setBusy(false);
    }
  };

  const copy = async (url: string) => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
    } catch {
      setCopied(false); // the link stays on screen to copy by hand
    }
  };

  return (
    <section className="card" aria-labelledby="share-title">
      <h2 id="share-title">{t.shareTitle}</h2>
      <p className="hint">{t.shareHint}</p>
      {error ? <ErrorNotice error={error} /> : null}
      {link ? (
        <div className="share">
          <img src={link.qrSvgUrl} alt={t.shareQrAlt(pick(service.name))} width={192} height={192} />
          <p className="share-url">
            <a href={link.url}>{link.url}</a>
          </p>
          <button type="button" className="button button-secondary" onClick={() => void copy(link.url)}>
            {copied ? t.copied : t.copyLink}
          </button>
        </div>
      ) : (
        <button type="button" className="button button-secondary" disabled={busy} onClick={() => void share()}>
          {busy ? t.sharing : t.shareButton}
        </button>
      )}
    </section>
  );
}

export function ServicePage({ cityId, serviceId }: { cityId: string; serviceId: string }) {
  const { t, pick, lang } = useText();
  const s = useServiceText();
  const session = useSession();
  const { href } = useLocation();
  const city = useResource(`city:${cityId}`, (signal) => api<City>(apiPath.city(cityId), { signal }));
  const services = useResource(`services:${cityId}`, (signal) => api<{ items: CityService[] }>(apiPath.services(cityId), { signal }));
  const service = services.data?.items.find((s) => s.id === serviceId);
  const notFound = services.data && !service ? new ApiError(404, 'HUTONG_ERR_SERVICE_NOT_FOUND', `No service "${serviceId}" in this city`) : undefined;
  const failure = city.error ?? services.error ?? notFound;

  return (
    <>
      <p className="breadcrumb">
        <Link to={pages.home(cityId)}>← {city.data ? t.backToCity(pick(city.data.name)) : t.backToServices}</Link>
      </p>
      {failure ? <ErrorNotice error={failure} onRetry={failure === notFound ? undefined : () => (city.error ? city.reload() : services.reload())} /> : null}
      {!service && !failure ? <Loading /> : null}
      {service ? (
        <>
          <h1 tabIndex={-1}>{pick(service.name)}</h1>
          <p className="service-meta">
            <span className="chip chip-category">{labelOf(CATEGORY_LABELS, service.category, lang)}</span>
            {service.departmentIds.map((d) => (
              <span key={d} className="chip chip-plain">
                {labelOf(DEPARTMENT_LABELS, d, lang)}
              </span>
            ))}
          </p>
          <section className="card" aria-labelledby="functions-title">
            <h2 id="functions-title">{t.functionsTitle}</h2>
            <ul className="functions">
              {service.functions.map((f) => (
                <li key={f.kind} className={f.available ? 'function' : 'function function-off'}>
                  <span className={f.available ? 'chip' : 'chip chip-off'}>{labelOf(FUNCTION_LABELS, f.kind, lang)}</span>
                  {f.available ? null : <span className="muted"> {f.unavailableReason ?? t.serviceUnavailable}</span>}
                </li>
              ))}
            </ul>
            <p>
              <strong>{t.requiredTitle}:</strong>{' '}
              {service.requiredIdentifiers.length ? service.requiredIdentifiers.map((k) => labelOf(IDENTIFIER_LABELS, k, lang)).join('、') : t.nothingRequired}
            </p>
          </section>
          {takesBookings(service) ? (
            <BookingPanel cityId={cityId} service={service} />
          ) : (
          <section className="card" aria-labelledby="records-title">
            <h2 id="records-title">{service.recordType === 'RoadCondition' ? s.routeTitle : t.recordsTitle}</h2>
            {session && service.recordType === 'RoadCondition' ? (
              <RoadConditions cityId={cityId} serviceId={service.id} />
            ) : session ? (
              <Records cityId={cityId} service={service} citizenKey={session.citizenId ?? 'citizen'} />
            ) : (
              <>
                <p>{t.loginToSee}</p>
                <button type="button" className="button" onClick={() => navigate(pages.login(href))}>
                  {t.logInToContinue}
                </button>
              </>
            )}
          </section>
          )}
          {session ? <Share cityId={cityId} service={service} /> : null}
        </>
      ) : null}
    </>
  );
}
