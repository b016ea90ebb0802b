import { Value } from '@sinclair/typebox/value';
import type { City, Department, Service } from '../model/catalog.ts';
import type { IdentifierKind } from '../model/common.ts';
import type { DepartmentLimits } from '../shield/department-policy.ts';
import type { Connector, ConnectorContext } from '../connectors/connector.ts';
import { INSTALLED_CONNECTORS } from '../connectors/registry.ts';
import { hutongError } from '../errors.ts';
import type { CityConfig, DepartmentConfig, ServiceConfig } from './catalog.schema.ts';
import type { LoadedCityFile } from './catalog.loader.ts';

/**
 * Functions of a service this hub can carry out, besides querying through a connector. A function
 * missing here is listed as unavailable with this reason, never pretended.
 */
/** Connector actions a department maps to take bookings: hold-and-book a slot, and cancel. */
export const BOOKING_ACTIONS = { book: 'bookSlot', confirm: 'confirmBooking', cancel: 'cancelBooking' } as const;

export interface ServiceEntry {
  readonly service: Service;
  readonly config: ServiceConfig;
}

interface DepartmentEntry {
  readonly department: Department;
  readonly config: DepartmentConfig;
  readonly context: ConnectorContext;
  /** Absent when the department's connector kind is not installed in this hub. */
  readonly connector?: Connector;
}

interface CityEntry {
  readonly city: City;
  readonly departments: ReadonlyMap<string, DepartmentEntry>;
  readonly services: ReadonlyMap<string, ServiceEntry>;
}

/** Why a department cannot answer the service's queries, or undefined when it can. */
function departmentQueryProblem(config: ServiceConfig, department: DepartmentEntry): string | undefined {
  const kind = department.config.connector.kind;
  if (!department.connector) return `department "${department.department.id}" speaks ${kind}, and the ${kind} connector is not installed in this hub yet`;
  if (config.recordType && !department.connector.recordTypes.has(config.recordType)) {
    return `department "${department.department.id}" has no ${config.recordType} mapping configured`;
  }
  return undefined;
}

function queryAvailability(config: ServiceConfig, departments: readonly DepartmentEntry[]): string | undefined {
  const problems = departments.map((d) => departmentQueryProblem(config, d)).filter((p): p is string => p !== undefined);
  return problems.length === 0 ? undefined : problems.join('; ');
}

/** Why no department of the service can act on its records, or undefined when one can. */
function actionAvailability(departments: readonly DepartmentEntry[]): string | undefined {
  const acting = departments.filter((d) => d.connector?.performAction && (d.connector.actions?.size ?? 0) > 0);
  return acting.length > 0 ? undefined : `no department of the service has actions configured, or its connector kind is not installed`;
}

/** What the hub itself can do besides its connectors: which wallets it can take payments with. */
export interface HubCapabilities {
  readonly wallets: readonly string[];
}

/** Why slots of the service cannot be booked, or undefined when every department takes bookings. */
function bookingAvailability(config: ServiceConfig, departments: readonly DepartmentEntry[]): string | undefined {
  if (config.recordType !== 'Slot') return 'only services listing slots take bookings';
  if (queryAvailability(config, departments)) return 'the slots cannot be read from the department';
  const unable = departments.filter((d) => !d.connector?.performAction || !d.connector.actions?.has(BOOKING_ACTIONS.book) || !d.connector.actions.has(BOOKING_ACTIONS.cancel));
  return unable.length === 0 ? undefined : `${unable.map((d) => d.department.id).join(', ')} maps no ${BOOKING_ACTIONS.book} and ${BOOKING_ACTIONS.cancel} actions`;
}

/** Reminders need records to watch (or the hub's own bookings) and an installed reminder topic. */
function notificationAvailability(config: ServiceConfig, departments: readonly DepartmentEntry[]): string | undefined {
  if (!config.recordType) return 'the service has no records to remind of';
  return queryAvailability(config, departments) ? 'the records to remind of cannot be read from the department' : undefined;
}

function paymentAvailability(config: ServiceConfig, departments: readonly DepartmentEntry[], capabilities: HubCapabilities): string | undefined {
  if (capabilities.wallets.length === 0) return 'no wallet is configured in this hub';
  if (config.recordType === 'Slot') {
    // A booking fee is paid to the hub for the department, which must then confirm the booking it locked.
    const unable = departments.filter((d) => !d.connector?.actions?.has(BOOKING_ACTIONS.confirm));
    return unable.length === 0 ? undefined : `${unable.map((d) => d.department.id).join(', ')} takes no booking fees (no ${BOOKING_ACTIONS.confirm} action)`;
  }
  if (queryAvailability(config, departments)) return 'the payable records cannot be read from the department';
  // Taking money the department never hears of would be a fake success: every department must record payments.
  const deaf = departments.filter((d) => !d.connector?.recordPayment || !config.recordType || !d.connector.paymentRecordTypes?.has(config.recordType));
  return deaf.length === 0 ? undefined : `${deaf.map((d) => d.department.id).join(', ')} cannot record payments (no payments configured)`;
}

function describeService(cityId: string, config: ServiceConfig, departments: readonly DepartmentEntry[], capabilities: HubCapabilities): Service {
  const functions = config.kinds.map((kind) => {
    const reason =
      kind === 'query'
        ? queryAvailability(config, departments)
        : kind === 'action'
          ? actionAvailability(departments)
          : kind === 'payment'
            ? paymentAvailability(config, departments, capabilities)
            : kind === 'booking'
              ? bookingAvailability(config, departments)
              : notificationAvailability(config, departments);
    return reason === undefined ? { kind, available: true } : { kind, available: false, unavailableReason: reason };
  });
  // A service is available when a citizen can use at least one of its functions; `functions` says which.
  const primary = functions.find((f) => f.available) ?? functions[0];
  return {
    id: config.id,
    cityId,
    departmentIds: config.departments,
    category: config.category,
    kind: functions[0].kind,
    functions,
    name: config.name,
    ...(config.recordType ? { recordType: config.recordType } : {}),
    requiredIdentifiers: config.requiredIdentifiers,
    channels: config.channels,
    available: primary.available,
    ...(primary.unavailableReason ? { unavailableReason: primary.unavailableReason } : {}),
  };
}

function buildCity(file: LoadedCityFile, hub: ConnectorContext['hub'], capabilities: HubCapabilities): CityEntry {
  const config: CityConfig = file.config;
  const city: City = { id: config.id, regionCode: config.regionCode, name: config.name, timeZone: config.timeZone, platePrefix: config.platePrefix };
  const departments = new Map<string, DepartmentEntry>();
  for (const d of config.departments) {
    const context: ConnectorContext = Object.freeze({ cityId: config.id, departmentId: d.id, timeZone: config.timeZone, configDir: file.dir, ...(hub ? { hub } : {}) });
    const definition = INSTALLED_CONNECTORS.get(d.connector.kind);
    // Created now, so that what the catalog says is available is what the connector can do.
    const connector = definition?.create(Value.Default(definition.optionsSchema, structuredClone(d.connector.options)) as never, context);
    departments.set(d.id, {
      department: { id: d.id, cityId: config.id, name: d.name, connectorKind: d.connector.kind },
      config: d,
      context,
      ...(connector ? { connector } : {}),
    });
  }
  const services = new Map<string, ServiceEntry>();
  for (const s of config.services) {
    services.set(s.id, { config: s, service: describeService(config.id, s, s.departments.map((id) => departments.get(id)!), capabilities) });
  }
  return { city, departments, services };
}

/** The cities, departments and services this hub offers, built from checked city files. */
export class Catalog {
  readonly #cities: ReadonlyMap<string, CityEntry>;

  /**
   * @param hub services of the hub that some connector kinds need (the CSV kind keeps imports in
   *   the store); without them those connectors fail with a clear error when used.
   */
  constructor(files: readonly LoadedCityFile[], hub?: ConnectorContext['hub'], capabilities: HubCapabilities = { wallets: [] }) {
    this.#cities = new Map(files.map((f) => [f.config.id, buildCity(f, hub, capabilities)]));
  }

  listCities(): City[] {
    return [...this.#cities.values()].map((c) => c.city);
  }

  getCity(cityId: string): City {
    return this.#entry(cityId).city;
  }

  listServices(cityId: string): Service[] {
    return [...this.#entry(cityId).services.values()].map((s) => s.service);
  }

  getService(cityId: string, serviceId: string): ServiceEntry {
    const service = this.#entry(cityId).services.get(serviceId);
    if (!service) throw hutongError('HUTONG_ERR_SERVICE_NOT_FOUND', `No service "${serviceId}" in ${cityId}`);
    return service;
  }

  /** True when a service of the city's department requires identifiers of the kind, i.e. the department issues them. */
  issues(cityId: string, departmentId: string, kind: IdentifierKind): boolean {
    const city = this.#cities.get(cityId);
    if (!city?.departments.has(departmentId)) return false;
    return [...city.services.values()].some((s) => s.config.departments.includes(departmentId) && s.config.requiredIdentifiers.includes(kind));
  }

  /** The shield limits toward `city/department`: its YAML `shield:` settings over the defaults. */
  departmentLimits(department: string, defaults: DepartmentLimits): DepartmentLimits {
    const [cityId, departmentId] = department.split('/');
    const settings = this.#cities.get(cityId)?.departments.get(departmentId)?.config.shield ?? {};
    return Object.freeze({ ...defaults, ...settings });
  }

  listDepartments(cityId: string): Department[] {
    return [...this.#entry(cityId).departments.values()].map((d) => d.department);
  }

  /** The connector of a department whose kind is installed. */
  connectorFor(cityId: string, departmentId: string): Connector {
    const entry = this.#entry(cityId).departments.get(departmentId);
    if (!entry) throw new TypeError(`no department ${cityId}/${departmentId}`);
    if (!entry.connector) throw hutongError('HUTONG_ERR_SERVICE_UNAVAILABLE', `The ${entry.config.connector.kind} connector is not installed`);
    return entry.connector;
  }

  async close(): Promise<void> {
    for (const city of this.#cities.values()) {
      for (const department of city.departments.values()) await department.connector?.close?.();
    }
  }

  #entry(cityId: string): CityEntry {
    const entry = this.#cities.get(cityId);
    if (!entry) throw hutongError('HUTONG_ERR_CITY_NOT_FOUND', `No city with id "${cityId}"`);
    return entry;
  }
}
