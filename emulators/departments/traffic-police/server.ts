/**
 * The emulated legacy violation system of the city traffic police: a SOAP 1.1 (document/literal)
 * web service per city, served by the `soap` package on an existing HTTP server.
 *
 * Endpoint per city: `POST {baseUrl}/traffic-police/{city}/ws`, WSDL at `GET …/ws?wsdl`.
 * Operations: `QueryViolations` (a plate's violations, paged) and `PayViolation` (a fine paid
 * through a payment platform). Payments are kept in memory per mount, keyed by violation number
 * (XH): a paid violation answers 缴款标记 JKBJ '1' (and 处理标记 CLBJ '1', as online payment
 * also settles the handling) in every later query. Violations recorded after start (see
 * `recorded.ts`, the demo control `POST /_admin/traffic-police/{city}/violations`) are answered
 * and paid like the generated ones.
 */
import type http from 'node:http';
import { listen, type IServices, type ISoapFaultError } from 'soap';
import { yuanStringToFen } from '../../../src/model/identifiers.ts';
import { SEED_CITY_REGIONS, type SeedCityId } from '../../../src/model/regions.ts';
import { fenToYuan } from '../kit/synthetic.ts';
import { emulatorClock } from '../kit/clock.ts';
import { openPaymentLedgers, type PaymentLedger, type PaymentRefusal } from '../kit/payments.ts';
import type { EmulatorRoute } from '../../http-kit.ts';
import {
  EMULATED_CITY_IDS,
  generateViolations,
  isEmulatedCityId,
  normalizePlate,
  plateTypeOf,
  type LegacyViolationRecord,
} from './violations.ts';
import { RecordedViolations, type RecordViolationOptions } from './recorded.ts';
import { PAYMENT_REFUSAL_FAULT_CODES, trafficPoliceWsdl } from './wsdl.ts';

/** The fault-switch name and first path segment of the service, also the name of its payment ledgers. */
export const TRAFFIC_POLICE_SEGMENT = 'traffic-police';

/** Arguments of `QueryViolations` as a SOAP client sends them (the `QueryViolationsRequest` element). */
export interface QueryViolationsRequest {
  /** 号牌号码, e.g. "沪A12345" or "粤BD12345". */
  hphm: string;
  /** 号牌种类, the code matching the plate's shape: '02', '52' or '51'. */
  hpzl: string;
  /** 1-based page number; 1 when absent. */
  pageNo?: number;
  /** Records per page, 1..50; 20 when absent. */
  pageSize?: number;
}

/** The body of a successful `QueryViolations` answer (the `QueryViolationsResponse` element). */
export interface QueryViolationsResponse {
  /** '1' means success; failures are SOAP faults instead. */
  code: string;
  message: string;
  /** Number of records for the plate across all pages. */
  total: number;
  pageNo: number;
  pageSize: number;
  records: { record: LegacyViolationRecord[] };
}

/** Arguments of `PayViolation` (the `PayViolationRequest` element). */
export interface PayViolationRequest {
  /** 违法序号 of the violation paid. */
  xh: string;
  hphm: string;
  hpzl: string;
  /** 缴款金额 in yuan, "200.00"; must equal the fine. */
  jkje: string;
  /** 缴款流水号: the payer's reference, its idempotency key. */
  jklsh: string;
  /** 缴款时间 "yyyy-MM-dd HH:mm:ss". */
  jksj: string;
  /** 缴款渠道, e.g. "alipay". */
  jkqd?: string;
}

/** The body of a successful `PayViolation` answer; a repeated reference answers the first one's. */
export interface PayViolationResponse {
  code: string;
  message: string;
  xh: string;
  /** 缴款编号: the traffic police's own number for the payment. */
  jkbh: string;
  jkje: string;
  jksj: string;
  jkbj: '1';
}

/** Options of {@link mountTrafficPolice}. */
export interface TrafficPoliceMountOptions {
  /** Public base URL of `server`, without a trailing slash, e.g. "http://127.0.0.1:4010". */
  baseUrl: string;
  /** Cities to serve; all of {@link EMULATED_CITY_IDS} when absent. */
  cities?: readonly string[];
  /** The "now" that violation times are counted back from; the mount time when absent. */
  referenceDate?: Date;
  /**
   * Epoch milliseconds of the service's "now", which dates violations recorded without a time;
   * when absent, `referenceDate` advancing in real time, so they come after the generated ones.
   */
  clock?: () => number;
}

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 50;

/** The path of a city's SOAP endpoint on the emulator server. */
export function trafficPolicePath(cityId: string): string {
  return `/traffic-police/${cityId}/ws`;
}

/** What tests and demos may do to a mounted traffic police: record violations, look at payments. */
export interface TrafficPoliceControl {
  /** The payments each city's service recorded. */
  readonly payments: (cityId: string) => PaymentLedger;
  /**
   * Makes a camera record a new violation on a plate, unpaid, dated at the service's "now" (the
   * reference date plus the time since start) unless `options.occurredAt` says otherwise; it
   * appears in every later `QueryViolations` of the plate and can be paid.
   *
   * @returns its 序号 XH, e.g. "310000123456785"
   * @throws RangeError for a city not mounted, a malformed plate, an unknown code, a future time or a bad location.
   * @example
   *   const xh = emulators.trafficPolice.recordViolation('shanghai', '沪A12345', { code: '1625' })
   */
  recordViolation(cityId: string, plate: string, options?: RecordViolationOptions): string;
}

/** What a mount gives back: its control, and the HTTP route of that control for the emulator server. */
export interface MountedTrafficPolice extends TrafficPoliceControl {
  /** `POST /_admin/traffic-police/{city}/violations`; see `recorded.ts`. */
  readonly adminRoute: EmulatorRoute;
}

/**
 * Mounts the SOAP violation service of each city on `server`, which must already be listening.
 * Requests to other paths still reach the server's earlier `request` listeners. The payment
 * ledgers start empty; they are also found by `paymentLedger(baseUrl, 'traffic-police', city)`.
 *
 * @throws Error when `server` is not listening or a city is not emulated; rejects when a WSDL fails to load.
 */
export async function mountTrafficPolice(server: http.Server, options: TrafficPoliceMountOptions): Promise<MountedTrafficPolice> {
  if (!server.listening) {
    throw new Error('mountTrafficPolice: the HTTP server must be listening before the SOAP services are mounted');
  }
  const cities = options.cities ?? EMULATED_CITY_IDS;
  const unknownCity = cities.find((city) => !isEmulatedCityId(city));
  if (unknownCity !== undefined) {
    throw new Error(`mountTrafficPolice: no emulated traffic police for city "${unknownCity}"`);
  }
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const referenceDate = options.referenceDate ?? new Date();
  const payments = openPaymentLedgers(baseUrl, TRAFFIC_POLICE_SEGMENT, (city) => `JK${SEED_CITY_REGIONS[city as SeedCityId]?.regionCode ?? '000000'}`);
  const recorded = new RecordedViolations(cities, referenceDate, options.clock ?? emulatorClock(referenceDate));

  // One after another: each listen wraps the request listeners present when its WSDL is ready.
  for (const city of cities) {
    const path = trafficPolicePath(city);
    await new Promise<void>((resolve, reject) => {
      listen(server, {
        path,
        services: trafficViolationServices({ city, referenceDate, ledger: payments(city), recorded }),
        xml: trafficPoliceWsdl(`${baseUrl}${path}`),
        callback: (error: unknown) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve()),
      });
    });
  }
  return {
    payments,
    recordViolation: (cityId, plate, recordOptions) => recorded.record(cityId, plate, recordOptions).XH,
    adminRoute: recorded.adminRoute(),
  };
}

/** What one city's service answers from. */
interface CityService {
  city: string;
  referenceDate: Date;
  ledger: PaymentLedger;
  recorded: RecordedViolations;
}

function trafficViolationServices(service: CityService): IServices {
  return {
    TrafficViolationService: {
      TrafficViolationPort: {
        QueryViolations: (args: unknown): QueryViolationsResponse => queryViolations(service, args),
        PayViolation: (args: unknown): PayViolationResponse => payViolation(service, args),
      },
    },
  };
}

/** The violations the system holds for a plate before payments: generated, then recorded since start. */
function recordsOf({ city, referenceDate, recorded }: CityService, plate: string): LegacyViolationRecord[] {
  return [...generateViolations(city, plate, referenceDate), ...recorded.of(city, plate)];
}

/** The violations of a plate as the system holds them now, with the payments taken since. */
function violationsOf(service: CityService, plate: string): LegacyViolationRecord[] {
  return recordsOf(service, plate).map((record) => (service.ledger.paymentOf(record.XH) ? { ...record, CLBJ: '1', JKBJ: '1' } : record));
}

/** The plate of a request, checked with its plate type; throws a client fault otherwise. */
function plateOf(request: Record<string, unknown>): string {
  const plate = typeof request.hphm === 'string' ? normalizePlate(request.hphm) : undefined;
  if (plate === undefined) {
    throw clientFault('号牌号码格式错误 / invalid plate number');
  }
  const plateType = typeof request.hpzl === 'string' ? request.hpzl.trim() : '';
  if (plateType !== plateTypeOf(plate)) {
    throw clientFault('号牌种类与号牌号码不符 / plate type does not match the plate number');
  }
  return plate;
}

function queryViolations(service: CityService, args: unknown): QueryViolationsResponse {
  const request = isRecord(args) ? args : {};
  const plate = plateOf(request);
  const pageNo = readInteger(request.pageNo, 1);
  if (pageNo === undefined || pageNo < 1) {
    throw clientFault('页码必须为正整数 / pageNo must be a positive integer');
  }
  const pageSize = readInteger(request.pageSize, DEFAULT_PAGE_SIZE);
  if (pageSize === undefined || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw clientFault(`每页条数必须在1到${MAX_PAGE_SIZE}之间 / pageSize must be between 1 and ${MAX_PAGE_SIZE}`);
  }

  // "yyyy-MM-dd HH:mm:ss" strings sort chronologically as text.
  const records = violationsOf(service, plate).sort((a, b) => (a.WFSJ < b.WFSJ ? 1 : a.WFSJ > b.WFSJ ? -1 : 0));
  const start = (pageNo - 1) * pageSize;
  return {
    code: '1',
    message: '查询成功',
    total: records.length,
    pageNo,
    pageSize,
    records: { record: records.slice(start, start + pageSize) },
  };
}

const REFUSAL_TEXT: Record<PaymentRefusal, string> = {
  'unknown-record': '该号牌无此违法记录 / no such violation for this plate',
  'already-paid': '该违法记录已缴款 / the violation has already been paid',
  'amount-mismatch': '缴款金额与罚款金额不符 / the amount differs from the fine',
  'reference-reused': '缴款流水号已用于其他违法记录 / the payment reference was used for another violation',
};

const YUAN = /^\d{1,9}(?:\.\d{1,2})?$/;
const REFERENCE = /^[A-Za-z0-9_-]{6,64}$/;
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

function payViolation(service: CityService, args: unknown): PayViolationResponse {
  const request = isRecord(args) ? args : {};
  const plate = plateOf(request);
  const xh = typeof request.xh === 'string' ? request.xh.trim() : '';
  if (!/^\d{15}$/.test(xh)) throw clientFault('违法序号格式错误 / xh must be 15 digits');
  const amount = typeof request.jkje === 'string' ? request.jkje.trim() : '';
  if (!YUAN.test(amount)) throw clientFault('缴款金额格式错误 / jkje must be yuan, e.g. 200.00');
  const reference = typeof request.jklsh === 'string' ? request.jklsh.trim() : '';
  if (!REFERENCE.test(reference)) throw clientFault('缴款流水号格式错误 / jklsh must be 6 to 64 letters, digits, - or _');
  const paidAt = typeof request.jksj === 'string' ? request.jksj.trim() : '';
  if (!LOCAL_TIME.test(paidAt)) throw clientFault('缴款时间格式错误 / jksj must be yyyy-MM-dd HH:mm:ss');
  const channel = typeof request.jkqd === 'string' ? request.jkqd.trim() : '';

  const violation = recordsOf(service, plate).find((record) => record.XH === xh);
  const result = service.ledger.record(
    { recordId: xh, reference, amountFen: yuanStringToFen(amount), paidAt, channel },
    violation ? { known: true, amountFen: yuanStringToFen(violation.FKJE), paidElsewhere: violation.JKBJ === '1' } : { known: false },
  );
  if (result.outcome === 'refused') {
    throw { Fault: { faultcode: PAYMENT_REFUSAL_FAULT_CODES[result.refusal], faultstring: REFUSAL_TEXT[result.refusal], statusCode: 500 } } satisfies ISoapFaultError;
  }
  const { entry } = result;
  return {
    code: '1',
    message: result.outcome === 'recorded' ? '缴款成功' : '该流水号已缴款，返回原缴款结果 / already recorded under this reference',
    xh,
    jkbh: entry.departmentReference,
    jkje: fenToYuan(entry.amountFen),
    jksj: entry.paidAt,
    jkbj: '1',
  };
}

/** A SOAP 1.1 fault for a bad request, thrown the way the `soap` server turns into a Fault response. */
function clientFault(faultstring: string): ISoapFaultError {
  return { Fault: { faultcode: 'soap:Client', faultstring, statusCode: 500 } };
}

/** An integer from an xsd:int argument (parsed or not), `fallback` when absent, undefined when malformed. */
function readInteger(value: unknown, fallback: number): number | undefined {
  if (value === undefined || value === null || value === '') {
    return fallback;
  }
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(number) ? number : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
