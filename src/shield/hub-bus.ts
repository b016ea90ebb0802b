import { randomUUID } from 'node:crypto';
import type { SharedRedis } from './shared-redis.ts';

const CHANNEL = 'bus';

/**
 * Tells every hub process that something changed (a session ended, a consent was withdrawn, an
 * identifier unlinked) so that each forgets what it kept in memory about it. Handlers in this
 * process run at once; other processes hear it through Redis. Without Redis there are no other
 * processes to tell — and while Redis is down, memory kept elsewhere ages out by its own TTL.
 *
 * @example
 *   bus.on('sessions', (citizenId) => sessions.forgetCitizen(citizenId))
 *   await bus.publish('sessions', citizenId)
 */
export class HubBus {
  readonly #process = randomUUID();
  readonly #handlers = new Map<string, Array<(message: string) => void>>();
  readonly #redis?: SharedRedis;

  constructor(redis?: SharedRedis) {
    this.#redis = redis;
  }

  async start(): Promise<void> {
    await this.#redis?.subscribe(CHANNEL, (raw) => {
      const { from, topic, message } = JSON.parse(raw) as { from: string; topic: string; message: string };
      if (from !== this.#process) this.#deliver(topic, message);
    });
  }

  on(topic: string, handler: (message: string) => void): void {
    this.#handlers.set(topic, [...(this.#handlers.get(topic) ?? []), handler]);
  }

  /** Runs this process's handlers, then tells the others; resolves once Redis has taken the message. */
  async publish(topic: string, message: string): Promise<void> {
    this.#deliver(topic, message);
    if (!this.#redis?.up) return;
    await this.#redis.publish(CHANNEL, JSON.stringify({ from: this.#process, topic, message })).catch(() => undefined);
  }

  #deliver(topic: string, message: string): void {
    for (const handler of this.#handlers.get(topic) ?? []) handler(message);
  }
}
