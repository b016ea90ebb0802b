/**
 * Violations the emulated traffic police record after start (a camera catching a car now), kept in
 * memory per mount, city and plate. `QueryViolations` merges them into the generated records and
 * `PayViolation` takes their fines, so a hub polling the service sees them appear as new.
 *
 * Demo control, unauthenticated like the fault switches, for emulators on loopback:
 * `POST /_admin/traffic-police/{city}/violations` with
 * `{ "plate": "沪A12345", "code"?: "1625", "occurredAt"?: "<RFC 3339>", "location"?: "…" }`
 * → 201 and the record in the service's field names (XH, HPHM, …); 400 `{ code, message }` for a
 * city not served, a bad plate or a bad body.
 */
import { readJsonBody, sendJson, type EmulatorRoute } from '../../http-kit.ts';
import { cameraRecordedViolation, normalizePlate, recordedViolationNumber, VIOLATION_CODES, type LegacyViolationRecord } from './violations.ts';

/** What may be said about a violation being recorded; everything else is picked as a camera would. */
export interface RecordViolationOptions {
  /** 违法行为, one of {@link VIOLATION_CODES}; picked with the generator's frequencies when absent. */
  readonly code?: string;
  /** When the camera caught it, not later than the service's "now"; that "now" when absent. */
  readonly occurredAt?: Date;
  /** 违法地点, 1…100 characters; an address on the city's roads when absent. */
  readonly location?: string;
}

const MAX_LOCATION_LENGTH = 100;

/** The violations recorded on one mount since it started, by city and plate. */
export class RecordedViolations {
  readonly #cities: ReadonlySet<string>;
  readonly #clock: () => number;
  readonly #firstSerial: number;
  readonly #issued = new Map<string, number>();
  readonly #byPlate = new Map<string, LegacyViolationRecord[]>();

  /**
   * @param cities the cities the mount serves
   * @param referenceDate the mount's "now" of generated data; record numbers are counted on from it
   * @param clock epoch milliseconds of the service's "now", the time of a violation when none is given
   */
  constructor(cities: readonly string[], referenceDate: Date, clock: () => number = Date.now) {
    this.#cities = new Set(cities);
    this.#clock = clock;
    // Counted on from the reference date (the start time in demo mode), so a restarted emulator does not reuse the previous run's numbers.
    this.#firstSerial = (Math.floor(referenceDate.getTime() / 1000) % 100_000_000) * 5;
  }

  /** Whether violations can be recorded in this city. */
  serves(cityId: string): boolean {
    return this.#cities.has(cityId);
  }

  /**
   * Records a new camera violation on a plate: a fresh 序号, unprocessed and unpaid.
   *
   * @returns the record as `QueryViolations` returns it until it is paid
   * @throws RangeError for a city not served, a malformed plate, an unknown code, a time in the
   *   future or an invalid date, or an empty or overlong location.
   */
  record(cityId: string, plate: string, options: RecordViolationOptions = {}): LegacyViolationRecord {
    if (!this.serves(cityId)) throw new RangeError(`no emulated traffic police for city "${cityId}"`);
    const normalized = normalizePlate(plate);
    if (normalized === undefined) throw new RangeError(`invalid plate number "${plate}", e.g. 沪A12345 or 粤BD12345`);
    if (options.code !== undefined && !VIOLATION_CODES.includes(options.code)) {
      throw new RangeError(`unknown violation code "${options.code}"; use one of ${VIOLATION_CODES.join(', ')}`);
    }
    const now = this.#clock();
    const occurredAt = options.occurredAt ?? new Date(now);
    if (Number.isNaN(occurredAt.getTime())) throw new RangeError('occurredAt is not a valid time');
    if (occurredAt.getTime() > now) throw new RangeError(`occurredAt is in the future of the emulated traffic police (now ${new Date(now).toISOString()})`);
    const location = options.location?.trim();
    if (location !== undefined && (location.length === 0 || Array.from(location).length > MAX_LOCATION_LENGTH || /\p{Cc}/u.test(location))) {
      throw new RangeError(`location must be 1…${MAX_LOCATION_LENGTH} printable characters`);
    }

    const issued = this.#issued.get(cityId) ?? 0;
    const xh = recordedViolationNumber(cityId, this.#firstSerial + issued);
    const record = cameraRecordedViolation(cityId, normalized, xh, { occurredAt, code: options.code, location });
    this.#issued.set(cityId, issued + 1);
    const key = `${cityId}|${normalized}`;
    this.#byPlate.set(key, [...(this.#byPlate.get(key) ?? []), record]);
    return { ...record };
  }

  /** The violations recorded on a plate (as normalised by {@link normalizePlate}), newest first like the generated ones. */
  of(cityId: string, plate: string): LegacyViolationRecord[] {
    return (this.#byPlate.get(`${cityId}|${plate}`) ?? []).map((record) => ({ ...record })).reverse();
  }

  /** `POST /_admin/traffic-police/{city}/violations`: the demo control described at the top of this file. */
  adminRoute(): EmulatorRoute {
    return async (req, res, url) => {
      const match = /^\/_admin\/traffic-police\/([^/]+)\/violations$/.exec(url.pathname);
      if (!match) return false;
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        sendJson(res, 405, { code: 'MethodNotAllowed', message: 'POST a violation to record' });
        return true;
      }
      const cityId = safeDecode(match[1]!);
      if (!this.serves(cityId)) {
        sendJson(res, 400, { code: 'UnknownCity', message: `no emulated traffic police for city "${cityId}"` });
        return true;
      }
      let body: unknown;
      try {
        body = await readJsonBody(req);
      } catch {
        sendJson(res, 400, { code: 'MalformedBody', message: 'body must be JSON' });
        return true;
      }
      const request = parseRecordRequest(body);
      if ('problems' in request) {
        sendJson(res, 400, { code: 'InvalidViolation', message: request.problems.join('; ') });
        return true;
      }
      try {
        sendJson(res, 201, this.record(cityId, request.plate, request.options));
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        sendJson(res, 400, { code: 'InvalidViolation', message: error.message });
      }
      return true;
    };
  }
}

// RFC 3339 date-time with a mandatory offset; Date.parse alone would also take local times and other shapes.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/** The control's JSON body as a plate and options, or every problem with it. */
function parseRecordRequest(body: unknown): { plate: string; options: RecordViolationOptions } | { problems: string[] } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { problems: ['body must be a JSON object with a plate'] };
  const fields = body as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(fields)) {
    if (!['plate', 'code', 'occurredAt', 'location'].includes(key)) problems.push(`unknown field ${key}`);
  }
  if (typeof fields.plate !== 'string') problems.push('plate must be a string, e.g. 沪A12345');
  if (fields.code !== undefined && typeof fields.code !== 'string') problems.push('code must be a string');
  if (fields.location !== undefined && typeof fields.location !== 'string') problems.push('location must be a string');
  let occurredAt: Date | undefined;
  if (fields.occurredAt !== undefined) {
    occurredAt = typeof fields.occurredAt === 'string' ? parseRfc3339(fields.occurredAt) : undefined;
    if (occurredAt === undefined) problems.push('occurredAt must be an RFC 3339 time with an offset, e.g. 2025-06-01T12:00:00+08:00');
  }
  if (problems.length > 0) return { problems };
  return {
    plate: fields.plate as string,
    options: { code: fields.code as string | undefined, occurredAt, location: fields.location as string | undefined },
  };
}

/** An RFC 3339 date-time, or undefined when malformed or naming a day or hour that does not exist. */
function parseRfc3339(raw: string): Date | undefined {
  const text = raw.toUpperCase();
  if (!RFC3339.test(text)) return undefined;
  const [year, month, day, hour] = [text.slice(0, 4), text.slice(5, 7), text.slice(8, 10), text.slice(11, 13)].map(Number) as [number, number, number, number];
  // Date rolls 30 February over to March and 24:00 over to the next day instead of refusing them.
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (hour > 23 || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return undefined;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
