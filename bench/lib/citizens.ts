/**
 * Bench citizens: any number of people per city, each logged in through the web entrance's real
 * flow (phone + SMS code from the SMS emulator), with their real name proved against the emulated
 * public-security register and, when asked, their plate linked (confirmed by the vehicle office) —
 * the flow of `hutong demo token`, without the utility accounts and library card, which the
 * benchmarks do not read.
 *
 * `hutong demo token` knows demo residents 1…200 per city only. A benchmark over 100 000 citizens
 * uses the emulated world's other people instead: every well-formed local plate has a holder
 * (`holderOf` in emulators/population.ts) whom the register and the vehicle office agree on, so
 * bench citizen N of a city is the holder of plate `<prefix>F<N in base 34>` and logs in with a
 * phone number of their own (15CC NNNNNNN, a range no demo resident uses).
 */
import { holderOf } from '../../emulators/population.ts';
import { IDENTIFIER_CONSENT_TEXT_VERSION } from '../../src/identity/citizen.service.ts';
import { SEED_CITY_REGIONS } from '../../src/model/regions.ts';
import { call, callOk } from './http.ts';

export interface BenchCitizen {
  readonly serial: number;
  readonly cityId: string;
  readonly phone: string;
  readonly name: string;
  readonly nationalId: string;
  readonly plate: string;
}

export interface LoggedIn {
  readonly citizen: BenchCitizen;
  readonly token: string;
  /** The linked plate's identifier id, when the plate was linked. */
  readonly plateId?: string;
}

// Plate characters after the office letter: digits and letters without I and O.
const PLATE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';
// Letters leading the bench plates' serial; demo residents' plates use D.
const SERIES = 'FGHJKLMNPQ';
const MAX_SERIAL = PLATE_ALPHABET.length ** 4 - 1;

function base34(n: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = PLATE_ALPHABET[n % PLATE_ALPHABET.length] + out;
    n = Math.floor(n / PLATE_ALPHABET.length);
  }
  return out;
}

/**
 * The people of one city the bench may use. Two plates' holders may share a national id by
 * chance (the emulated register derives it from a hash); the second then takes the next series
 * letter, so every bench citizen is a different person.
 */
export class BenchPopulation {
  readonly cityId: string;
  readonly #prefix: string;
  readonly #cityCode: string;
  readonly #bySerial = new Map<number, BenchCitizen>();
  readonly #nationalIds = new Set<string>();

  constructor(cityId: string) {
    const region = (SEED_CITY_REGIONS as Record<string, { platePrefix: string }>)[cityId];
    if (!region) throw new Error(`${cityId} is not a seed city`);
    this.cityId = cityId;
    this.#prefix = region.platePrefix;
    this.#cityCode = String(10 + Object.keys(SEED_CITY_REGIONS).indexOf(cityId));
  }

  /** Bench citizen `serial` (1…1 336 335) of the city: the same person every time in a run. */
  citizen(serial: number): BenchCitizen {
    const known = this.#bySerial.get(serial);
    if (known) return known;
    if (!Number.isInteger(serial) || serial < 1 || serial > MAX_SERIAL) throw new RangeError(`bench citizen serial must be 1…${MAX_SERIAL}`);
    for (const series of SERIES) {
      const plate = `${this.#prefix}${series}${base34(serial, 4)}`;
      const holder = holderOf(this.cityId, 'plate', plate);
      if (!holder || this.#nationalIds.has(holder.nationalId)) continue;
      this.#nationalIds.add(holder.nationalId);
      const citizen: BenchCitizen = {
        serial,
        cityId: this.cityId,
        phone: `15${this.#cityCode}${String(serial).padStart(7, '0')}`,
        name: holder.name,
        nationalId: holder.nationalId,
        plate,
      };
      this.#bySerial.set(serial, citizen);
      return citizen;
    }
    throw new Error(`no free identity for bench citizen ${serial} of ${this.cityId}`);
  }
}

const populations = new Map<string, BenchPopulation>();
/** One population per city for the whole run, so no two sections make the same person twice. */
export function populationOf(cityId: string): BenchPopulation {
  let population = populations.get(cityId);
  if (!population) populations.set(cityId, (population = new BenchPopulation(cityId)));
  return population;
}

/**
 * Logs a bench citizen in through the web entrance, proves their real name and, with
 * `linkPlate`, links their plate. Throws with the failing step's error.
 */
export async function logIn(hub: string, emulators: string, citizen: BenchCitizen, options: { linkPlate?: boolean } = {}): Promise<LoggedIn> {
  await callOk(`${hub}/v1/channels/web/login-codes`, { json: { phone: citizen.phone } });
  const inbox = await callOk(`${emulators}/sms/v1/handsets/${citizen.phone}/messages`);
  // Newest first.
  const code = /\d{6}/.exec((inbox.messages as Array<{ text: string }>)[0]?.text ?? '')?.[0];
  if (!code) throw new Error(`no login code arrived at ${citizen.phone}`);
  const login = await callOk(`${hub}/v1/channels/web/login`, { json: { phone: citizen.phone, code } });
  const bound = await callOk(`${hub}/v1/me/real-name`, {
    token: login.accessToken,
    json: { name: citizen.name, nationalId: citizen.nationalId, consentTextVersion: IDENTIFIER_CONSENT_TEXT_VERSION },
  });
  const token: string = bound?.session?.accessToken ?? login.accessToken;
  if (!options.linkPlate) return { citizen, token };
  const linked = await call(`${hub}/v1/me/identifiers`, { token, json: { kind: 'plate', value: citizen.plate, consentTextVersion: IDENTIFIER_CONSENT_TEXT_VERSION } });
  if (linked.status !== 200 && linked.status !== 201) throw new Error(`link plate ${citizen.plate}: ${linked.status} ${linked.body?.error?.code ?? ''} ${linked.body?.error?.message ?? ''}`);
  return { citizen, token, plateId: linked.body.id };
}
