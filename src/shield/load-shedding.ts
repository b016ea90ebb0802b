import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import { hutongError } from '../errors.ts';

/** Probes and scrapes are answered even under pressure: they are how operators see it. */
const NEVER_SHED = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Load shedding (`@fastify/under-pressure`): while this process's event loop lags more than
 * `maxEventLoopDelayMs`, new requests get 503 `HUTONG_ERR_OVERLOADED` with `Retry-After` at
 * once, instead of queueing until every request is late.
 *
 * @example
 *   await installLoadShedding(app, { maxEventLoopDelayMs: 1000 })
 */
export async function installLoadShedding(app: FastifyInstance, options: { maxEventLoopDelayMs: number; retryAfterSeconds?: number; sampleIntervalMs?: number; onShed?: () => void }): Promise<void> {
  const retryAfter = options.retryAfterSeconds ?? 2;
  await app.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    sampleInterval: options.sampleIntervalMs ?? 1000,
    retryAfter,
    pressureHandler: async (request, reply, type, value) => {
      if (NEVER_SHED.has(request.url.split('?')[0]!)) return;
      options.onShed?.();
      reply.header('retry-after', String(retryAfter));
      throw hutongError('HUTONG_ERR_OVERLOADED', `This hub process is overloaded (${type} ${Math.round(Number(value))}); retry in ${retryAfter} s`, { details: { retryAfterSeconds: retryAfter } });
    },
  });
}
