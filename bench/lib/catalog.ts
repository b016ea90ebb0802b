/**
 * What the bench reads from the city YAML the hub runs with (HUTONG_CONFIG, default
 * config/cities): departments' configured rates and services' waiting rooms. Read as plain YAML,
 * so the bench does not depend on the hub's catalog code.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';

interface CityYaml {
  id: string;
  departments?: Array<{ id: string; shield?: Record<string, unknown> }>;
  services?: Array<{ id: string; departments?: string[]; requiredIdentifiers?: string[]; waitingRoom?: { admitPerSecond?: number; burst?: number; admittedForSeconds?: number }; booking?: { dueRecord?: { recordType?: string; withinDays?: number } } }>;
}

export const catalogDir = () => path.resolve(process.env.HUTONG_CONFIG || 'config/cities');

const cache = new Map<string, CityYaml>();

async function city(cityId: string): Promise<CityYaml | undefined> {
  if (!cache.has(cityId)) {
    try {
      cache.set(cityId, parse(await readFile(path.join(catalogDir(), `${cityId}.yaml`), 'utf8')) as CityYaml);
    } catch {
      return undefined;
    }
  }
  return cache.get(cityId);
}

/** The calls per second a department takes at most (`shield.ratePerSecond`), when configured. */
export async function configuredRate(cityId: string, departmentId: string): Promise<number | undefined> {
  const department = (await city(cityId))?.departments?.find((d) => d.id === departmentId);
  const rate = department?.shield?.ratePerSecond;
  return typeof rate === 'number' ? rate : undefined;
}

export interface WaitingRoomService {
  readonly cityId: string;
  readonly serviceId: string;
  readonly departmentId: string;
  readonly requiredIdentifiers: readonly string[];
  readonly admitPerSecond: number;
  readonly burst: number;
  /** Bookable only for a vehicle whose inspection is due within this many days (inspection booking). */
  readonly vehicleDueWithinDays?: number;
}

/** Booking services with a waiting room, `preferredCity`'s first. */
export async function waitingRoomServices(preferredCity: string): Promise<WaitingRoomService[]> {
  let files: string[] = [];
  try {
    files = (await readdir(catalogDir())).filter((f) => f.endsWith('.yaml')).sort();
  } catch {
    return [];
  }
  const found: WaitingRoomService[] = [];
  for (const file of files) {
    const config = await city(file.replace(/\.yaml$/, ''));
    for (const service of config?.services ?? []) {
      if (!service.waitingRoom || !service.booking) continue;
      found.push({
        cityId: config!.id,
        serviceId: service.id,
        departmentId: service.departments?.[0] ?? '',
        requiredIdentifiers: service.requiredIdentifiers ?? [],
        admitPerSecond: Number(service.waitingRoom.admitPerSecond),
        burst: Number(service.waitingRoom.burst),
        ...(service.booking.dueRecord?.recordType === 'Vehicle' ? { vehicleDueWithinDays: Number(service.booking.dueRecord.withinDays ?? 0) } : {}),
      });
    }
  }
  return found.sort((a, b) => Number(b.cityId === preferredCity) - Number(a.cityId === preferredCity));
}
