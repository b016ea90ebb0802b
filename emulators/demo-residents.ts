import { SEED_CITY_REGIONS } from '../src/model/regions.ts';
import { demoResident, MAX_DEMO_RESIDENTS, type DemoResident } from './population.ts';
import { generateVehicle } from './departments/vehicle-administration/records.ts';
import { sendJson, type EmulatorRoute } from './http-kit.ts';

/**
 * The emulated world's directory of demo residents, for people trying the demo: who they may be,
 * with the phone that receives their SMS codes, the identity card the register holds, the
 * identifiers the departments issued them and the user id each platform's app is signed in as.
 *
 * - `GET /_demo/residents?city=shanghai&count=8` — the first `count` (1…50, default 8) residents of a seed city.
 */
export interface DemoResidentCard extends DemoResident {
  readonly sex: 'male' | 'female';
  /** YYYY-MM-DD, from the national id. */
  readonly birthDate: string;
  /** The date the vehicle administration holds for the plate's next inspection, YYYY-MM-DD. */
  readonly inspectionDueOn?: string;
  /** The user id each emulated platform's app is signed in as for this resident. */
  readonly platformUserIds: { readonly alipay: string; readonly wechat: string; readonly weibo: string; readonly taobao: string };
}

const DEFAULT_COUNT = 8;
const MAX_COUNT = 50;

/** A resident's card: identity facts read back from their national id (GB 11643: the 17th digit odd for men). */
export function demoResidentCard(n: number, cityId: string, referenceDate: Date): DemoResidentCard | undefined {
  const region = (SEED_CITY_REGIONS as Record<string, { regionCode: string; platePrefix: string }>)[cityId];
  if (!region) return undefined;
  const person = demoResident(n, { id: cityId, ...region });
  const id = person.nationalId;
  const lastEight = person.phone.slice(-8);
  const inspectionDueOn = generateVehicle(cityId, person.plate, referenceDate)?.JYYXQZ;
  return {
    ...person,
    sex: Number(id[16]) % 2 === 1 ? 'male' : 'female',
    birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
    ...(inspectionDueOn ? { inspectionDueOn } : {}),
    platformUserIds: { alipay: `20880000${lastEight}`, wechat: `demo-${lastEight}`, weibo: `demo-${lastEight}`, taobao: `demo-${lastEight}` },
  };
}

export function demoResidentsRoute(referenceDate: Date): EmulatorRoute {
  return async (req, res, url) => {
    if (url.pathname !== '/_demo/residents') return false;
    if (req.method !== 'GET') {
      sendJson(res, 405, { code: 'MethodNotAllowed', message: 'GET only' });
      return true;
    }
    const cityId = url.searchParams.get('city') ?? '';
    const count = Number(url.searchParams.get('count') ?? DEFAULT_COUNT);
    if (!Number.isInteger(count) || count < 1 || count > Math.min(MAX_COUNT, MAX_DEMO_RESIDENTS)) {
      sendJson(res, 400, { code: 'InvalidCount', message: `count must be 1…${MAX_COUNT}` });
      return true;
    }
    const residents: DemoResidentCard[] = [];
    for (let n = 1; n <= count; n++) {
      const card = demoResidentCard(n, cityId, referenceDate);
      if (!card) {
        sendJson(res, 404, { code: 'UnknownCity', message: `no demo residents in "${cityId}"` });
        return true;
      }
      residents.push(card);
    }
    sendJson(res, 200, { city: cityId, residents });
    return true;
  };
}
