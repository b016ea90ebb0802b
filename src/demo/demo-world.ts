import { hutongError } from '../errors.ts';
// The directory's own answer type: the hub reads it from the emulators in demo mode only.
import type { DemoResidentCard } from '../../emulators/demo-residents.ts';
import { callEmulators } from './emulators-client.ts';

export type { DemoResidentCard };

/** A text message on an emulated handset. */
export interface DemoPhoneMessage {
  readonly id: string;
  readonly text: string;
  readonly receivedAt: string;
}

/**
 * The emulated world seen from the hub in demo mode, so that someone trying the demo can be one of
 * its residents: who they are, and the texts their phone received (login codes, reminders).
 * Only built when the emulators are part of the deployment; nothing here reaches a real person.
 *
 * @example
 *   const world = new DemoWorld('http://127.0.0.1:4100')
 *   const [first] = await world.residents('shanghai', 4)
 *   const codes = await world.phoneMessages(first.phone)
 */
export class DemoWorld {
  readonly #baseUrl: string;

  constructor(emulatorsUrl: string) {
    this.#baseUrl = emulatorsUrl;
  }

  async residents(cityId: string, count: number): Promise<DemoResidentCard[]> {
    const notFound = () => hutongError('HUTONG_ERR_CITY_NOT_FOUND', `The emulated world has no demo residents in "${cityId}"`);
    const answer = await callEmulators<{ residents: DemoResidentCard[] }>(this.#baseUrl, 'GET', `/_demo/residents?city=${encodeURIComponent(cityId)}&count=${count}`, { notFound });
    return answer.residents;
  }

  /** What the handset received, newest first. */
  async phoneMessages(phone: string): Promise<DemoPhoneMessage[]> {
    const answer = await callEmulators<{ messages: DemoPhoneMessage[] }>(this.#baseUrl, 'GET', `/sms/v1/handsets/${encodeURIComponent(phone)}/messages`);
    return answer.messages.map(({ id, text, receivedAt }) => ({ id, text, receivedAt }));
  }
}
