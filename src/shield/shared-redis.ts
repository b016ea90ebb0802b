import { Redis } from 'ioredis';

/** What the hub shares with its other processes: `shared` through Redis, `local` while Redis is down, `alone` without one. */
export type SharingState = 'shared' | 'local' | 'alone';

export interface SharedRedisOptions {
  /** Prefix of every key and channel, so that deployments sharing one Redis stay apart (default `hutong`). */
  readonly namespace?: string;
  /** How long one command may take before the caller goes on without Redis. */
  readonly commandTimeoutMs?: number;
  /** Told when the connection comes up or goes down. */
  readonly onChange?: (up: boolean) => void;
}

/**
 * The hub's link to Redis (`REDIS_URL`): one connection for commands and one for subscriptions.
 * Nothing waits for Redis: commands are not queued while it is down (they fail at once and the
 * caller falls back to this process's own cache and limits), and the connections keep retrying
 * in the background.
 *
 * @example
 *   const redis = new SharedRedis('redis://127.0.0.1:6379')
 *   redis.up // false until connected
 */
export class SharedRedis {
  readonly client: Redis;
  readonly subscriber: Redis;
  /** Keys are prefixed with it by the client itself; channels name it explicitly (see {@link channel}). */
  readonly namespace: string;
  #up = false;
  readonly #onChange?: (up: boolean) => void;
  readonly #handlers = new Map<string, (message: string) => void>();

  constructor(url: string, options: SharedRedisOptions = {}) {
    this.#onChange = options.onChange;
    this.namespace = options.namespace ?? 'hutong';
    const common = {
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 250,
      connectTimeout: 1000,
      // Back off up to 2 s between reconnection attempts, forever.
      retryStrategy: (times: number) => Math.min(100 * times, 2000),
    };
    this.client = new Redis(url, { ...common, connectionName: 'hutong', keyPrefix: `${this.namespace}:` });
    // Subscriptions wait for the connection (their offline queue is kept) and resubscribe after a reconnect.
    this.subscriber = new Redis(url, { ...common, enableOfflineQueue: true, commandTimeout: undefined, connectionName: 'hutong-subscriber' });
    this.client.on('ready', () => this.#set(true));
    this.client.on('close', () => this.#set(false));
    this.client.on('end', () => this.#set(false));
    // Errors are reported through `up`; an unhandled 'error' event would end the process.
    this.client.on('error', () => {});
    this.subscriber.on('error', () => {});
    this.subscriber.on('message', (channel: string, message: string) => this.#handlers.get(channel)?.(message));
  }

  /** Whether commands reach Redis now. */
  get up(): boolean {
    return this.#up && this.client.status === 'ready';
  }

  /** Resolves once connected, or after `ms` without (the hub starts either way). */
  async ready(ms = 1000): Promise<boolean> {
    if (this.up) return true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      this.client.once('ready', done);
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
    return this.up;
  }

  /** A channel's full name in this namespace. */
  channel(name: string): string {
    return `${this.namespace}:${name}`;
  }

  /** Calls `handler` with every message published on the channel (in this namespace) by any process. */
  async subscribe(name: string, handler: (message: string) => void): Promise<void> {
    this.#handlers.set(this.channel(name), handler);
    await this.subscriber.subscribe(this.channel(name)).catch(() => undefined);
  }

  /** Publishes on the channel (in this namespace). */
  async publish(name: string, message: string): Promise<void> {
    await this.client.publish(this.channel(name), message);
  }

  async close(): Promise<void> {
    this.#handlers.clear();
    this.client.disconnect();
    this.subscriber.disconnect();
    this.#set(false);
  }

  #set(up: boolean): void {
    if (up === this.#up) return;
    this.#up = up;
    this.#onChange?.(up);
  }
}
