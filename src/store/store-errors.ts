/** Node and PostgreSQL codes that mean the store cannot be reached (not that a statement was wrong). */
const STORE_DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004', '53300']);

/** node-postgres's own words when a connection is lost or none can be had in time. */
const STORE_DOWN_MESSAGES = [/Connection terminated/i, /timeout exceeded when trying to connect/i, /Client has encountered a connection error/i, /connect ECONNREFUSED/i];

/**
 * Whether an error means the store (PostgreSQL) cannot be reached now, as opposed to a query
 * that failed on its own.
 *
 * @example
 *   isStoreUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })) // true
 */
export function isStoreUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && STORE_DOWN_CODES.has(code)) return true;
  if (STORE_DOWN_MESSAGES.some((m) => m.test(error.message))) return true;
  return error.cause !== undefined && error.cause !== error && isStoreUnavailable(error.cause);
}
