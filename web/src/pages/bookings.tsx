import { api, apiPath, type CityService } from '../api.ts';
import { BookingList } from '../components/booking-list.tsx';
import { useText } from '../i18n.tsx';
import { rememberedCity } from '../city-choice.ts';
import { useResource } from '../resource.ts';
import { navigate } from '../navigation.tsx';
import { pages } from '../router.tsx';
import { useSession } from '../session.ts';

/** All the citizen's bookings, and those that name them as the other party to confirm. */
export function BookingsPage() {
  const { t, pick } = useText();
  const session = useSession();
  const cityId = rememberedCity() ?? 'shanghai';
  const services = useResource(`services:${cityId}`, (signal) => api<{ items: CityService[] }>(apiPath.services(cityId), { signal }));
  const serviceName = (booking: { cityId: string; serviceId: string }) => {
    const service = booking.cityId === cityId ? services.data?.items.find((s) => s.id === booking.serviceId) : undefined;
    return service ? pick(service.name) : booking.serviceId;
  };
  return (
    <>
      <h1 tabIndex={-1}>{t.bookingsTitle}</h1>
      <p className="intro">{t.bookingsIntro}</p>
      {session ? (
        <BookingList citizenKey={session.citizenId ?? 'citizen'} serviceName={serviceName} />
      ) : (
        <div className="card">
          <p>{t.bookingsLoginPrompt}</p>
          <button type="button" className="button" onClick={() => navigate(pages.login(pages.bookings()))}>
            {t.logIn}
          </button>
        </div>
      )}
    </>
  );
}
