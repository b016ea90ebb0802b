import { useCallback, useState } from 'react';
import { api, apiPath, type City, type CityService } from '../api.ts';
import { ErrorNotice, Loading } from '../components/error-notice.tsx';
import { PaymentFlow, PaySummary } from '../components/payment-flow.tsx';
import { useText } from '../i18n.tsx';
import { paymentApi } from '../payments.ts';
import { useResource } from '../resource.ts';
import { navigate } from '../navigation.tsx';
import { pages } from '../router.tsx';
import { useSession } from '../session.ts';

/** Where a "pay for me" link lands: what it asks to pay, and paying it with any wallet once logged in. */
export function PayPage({ code }: { code: string }) {
  const { t, pick } = useText();
  const session = useSession();
  const link = useResource(`pay-link:${code}`, (signal) => paymentApi.link(code, signal));
  const cityId = link.data?.cityId ?? null;
  const city = useResource(cityId ? `city:${cityId}` : null, (signal) => api<City>(apiPath.city(cityId ?? ''), { signal }));
  const services = useResource(cityId ? `services:${cityId}` : null, (signal) => api<{ items: CityService[] }>(apiPath.services(cityId ?? ''), { signal }));
  const service = services.data?.items.find((s) => s.id === link.data?.serviceId);
  // Once paid here, the payment's own "paid" stays on screen while the link is read again.
  const [paidHere, setPaidHere] = useState(false);
  const reload = link.reload;
  const paid = useCallback(() => {
    setPaidHere(true);
    reload();
  }, [reload]);

  const data = link.data;
  const status = paidHere ? 'paid' : data?.status;
  return (
    <>
      <h1 tabIndex={-1}>{t.payPageTitle}</h1>
      <p className="intro">{t.payPageIntro}</p>
      {link.loading && !data ? <Loading /> : null}
      {link.error ? <ErrorNotice error={link.error} onRetry={link.reload} /> : null}
      {data ? (
        <section className="card" aria-labelledby="pay-link-title">
          <h2 id="pay-link-title">
            {city.data && service ? `${pick(city.data.name)} · ${pick(service.name)}` : t.paySheetTitle}
          </h2>
          <PaySummary amountFen={data.amountFen} description={data.description} />
          <p className="pay-status">
            {t.payStatusLabel}: <span className={status === 'paid' ? 'badge badge-ok' : 'badge badge-warn'}>{status === 'paid' ? t.payStatusPaid : t.payStatusOpen}</span>
          </p>
          {data.status === 'paid' && !paidHere ? (
            <div className="notice notice-ok" role="status">
              <p>{t.payAlreadyPaid}</p>
            </div>
          ) : !session ? (
            <div className="notice notice-info">
              <p>{t.payLoginPrompt}</p>
              <button type="button" className="button" onClick={() => navigate(pages.login(pages.pay(code)))}>
                {t.payLogin}
              </button>
            </div>
          ) : (
            <PaymentFlow amountFen={data.amountFen} showSummary={false} start={(wallet, key) => paymentApi.payLink(code, wallet, key)} onPaid={paid} onAlreadyPaid={reload} />
          )}
        </section>
      ) : null}
    </>
  );
}
