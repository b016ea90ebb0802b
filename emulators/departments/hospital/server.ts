/**
 * The emulated city hospitals: a FHIR R4 JSON server per city at `/hospital/{city}/fhir`, as the
 * FHIR facade of a Chinese hospital information system exposes outpatient registration (门诊预约挂号).
 *
 * Model: one `Practitioner` per doctor, one `Schedule` per doctor (`serviceType.text` = 科室), and
 * one `Slot` per half-day clinic session (上午 08:00–12:00, 下午 13:30–17:00) carrying the session's
 * registration capacity and what is left (`slot-capacity` extension), the fee in yuan
 * (`registration-fee`) and the level 普通号/专家号 (`registration-level`). A booking is an
 * `Appointment` on the session's Slot; the hospital gives it a visit number (就诊序号) and an
 * estimated visit window inside the session, as 分时段预约 does. Cancel with a JSON Patch
 * replacing `/status` with `cancelled`, on the Appointment or conditionally on a search naming its patient.
 *
 * Booking with payment (锁号): `POST Appointment` with status `pending` locks a visit number for
 * 15 minutes when the session charges a fee; the answer is the Appointment `pending` with a
 * `lock-expires` extension (valueDateTime). A JSON Patch replacing `/status` with `booked` and adding
 * a `payment-reference` extension (`/extension/-`, valueString = the payer's trade number) books it;
 * a lock not booked in time becomes `cancelled` with cancelationReason "lock expired" and frees its
 * number (422 business-rule `lock-expired` to a late booking). A free session is booked at once.
 * `If-None-Exist: identifier=<system>|<value>` makes the create conditional (FHIR conditional
 * create): an Appointment already carrying that identifier is answered 200, and nothing is booked.
 *
 * Interactions: `GET metadata`; search `GET Slot|Schedule|Practitioner|Patient|Appointment?…`;
 * read `GET {type}/{id}`; `POST Appointment`; `PATCH Appointment/{id}` or `PATCH Appointment?…`.
 * Bookings live in memory; the clock starts at the reference date and moves on in real time.
 */
import type http from 'node:http';
import { readJsonBody, type EmulatorRoute } from '../../http-kit.ts';
import type { DepartmentEmulator, EmulatorContext } from '../registry.ts';
import { emulatorClock } from '../kit/clock.ts';
import {
  buildHospitalDirectory,
  isHospitalCityId,
  patientForNationalId,
  type HospitalCityId,
  type HospitalDirectory,
  type HospitalPatient,
  type HospitalPractitioner,
  type HospitalSlot,
} from './data.ts';
import {
  FHIR_JSON,
  FhirError,
  HIS,
  JSON_PATCH,
  NATIONAL_ID_SYSTEM,
  SearchParams,
  matchesDate,
  parseDateCriterion,
  parseToken,
  referencedId,
  searchset,
  sendFhir,
  sendOutcome,
  type FhirResource,
} from './fhir.ts';

const SLOT_STATUSES = ['busy', 'free', 'busy-unavailable', 'busy-tentative', 'entered-in-error'];
const APPOINTMENT_STATUSES = ['proposed', 'pending', 'booked', 'arrived', 'fulfilled', 'cancelled', 'noshow', 'entered-in-error', 'checked-in', 'waitlist'];

/** Search parameters per resource type, as the CapabilityStatement publishes them. */
const SEARCH_PARAMS = {
  Slot: ['_id', 'start', 'status', 'schedule', '_include', '_include:iterate'],
  Schedule: ['_id', 'actor', '_include'],
  Practitioner: ['_id', 'name'],
  Patient: ['identifier'],
  Appointment: ['_id', 'patient', 'patient.identifier', 'status'],
} as const satisfies Record<string, readonly string[]>;
type ResourceType = keyof typeof SEARCH_PARAMS;

/** How long a pending Appointment holds its visit number while the fee is paid. */
export const LOCK_MINUTES = 15;

interface Identifier {
  readonly system: string;
  readonly value: string;
}

interface StoredAppointment {
  resource: FhirResource & { id: string; status: string; identifier: Identifier[] };
  readonly slotId: string;
  readonly patientId: string;
  readonly sequence: number;
  /** While pending: when the lock ends (ms). */
  lockExpiresMs?: number;
  /** Set when the lock ran out, which cancelled the Appointment. */
  lockExpired?: boolean;
}

function isIdentifier(value: unknown): value is Identifier {
  const { system, value: text } = (value ?? {}) as { system?: unknown; value?: unknown };
  return typeof system === 'string' && system !== '' && typeof text === 'string' && text !== '';
}

/** One city's hospital: its synthetic directory and the bookings made through this emulator. */
class CityHospital {
  readonly directory: HospitalDirectory;
  readonly #practitioners: ReadonlyMap<string, HospitalPractitioner>;
  readonly #slots: ReadonlyMap<string, HospitalSlot>;
  /** Visit numbers taken through this emulator, by slot id. */
  readonly #taken = new Map<string, Set<number>>();
  readonly #appointments = new Map<string, StoredAppointment>();
  /** Patients found by identifier or booked for, by FHIR id: the ones a literal reference may name. */
  readonly #patients = new Map<string, HospitalPatient>();
  #nextAppointment = 1;

  constructor(readonly cityId: HospitalCityId, referenceDate: Date) {
    this.directory = buildHospitalDirectory(cityId, referenceDate);
    this.#practitioners = new Map(this.directory.practitioners.map((p) => [p.id, p]));
    this.#slots = new Map(this.directory.slots.map((s) => [s.id, s]));
  }

  remaining(slot: HospitalSlot): number {
    return slot.capacity - slot.prebooked - (this.#taken.get(slot.id)?.size ?? 0);
  }

  practitionerResource(p: HospitalPractitioner): FhirResource {
    return {
      resourceType: 'Practitioner',
      id: p.id,
      active: true,
      name: [{ use: 'official', text: p.name, family: p.family, given: [p.given] }],
      gender: p.gender,
      qualification: [
        {
          code: { coding: [{ system: HIS.professionalTitle, code: p.title.code, display: p.title.title }], text: p.title.title },
        },
      ],
    };
  }

  scheduleResource(p: HospitalPractitioner): FhirResource {
    return {
      resourceType: 'Schedule',
      id: p.scheduleId,
      active: true,
      serviceType: [{ text: p.department }],
      actor: [{ reference: `Practitioner/${p.id}`, display: p.name }],
      planningHorizon: { start: `${this.directory.firstDate}T00:00:00+08:00`, end: `${this.directory.endDate}T00:00:00+08:00` },
      comment: `${p.department} ${p.title.levelName === '专家号' ? '专家门诊' : '普通门诊'}`,
    };
  }

  slotResource(slot: HospitalSlot): FhirResource {
    const p = this.#practitioners.get(slot.practitionerId)!;
    const remaining = this.remaining(slot);
    return {
      resourceType: 'Slot',
      id: slot.id,
      extension: [
        {
          url: HIS.slotCapacity,
          extension: [
            { url: 'total', valueUnsignedInt: slot.capacity },
            { url: 'remaining', valueUnsignedInt: remaining },
          ],
        },
        { url: HIS.registrationFee, valueMoney: { value: p.title.feeYuan, currency: 'CNY' } },
        { url: HIS.registrationLevel, valueCoding: { system: HIS.registrationLevelSystem, code: p.title.level, display: p.title.levelName } },
      ],
      serviceType: [{ text: p.department }],
      schedule: { reference: `Schedule/${slot.scheduleId}` },
      status: remaining > 0 ? 'free' : 'busy',
      start: slot.start,
      end: slot.end,
      comment: slot.session.name,
    };
  }

  patientResource(patient: HospitalPatient): FhirResource {
    return {
      resourceType: 'Patient',
      id: patient.id,
      identifier: [{ use: 'official', system: NATIONAL_ID_SYSTEM, value: patient.nationalId }],
      active: true,
      name: [{ use: 'official', text: patient.name }],
      gender: patient.gender,
      birthDate: patient.birthDate,
    };
  }

  capabilityStatement(base: string): FhirResource {
    const interactions: Record<ResourceType, string[]> = {
      Slot: ['read', 'search-type'],
      Schedule: ['read', 'search-type'],
      Practitioner: ['read', 'search-type'],
      Patient: ['read', 'search-type'],
      Appointment: ['read', 'search-type', 'create', 'patch'],
    };
    const types: Record<string, string> = { _id: 'token', start: 'date', status: 'token', schedule: 'reference', actor: 'reference', name: 'string', identifier: 'token', patient: 'reference', 'patient.identifier': 'token' };
    return {
      resourceType: 'CapabilityStatement',
      status: 'active',
      date: `${this.directory.firstDate}T00:00:00+08:00`,
      kind: 'instance',
      software: { name: 'HIS FHIR facade (Hutong emulator)', version: '1.0' },
      implementation: { description: `${this.directory.hospitalName} FHIR 接口`, url: base },
      fhirVersion: '4.0.1',
      format: ['json'],
      patchFormat: [JSON_PATCH],
      rest: [
        {
          mode: 'server',
          resource: (Object.keys(SEARCH_PARAMS) as ResourceType[]).map((type) => ({
            type,
            interaction: interactions[type].map((code) => ({ code })),
            ...(type === 'Slot' ? { searchInclude: ['Slot:schedule'], searchRevInclude: [] } : {}),
            ...(type === 'Schedule' ? { searchInclude: ['Schedule:actor'] } : {}),
            ...(type === 'Appointment' ? { conditionalCreate: true } : {}),
            searchParam: SEARCH_PARAMS[type].filter((name) => !name.startsWith('_include')).map((name) => ({ name, type: types[name] })),
          })),
        },
      ],
    };
  }

  read(type: ResourceType, id: string): FhirResource | undefined {
    switch (type) {
      case 'Practitioner': {
        const p = this.#practitioners.get(id);
        return p && this.practitionerResource(p);
      }
      case 'Schedule': {
        const p = this.directory.practitioners.find((x) => x.scheduleId === id);
        return p && this.scheduleResource(p);
      }
      case 'Slot': {
        const slot = this.#slots.get(id);
        return slot && this.slotResource(slot);
      }
      case 'Patient': {
        const patient = this.#patients.get(id);
        return patient && this.patientResource(patient);
      }
      case 'Appointment':
        return this.#appointments.get(id)?.resource;
    }
  }

  search(type: ResourceType, query: URLSearchParams, base: string): FhirResource {
    const params = new SearchParams(query, SEARCH_PARAMS[type]);
    switch (type) {
      case 'Slot':
        return this.#searchSlots(params, base);
      case 'Schedule': {
        const includes = params.all('_include').flat();
        for (const value of includes) if (value !== 'Schedule:actor') throw new FhirError(400, 'not-supported', `_include=${value} is not supported; Schedule:actor is`);
        const ids = params.all('_id');
        const actors = params.all('actor').map((values) => values.map((v) => referencedId('Practitioner', v)));
        const matches = this.directory.practitioners.filter(
          (p) => ids.every((any) => any.includes(p.scheduleId)) && actors.every((any) => any.includes(p.id)),
        );
        return searchset(base, 'Schedule', params, matches.map((p) => this.scheduleResource(p)), (page) =>
          includes.length === 0 ? [] : matches.filter((p) => page.some((schedule) => schedule.id === p.scheduleId)).map((p) => this.practitionerResource(p)),
        );
      }
      case 'Practitioner': {
        const ids = params.all('_id');
        const names = params.all('name');
        const matches = this.directory.practitioners.filter(
          (p) => ids.every((any) => any.includes(p.id)) && names.every((any) => any.some((n) => n !== '' && [p.name, p.family, p.given].some((part) => part.startsWith(n)))),
        );
        return searchset(base, 'Practitioner', params, matches.map((p) => this.practitionerResource(p)));
      }
      case 'Patient': {
        const identifiers = params.all('identifier');
        // A hospital lists no patients wholesale: only the one a citizen's identifier names.
        if (identifiers.length === 0) throw new FhirError(400, 'required', 'Patient search needs identifier=urn:oid:2.16.156.10011.1.3|<national id>');
        const groups = identifiers.map((any) => any.map((token) => this.#patientByToken(token)?.id));
        const candidates = new Map(identifiers.flat().flatMap((token) => {
          const patient = this.#patientByToken(token);
          return patient ? [[patient.id, patient] as const] : [];
        }));
        const matches = [...candidates.values()].filter((patient) => groups.every((any) => any.includes(patient.id)));
        for (const patient of matches) this.#patients.set(patient.id, patient);
        return searchset(base, 'Patient', params, matches.map((p) => this.patientResource(p)));
      }
      case 'Appointment':
        return this.#searchAppointments(params, base);
    }
  }

  #patientByToken(token: string): HospitalPatient | undefined {
    const { system, code } = parseToken(token);
    if (system !== undefined && system !== NATIONAL_ID_SYSTEM) return undefined;
    return patientForNationalId(this.cityId, code);
  }

  #searchSlots(params: SearchParams, base: string): FhirResource {
    const starts = params.all('start').map((values) => values.map((v) => parseDateCriterion('start', v)));
    const statuses = params.all('status');
    for (const value of statuses.flat()) {
      if (!SLOT_STATUSES.includes(value)) throw new FhirError(400, 'invalid', `status: "${value}" is not a Slot status (${SLOT_STATUSES.join(', ')})`);
    }
    const schedules = params.all('schedule').map((values) => values.map((v) => referencedId('Schedule', v)));
    const ids = params.all('_id');
    const includes = params.all('_include').flat();
    for (const value of includes) if (value !== 'Slot:schedule') throw new FhirError(400, 'not-supported', `_include=${value} is not supported; Slot:schedule is`);
    const iterates = params.all('_include:iterate').flat();
    for (const value of iterates) if (value !== 'Schedule:actor') throw new FhirError(400, 'not-supported', `_include:iterate=${value} is not supported; Schedule:actor is`);

    const matches = this.directory.slots
      .filter((slot) => ids.every((any) => any.includes(slot.id)))
      .filter((slot) => starts.every((any) => any.some((criterion) => matchesDate(criterion, slot.startMs))))
      .filter((slot) => schedules.every((any) => any.includes(slot.scheduleId)))
      .map((slot) => this.slotResource(slot))
      .filter((slot) => statuses.every((any) => any.includes(String(slot.status))));

    return searchset(base, 'Slot', params, matches, (page) => {
      if (includes.length === 0) return [];
      const practitioners = [...new Set(page.map((slot) => this.#slots.get(String(slot.id))!.practitionerId))].map((id) => this.#practitioners.get(id)!);
      return [...practitioners.map((p) => this.scheduleResource(p)), ...(iterates.length > 0 ? practitioners.map((p) => this.practitionerResource(p)) : [])];
    });
  }

  #searchAppointments(params: SearchParams, base: string): FhirResource {
    return searchset(base, 'Appointment', params, this.#matchingAppointments(params).map((a) => a.resource));
  }

  #matchingAppointments(params: SearchParams): StoredAppointment[] {
    const ids = params.all('_id');
    const byReference = params.all('patient').map((values) => values.map((v) => referencedId('Patient', v)));
    const byIdentifier = params.all('patient.identifier').map((values) => values.map((v) => this.#patientByToken(v)?.id));
    // A hospital lists no appointments wholesale: only a named patient's.
    if (byReference.length === 0 && byIdentifier.length === 0) throw new FhirError(400, 'required', 'Appointment search needs patient=Patient/<id> or patient.identifier=<system>|<value>');
    const statuses = params.all('status');
    for (const value of statuses.flat()) {
      if (!APPOINTMENT_STATUSES.includes(value)) throw new FhirError(400, 'invalid', `status: "${value}" is not an Appointment status`);
    }
    return [...this.#appointments.values()]
      .filter((a) => ids.every((any) => any.includes(a.resource.id)))
      .filter((a) => [...byReference, ...byIdentifier].every((any) => any.includes(a.patientId)))
      .filter((a) => statuses.every((any) => any.includes(a.resource.status)));
  }

  /**
   * Conditional patch, `PATCH Appointment?_id=…&patient.identifier=…`: the hub names the patient as
   * well, so an appointment is only ever cancelled for the citizen who holds it.
   */
  conditionalPatch(query: URLSearchParams, body: unknown, nowMs: number): FhirResource {
    const matches = this.#matchingAppointments(new SearchParams(query, SEARCH_PARAMS.Appointment));
    if (matches.length === 0) throw new FhirError(404, 'not-found', 'no Appointment matches the conditions');
    if (matches.length > 1) throw new FhirError(412, 'multiple-matches', `${matches.length} Appointments match the conditions; name one`);
    return this.patch(matches[0].resource.id, body, nowMs);
  }

  /**
   * Ends the locks that ran out by `nowMs`: each pending Appointment becomes cancelled ("lock
   * expired") and its visit number goes back to the session. Called before every interaction.
   */
  expireLocks(nowMs: number): void {
    for (const stored of this.#appointments.values()) {
      if (stored.resource.status !== 'pending' || stored.lockExpiresMs === undefined || stored.lockExpiresMs > nowMs) continue;
      this.#taken.get(stored.slotId)?.delete(stored.sequence);
      stored.lockExpired = true;
      stored.resource = {
        ...stored.resource,
        meta: { versionId: String(Number((stored.resource.meta as { versionId: string }).versionId) + 1), lastUpdated: new Date(stored.lockExpiresMs).toISOString() },
        status: 'cancelled',
        cancelationReason: { text: 'lock expired' },
      };
      stored.lockExpiresMs = undefined;
    }
  }

  /**
   * `POST Appointment`, conditional when `ifNoneExist` (the If-None-Exist header, `identifier=system|value`)
   * is given: an Appointment carrying the identifier already is answered instead, and nothing is booked.
   */
  create(body: unknown, nowMs: number, ifNoneExist: string | undefined): { resource: FhirResource; created: boolean } {
    if (ifNoneExist === undefined) return { resource: this.book(body, nowMs), created: true };
    const criteria = new URLSearchParams(ifNoneExist.replace(/^\?/, ''));
    const names = [...new Set(criteria.keys())];
    if (names.length === 0 || names.some((name) => name !== 'identifier')) {
      throw new FhirError(400, 'not-supported', `If-None-Exist may only search by identifier=<system>|<value>, not "${ifNoneExist.slice(0, 200)}"`);
    }
    const tokens = criteria.getAll('identifier').map((value) => parseToken(value));
    if (tokens.some((token) => token.code === '')) throw new FhirError(400, 'invalid', 'If-None-Exist: an identifier needs a value');
    const matches = [...this.#appointments.values()].filter((stored) =>
      tokens.every((token) => stored.resource.identifier.some((i) => i.value === token.code && (token.system === undefined || i.system === token.system))),
    );
    if (matches.length > 1) throw new FhirError(412, 'multiple-matches', `${matches.length} Appointments match If-None-Exist`);
    if (matches.length === 1) return { resource: matches[0]!.resource, created: false };
    // The identifier the caller will look for next time is carried by what it creates.
    const carried = tokens.filter((token): token is { system: string; code: string } => token.system !== undefined && token.system !== '');
    return { resource: this.book(body, nowMs, carried.map((token) => ({ system: token.system, value: token.code }))), created: true };
  }

  /** Books a visit number in the Slot's session for the Patient (pending: locks it while the fee is paid). */
  book(body: unknown, nowMs: number, extraIdentifiers: readonly Identifier[] = []): FhirResource {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new FhirError(400, 'structure', 'the body must be an Appointment resource');
    const resource = body as Record<string, unknown>;
    if (resource.resourceType !== 'Appointment') throw new FhirError(400, 'invalid', `resourceType must be Appointment, not ${String(resource.resourceType)}`);
    if (resource.status === undefined) throw new FhirError(400, 'required', 'Appointment.status is required (booked)');
    if (!['proposed', 'pending', 'booked'].includes(String(resource.status))) throw new FhirError(400, 'invalid', `a new Appointment may be proposed, pending or booked, not ${String(resource.status)}`);
    const slots = resource.slot;
    if (!Array.isArray(slots) || slots.length !== 1) throw new FhirError(400, 'required', 'Appointment.slot must name exactly one Slot');
    const slotId = referencedId('Slot', String((slots[0] as { reference?: unknown })?.reference ?? ''));
    if (!slotId || !String((slots[0] as { reference?: unknown }).reference).startsWith('Slot/')) throw new FhirError(400, 'invalid', 'Appointment.slot[0].reference must be Slot/<id>');
    const participants = Array.isArray(resource.participant) ? (resource.participant as Array<{ actor?: { reference?: unknown; type?: unknown; identifier?: { system?: unknown; value?: unknown } } }>) : [];
    const patientActors = participants
      .map((p) => p?.actor)
      .filter((actor) => actor !== undefined && (String(actor.reference ?? '').startsWith('Patient/') || actor.type === 'Patient'));
    if (patientActors.length !== 1) throw new FhirError(400, 'required', 'Appointment.participant must name exactly one Patient (reference Patient/<id>, or type Patient with an identifier)');
    const actor = patientActors[0]!;
    if (resource.identifier !== undefined && (!Array.isArray(resource.identifier) || !resource.identifier.every(isIdentifier))) {
      throw new FhirError(400, 'invalid', 'Appointment.identifier must be a list of { system, value }');
    }
    // The hospital issues registration numbers itself; the caller's own identifiers are kept.
    const callerIdentifiers = ((resource.identifier ?? []) as Identifier[])
      .filter((i) => i.system !== HIS.registrationNumber)
      .map((i) => ({ system: i.system, value: i.value }));
    for (const extra of extraIdentifiers) {
      if (!callerIdentifiers.some((i) => i.system === extra.system && i.value === extra.value)) callerIdentifiers.push(extra);
    }

    const slot = this.#slots.get(slotId);
    if (!slot) throw new FhirError(422, 'not-found', `Slot/${slotId} is not a registration session of this hospital`);
    let patient: HospitalPatient | undefined;
    if (actor.reference !== undefined) {
      const id = referencedId('Patient', String(actor.reference));
      patient = id === undefined ? undefined : this.#patients.get(id);
      if (!patient) throw new FhirError(422, 'not-found', `${String(actor.reference)} is not known; find the patient by identifier first`);
    } else {
      const system = actor.identifier?.system;
      const value = actor.identifier?.value;
      if (system !== NATIONAL_ID_SYSTEM || typeof value !== 'string') throw new FhirError(400, 'invalid', `a Patient given by identifier needs system ${NATIONAL_ID_SYSTEM} and a value`);
      patient = patientForNationalId(this.cityId, value);
      if (!patient) throw new FhirError(422, 'not-found', 'no patient has that national id (it is not a valid resident identity number)');
      this.#patients.set(patient.id, patient);
    }

    const practitioner = this.#practitioners.get(slot.practitionerId)!;
    const duplicate = [...this.#appointments.values()].find((a) => a.slotId === slot.id && a.patientId === patient.id && a.resource.status !== 'cancelled');
    if (duplicate) {
      throw new FhirError(409, 'duplicate', `the patient already holds Appointment/${duplicate.resource.id} in Slot/${slot.id}`, { code: 'duplicate-booking', text: '该患者已预约此号源' });
    }
    if (slot.endMs <= nowMs) throw new FhirError(409, 'business-rule', `Slot/${slot.id} has ended`, { code: 'session-ended', text: '该门诊时段已结束' });
    if (this.remaining(slot) <= 0) {
      throw new FhirError(409, 'conflict', `Slot/${slot.id} is fully booked (${slot.capacity} of ${slot.capacity} taken)`, { code: 'slot-full', text: '号源已满' });
    }

    const taken = this.#taken.get(slot.id) ?? new Set<number>();
    this.#taken.set(slot.id, taken);
    // Visit numbers 1…prebooked went to other channels; the lowest free one after them is given out.
    let sequence = slot.prebooked + 1;
    while (taken.has(sequence)) sequence++;
    taken.add(sequence);
    const visitMinutes = practitioner.title.visitMinutes;
    const start = new Date(slot.startMs + (sequence - 1) * visitMinutes * 60_000);
    const id = `appt-${String(this.#nextAppointment++).padStart(6, '0')}`;
    const now = new Date(nowMs).toISOString();
    // Only a session with a fee has anything to wait for; a free one is booked at once.
    const locked = resource.status === 'pending' && practitioner.title.feeYuan > 0;
    const lockExpiresMs = locked ? Math.floor((nowMs + LOCK_MINUTES * 60_000) / 1000) * 1000 : undefined;
    const appointment: StoredAppointment['resource'] = {
      resourceType: 'Appointment',
      id,
      meta: { versionId: '1', lastUpdated: now },
      extension: [
        { url: HIS.visitSequence, valueUnsignedInt: sequence },
        { url: HIS.registrationFee, valueMoney: { value: practitioner.title.feeYuan, currency: 'CNY' } },
        ...(lockExpiresMs === undefined ? [] : [{ url: HIS.lockExpires, valueDateTime: shanghaiInstant(lockExpiresMs) }]),
      ],
      identifier: [
        { system: HIS.registrationNumber, value: `${slot.date.replaceAll('-', '')}${slot.session.code === 'am' ? '1' : '2'}${practitioner.id.slice(3)}${String(sequence).padStart(3, '0')}` },
        ...callerIdentifiers,
      ],
      status: locked ? 'pending' : 'booked',
      serviceType: [{ text: practitioner.department }],
      description: `${practitioner.department} ${practitioner.name} ${practitioner.title.title} ${slot.session.name} 第${sequence}号`,
      start: shanghaiInstant(start.getTime()),
      end: shanghaiInstant(start.getTime() + visitMinutes * 60_000),
      minutesDuration: visitMinutes,
      slot: [{ reference: `Slot/${slot.id}` }],
      created: now,
      participant: [
        { actor: { reference: `Patient/${patient.id}`, display: patient.name }, required: 'required', status: 'accepted' },
        { actor: { reference: `Practitioner/${practitioner.id}`, display: practitioner.name }, required: 'required', status: 'accepted' },
      ],
    };
    this.#appointments.set(id, { resource: appointment, slotId: slot.id, patientId: patient.id, sequence, lockExpiresMs });
    return appointment;
  }

  /**
   * `PATCH Appointment/{id}` with a JSON Patch: `/status` → `cancelled` (and a `/cancelationReason`),
   * or a pending Appointment's `/status` → `booked` with a payment-reference extension added at `/extension/-`.
   */
  patch(id: string, body: unknown, nowMs: number): FhirResource {
    const stored = this.#appointments.get(id);
    if (!stored) throw new FhirError(404, 'not-found', `Appointment/${id} is not known`);
    if (!Array.isArray(body) || body.length === 0) throw new FhirError(400, 'structure', 'the body must be a JSON Patch document (a non-empty array of operations)');
    let status: string | undefined;
    let reason: unknown;
    const payments: Array<{ url: string; valueString: string }> = [];
    for (const operation of body as Array<{ op?: unknown; path?: unknown; value?: unknown }>) {
      const op = operation?.op;
      if ((op === 'replace' || op === 'add') && operation.path === '/status') status = String(operation.value);
      else if ((op === 'replace' || op === 'add') && operation.path === '/cancelationReason') reason = operation.value;
      else if (op === 'add' && operation.path === '/extension/-') {
        const { url, valueString } = (operation.value ?? {}) as { url?: unknown; valueString?: unknown };
        if (url !== HIS.paymentReference || typeof valueString !== 'string' || valueString === '') {
          throw new FhirError(422, 'not-supported', `only a ${HIS.paymentReference} extension with a valueString may be added`);
        }
        payments.push({ url, valueString });
      } else {
        throw new FhirError(422, 'not-supported', `patch operation ${String(op)} ${String(operation?.path)} is not supported; replace /status with "cancelled", or with "booked" adding a payment reference`);
      }
    }
    if (status === 'booked') return this.#confirm(stored, payments, nowMs);
    if (status !== 'cancelled') throw new FhirError(422, 'business-rule', `an Appointment can only be patched to cancelled or booked, not ${String(status)}`);
    if (payments.length > 0) throw new FhirError(422, 'not-supported', 'a payment reference is added when booking, not when cancelling');
    if (stored.resource.status === 'cancelled') return stored.resource;
    if (!['proposed', 'pending', 'booked'].includes(stored.resource.status)) {
      throw new FhirError(422, 'business-rule', `Appointment/${id} is ${stored.resource.status} and can no longer be cancelled`);
    }
    this.#taken.get(stored.slotId)?.delete(stored.sequence);
    stored.lockExpiresMs = undefined;
    const version = Number((stored.resource.meta as { versionId: string }).versionId) + 1;
    stored.resource = {
      ...stored.resource,
      meta: { versionId: String(version), lastUpdated: new Date(nowMs).toISOString() },
      status: 'cancelled',
      ...(reason !== undefined ? { cancelationReason: reason } : {}),
    };
    return stored.resource;
  }

  /** Books a pending Appointment once its fee is paid; booking a booked one again answers it unchanged. */
  #confirm(stored: StoredAppointment, payments: ReadonlyArray<{ url: string; valueString: string }>, nowMs: number): FhirResource {
    const id = stored.resource.id;
    if (stored.resource.status === 'booked') return stored.resource;
    if (stored.lockExpired) {
      throw new FhirError(422, 'business-rule', `Appointment/${id} was not paid within ${LOCK_MINUTES} minutes; its visit number was released`, { code: 'lock-expired', text: '锁号已超时，号源已释放' });
    }
    if (stored.resource.status !== 'pending') {
      throw new FhirError(422, 'business-rule', `Appointment/${id} is ${stored.resource.status}; only a pending Appointment can be booked`, { code: 'not-pending', text: '该预约不是待支付状态' });
    }
    if (payments.length !== 1) {
      throw new FhirError(422, 'business-rule', `booking Appointment/${id} needs one ${HIS.paymentReference} extension`, { code: 'payment-required', text: '请先支付挂号费' });
    }
    stored.lockExpiresMs = undefined;
    const version = Number((stored.resource.meta as { versionId: string }).versionId) + 1;
    const kept = (stored.resource.extension as Array<{ url: string }>).filter((e) => e.url !== HIS.lockExpires);
    stored.resource = {
      ...stored.resource,
      meta: { versionId: String(version), lastUpdated: new Date(nowMs).toISOString() },
      extension: [...kept, ...payments],
      status: 'booked',
    };
    return stored.resource;
  }
}

/** An instant as RFC 3339 in +08:00. */
function shanghaiInstant(ms: number): string {
  return `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
}

function isResourceType(type: string): type is ResourceType {
  return Object.hasOwn(SEARCH_PARAMS, type);
}

function mediaType(req: http.IncomingMessage): string {
  return String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  try {
    return await readJsonBody(req);
  } catch (error) {
    if (error instanceof RangeError) throw new FhirError(413, 'too-costly', 'the body is too large');
    throw new FhirError(400, 'structure', `the body is not JSON: ${(error as Error).message}`);
  }
}

/** The base URL as the caller addressed the server, so paging links work whatever host name it used. */
function baseOf(req: http.IncomingMessage, context: EmulatorContext, cityId: string): string {
  const host = req.headers.host;
  return `${host ? `http://${host}` : context.baseUrl}/hospital/${cityId}/fhir`;
}

export interface HospitalOptions {
  /** Real time in epoch ms, from which the hospital's clock moves on from the reference date; Date.now by default. */
  readonly now?: () => number;
}

/**
 * The FHIR servers of every city's hospital.
 *
 * @example
 *   let t = 0
 *   const route = createHospitalRoute({ baseUrl, referenceDate }, { now: () => t })
 *   t += 16 * 60_000 // every payment lock taken so far has run out
 */
export function createHospitalRoute(context: EmulatorContext, options: HospitalOptions = {}): EmulatorRoute {
  const clock = emulatorClock(context.referenceDate, options.now);
  const hospitals = new Map<string, CityHospital>();
  const hospitalOf = (cityId: HospitalCityId): CityHospital => {
    let hospital = hospitals.get(cityId);
    if (!hospital) hospitals.set(cityId, (hospital = new CityHospital(cityId, context.referenceDate)));
    return hospital;
  };

  return async (req, res, url) => {
    const match = /^\/hospital\/([^/]+)\/fhir(?:\/(.*))?$/.exec(url.pathname);
    if (!url.pathname.startsWith('/hospital/')) return false;
    try {
      if (!match || !isHospitalCityId(match[1])) throw new FhirError(404, 'not-found', `no FHIR server at ${url.pathname}`);
      const hospital = hospitalOf(match[1]);
      const base = baseOf(req, context, match[1]);
      const segments = (match[2] ?? '').split('/').filter((s) => s !== '');
      const method = req.method ?? 'GET';
      // The clock starts at the reference date, so booking rules agree with the synthetic data.
      const nowMs = clock();
      hospital.expireLocks(nowMs);

      if (segments.length === 1 && segments[0] === 'metadata') {
        if (method !== 'GET') throw new FhirError(405, 'not-supported', 'metadata is read with GET');
        sendFhir(res, 200, hospital.capabilityStatement(base));
        return true;
      }
      const [type, id, ...rest] = segments;
      if (type === undefined || rest.length > 0) throw new FhirError(404, 'not-found', `no interaction at ${url.pathname}`);
      if (!isResourceType(type)) throw new FhirError(404, 'not-supported', `resource type ${type} is not supported by this server`);

      if (id === undefined) {
        if (method === 'GET') {
          sendFhir(res, 200, hospital.search(type, url.searchParams, base));
        } else if (method === 'PATCH' && type === 'Appointment') {
          if (mediaType(req) !== JSON_PATCH) throw new FhirError(415, 'not-supported', `send a JSON Patch as ${JSON_PATCH}`);
          const patched = hospital.conditionalPatch(url.searchParams, await readBody(req), nowMs);
          sendFhir(res, 200, patched, { etag: `W/"${(patched.meta as { versionId: string }).versionId}"` });
        } else if (method === 'POST' && type === 'Appointment') {
          const media = mediaType(req);
          if (media !== FHIR_JSON && media !== 'application/json') throw new FhirError(415, 'not-supported', `send the Appointment as ${FHIR_JSON}`);
          const ifNoneExist = req.headers['if-none-exist'];
          const { resource, created } = hospital.create(await readBody(req), nowMs, Array.isArray(ifNoneExist) ? ifNoneExist[0] : ifNoneExist);
          const version = (resource.meta as { versionId: string }).versionId;
          sendFhir(res, created ? 201 : 200, resource, { location: `${base}/Appointment/${resource.id}/_history/${version}`, etag: `W/"${version}"` });
        } else {
          throw new FhirError(405, 'not-supported', `${method} ${type} is not supported`);
        }
        return true;
      }

      if (method === 'GET') {
        const resource = hospital.read(type, id);
        if (!resource) throw new FhirError(404, 'not-found', `${type}/${id} is not known`);
        sendFhir(res, 200, resource, resource.meta ? { etag: `W/"${(resource.meta as { versionId: string }).versionId}"` } : {});
      } else if (method === 'PATCH' && type === 'Appointment') {
        if (mediaType(req) !== JSON_PATCH) throw new FhirError(415, 'not-supported', `send a JSON Patch as ${JSON_PATCH}`);
        const patched = hospital.patch(id, await readBody(req), nowMs);
        sendFhir(res, 200, patched, { etag: `W/"${(patched.meta as { versionId: string }).versionId}"` });
      } else {
        throw new FhirError(405, 'not-supported', `${method} ${type}/{id} is not supported${type === 'Appointment' ? '; cancel with PATCH' : ''}`);
      }
      return true;
    } catch (error) {
      if (!(error instanceof FhirError)) throw error;
      sendOutcome(res, error);
      return true;
    }
  };
}

/** The hospital department emulator for the shared emulator server. */
export const hospitalEmulator: DepartmentEmulator = {
  department: 'hospital',
  create: (context) => createHospitalRoute(context),
};
