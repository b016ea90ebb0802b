import { channelUnavailable } from './platform-call.ts';

export interface IssuedToken {
  readonly token: string;
  readonly expiresInSeconds: number;
}

/**
 * An app-level access token (WeChat's `client_credential` token…) fetched once and shared until
 * shortly before it expires. Concurrent callers wait for the same fetch (single flight): platforms
 * cap how many tokens an app may fetch a day, and a new token retires the previous one.
 *
 * The fetch runs under its own AbortController, aborted only when every caller waiting for it has
 * given up, so one caller's deadline does not fail the others.
 *
 * @example
 *   const tokens = new AccessTokenCache('WeChat', (signal) => fetchClientCredential(signal))
 *   const token = await tokens.get(signal)
 */
export class AccessTokenCache {
  #cached?: { token: string; refreshAt: number };
  #flight?: { promise: Promise<string>; controller: AbortController; waiters: number };

  constructor(
    private readonly platform: string,
    private readonly fetchToken: (signal: AbortSignal) => Promise<IssuedToken>,
    private readonly now: () => number = Date.now,
    /** Refresh this long before the platform's expiry (capped at half the lifetime). */
    private readonly refreshMarginSeconds = 300,
  ) {}

  async get(signal: AbortSignal): Promise<string> {
    if (signal.aborted) throw channelUnavailable(`${this.platform} did not issue an access token in time`);
    const cached = this.#cached;
    if (cached && this.now() < cached.refreshAt) return cached.token;
    const flight = this.#flight ?? this.#startFlight();
    flight.waiters += 1;
    return new Promise<string>((resolve, reject) => {
      let settled = false;
      const leave = (): void => {
        settled = true;
        flight.waiters -= 1;
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        if (settled) return;
        leave();
        if (flight.waiters === 0) {
          if (this.#flight === flight) this.#flight = undefined;
          flight.controller.abort(signal.reason);
        }
        reject(channelUnavailable(`${this.platform} did not issue an access token in time`));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(
        (token) => {
          if (settled) return;
          leave();
          resolve(token);
        },
        (error: unknown) => {
          if (settled) return;
          leave();
          reject(error);
        },
      );
    });
  }

  /** Forgets `token` after the platform refused it (expired early, retired by another fetch). */
  invalidate(token: string): void {
    if (this.#cached?.token === token) this.#cached = undefined;
  }

  #startFlight(): { promise: Promise<string>; controller: AbortController; waiters: number } {
    const controller = new AbortController();
    const flight = {
      controller,
      waiters: 0,
      promise: this.fetchToken(controller.signal).then(({ token, expiresInSeconds }) => {
        const lifetime = Math.max(0, expiresInSeconds);
        const margin = Math.min(this.refreshMarginSeconds, lifetime / 2);
        this.#cached = { token, refreshAt: this.now() + (lifetime - margin) * 1000 };
        return token;
      }),
    };
    const clear = (): void => {
      if (this.#flight === flight) this.#flight = undefined;
    };
    flight.promise.then(clear, clear);
    this.#flight = flight;
    return flight;
  }
}
