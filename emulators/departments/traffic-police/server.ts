/**
 * The emulated legacy violation-query system of the city traffic police: a SOAP 1.1
 * (document/literal) web service per city, served by the `soap` package on an existing HTTP server.
 *
 * Endpoint per city: `POST {baseUrl}/traffic-police/{city}/ws`, WSDL at `GET …/ws?wsdl`.
 */
import type http from 'node:http';
import { listen, type IServices, type ISoapFaultError } from 'soap';
import {
  EMULATED_CITY_IDS,
  generateViolations,
  isEmulatedCityId,
  plateTypeOf,
  type LegacyViolationRecord,
} from './violations.ts';
import { trafficPoliceWsdl } from './wsdl.ts';

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

/** Options of {@link mountTrafficPolice}. */
export interface TrafficPoliceMountOptions {
  /** Public base URL of `server`, without a trailing slash, e.g. "http://127.0.0.1:4010". */
  baseUrl: string;
  /** Cities to serve; all of {@link EMULATED_CITY_IDS} when absent. */
  cities?: readonly string[];
  /** The "now" that violation times are counted back from; the mount time when absent. */
  referenceDate?: Date;
}

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 50;
// Loose shape check: a Chinese province abbreviation, then letters and digits; the last character may be Chinese (学, 警, 挂…).
const PLATE_PATTERN = /^\p{Script=Han}[A-Z0-9]{5,6}[A-Z0-9\p{Script=Han}]$/u;

/** The path of a city's SOAP endpoint on the emulator server. */
export function trafficPolicePath(cityId: string): string {
  return `/traffic-police/${cityId}/ws`;
}

/**
 * Mounts the SOAP violation-query service of each city on `server`, which must already be
 * listening. Requests to other paths still reach the server's earlier `request` listeners.
 *
 * @throws Error when `server` is not listening or a city is not emulated; rejects when a WSDL fails to load.
 */
export async function mountTrafficPolice(server: http.Server, options: TrafficPoliceMountOptions): Promise<void> {
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

  // One after another: each listen wraps the request listeners present when its WSDL is ready.
  for (const city of cities) {
    const path = trafficPolicePath(city);
    await new Promise<void>((resolve, reject) => {
      listen(server, {
        path,
        services: trafficViolationServices(city, referenceDate),
        xml: trafficPoliceWsdl(`${baseUrl}${path}`),
        callback: (error: unknown) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve()),
      });
    });
  }
}

function trafficViolationServices(city: string, referenceDate: Date): IServices {
  return {
    TrafficViolationService: {
      TrafficViolationPort: {
        QueryViolations: (args: unknown): QueryViolationsResponse => queryViolations(city, referenceDate, args),
      },
    },
  };
}

function queryViolations(city: string, referenceDate: Date, args: unknown): QueryViolationsResponse {
  const request = isRecord(args) ? args : {};
  const plate = typeof request.hphm === 'string' ? request.hphm.trim().toUpperCase() : '';
  if (!PLATE_PATTERN.test(plate)) {
    throw clientFault('号牌号码格式错误 / invalid plate number');
  }
  const plateType = typeof request.hpzl === 'string' ? request.hpzl.trim() : '';
  if (plateType !== plateTypeOf(plate)) {
    throw clientFault('号牌种类与号牌号码不符 / plate type does not match the plate number');
  }
  const pageNo = readInteger(request.pageNo, 1);
  if (pageNo === undefined || pageNo < 1) {
    throw clientFault('页码必须为正整数 / pageNo must be a positive integer');
  }
  const pageSize = readInteger(request.pageSize, DEFAULT_PAGE_SIZE);
  if (pageSize === undefined || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw clientFault(`每页条数必须在1到${MAX_PAGE_SIZE}之间 / pageSize must be between 1 and ${MAX_PAGE_SIZE}`);
  }

  // "yyyy-MM-dd HH:mm:ss" strings sort chronologically as text.
  const records = generateViolations(city, plate, referenceDate).sort((a, b) => (a.WFSJ < b.WFSJ ? 1 : a.WFSJ > b.WFSJ ? -1 : 0));
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
