import { hutongError } from '../errors.ts';
import { callEmulators } from '../demo/emulators-client.ts';
// The emulators' own definition of their switches (a small module with no server in it).
import { NO_FAULTS, type FaultSettings } from '../../emulators/faults.ts';

/**
 * Every department system the emulators can be told to misbehave, by the first path segment of its
 * endpoints (the SOAP traffic police and every HTTP department emulator). A test keeps this list
 * equal to the emulators' own, so the hub need not load the emulators to know it.
 */
export const FAULT_SWITCH_NAMES: readonly string[] = Object.freeze([
  'traffic-police',
  'vehicle-administration',
  'transport-bureau',
  'water',
  'electricity',
  'gas',
  'hospital',
  'social-security',
  'library',
  'civil-affairs',
  'exit-entry',
  'public-security',
]);

/**
 * The emulators' fault switches, reached through the hub so the operator console can flip them.
 * Only built in demo mode, when the emulators are part of the deployment.
 *
 * @example
 *   const faults = new EmulatorFaults('http://127.0.0.1:4100')
 *   await faults.set('library', { failRate: 1 })
 */
export class EmulatorFaults {
  readonly #baseUrl: string;

  constructor(emulatorsUrl: string) {
    this.#baseUrl = emulatorsUrl.replace(/\/+$/, '');
  }

  /** Every switchable department with its settings; those never set have no faults. */
  async list(): Promise<Array<{ name: string; settings: FaultSettings }>> {
    const set = await this.#call<Record<string, Partial<FaultSettings>>>('GET', '/_admin/faults');
    return FAULT_SWITCH_NAMES.map((name) => ({ name, settings: { ...NO_FAULTS, ...set[name] } }));
  }

  async set(name: string, changes: Partial<FaultSettings>): Promise<{ name: string; settings: FaultSettings }> {
    const settings = await this.#call<Partial<FaultSettings>>('POST', `/_admin/faults/${this.#known(name)}`, changes);
    return { name, settings: { ...NO_FAULTS, ...settings } };
  }

  async reset(name: string): Promise<{ name: string; settings: FaultSettings }> {
    await this.#call('DELETE', `/_admin/faults/${this.#known(name)}`);
    const settings = await this.#call<Partial<FaultSettings>>('GET', `/_admin/faults/${name}`);
    return { name, settings: { ...NO_FAULTS, ...settings } };
  }

  #known(name: string): string {
    if (!FAULT_SWITCH_NAMES.includes(name)) {
      throw hutongError('HUTONG_ERR_FAULT_SWITCH_NOT_FOUND', `No emulated department "${name}"; one of ${FAULT_SWITCH_NAMES.join(', ')}`);
    }
    return name;
  }

  #call<T>(method: string, path: string, json?: unknown): Promise<T> {
    return callEmulators<T>(this.#baseUrl, method, path, { json });
  }
}
