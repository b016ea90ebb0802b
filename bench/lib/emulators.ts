/** The emulators' admin side: request counts per department (`/_admin/traffic`) and fault switches. */
import { call, callOk } from './http.ts';

import type { DepartmentTraffic, TrafficSnapshot } from '../../emulators/traffic.ts';

export type { DepartmentTraffic, TrafficSnapshot };

const NONE: DepartmentTraffic = { requests: 0, maxPerSecond: 0 };

export class EmulatorAdmin {
  constructor(readonly url: string) {}

  /** Starts counting again from nothing. */
  async resetTraffic(): Promise<void> {
    await callOk(`${this.url}/_admin/traffic`, { method: 'DELETE' });
  }

  async traffic(): Promise<TrafficSnapshot> {
    return (await callOk(`${this.url}/_admin/traffic`)) as TrafficSnapshot;
  }

  /** One department's counts since the last reset (zero when it was not called). */
  async departmentTraffic(department: string): Promise<DepartmentTraffic> {
    return (await this.traffic()).departments[department] ?? NONE;
  }

  async setFaults(department: string, faults: Record<string, unknown>): Promise<void> {
    await callOk(`${this.url}/_admin/faults/${department}`, { json: faults });
  }

  /** Clears every fault switch; never throws (used in `finally`). */
  async clearFaults(): Promise<void> {
    await call(`${this.url}/_admin/faults`, { method: 'DELETE' });
  }
}
