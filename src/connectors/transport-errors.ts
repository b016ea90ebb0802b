import { hutongError, type HutongError } from '../errors.ts';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

/** Turns a failed call to a department into the error code a citizen sees: timeout, unreachable or fault. */
export function classifyTransportError(error: unknown, where: string, signal: AbortSignal): HutongError {
  const code = (error as { code?: string })?.code;
  const name = (error as { name?: string })?.name;
  if (signal.aborted || name === 'AbortError' || name === 'CanceledError' || code === 'ERR_CANCELED') {
    return hutongError('HUTONG_ERR_DEPARTMENT_TIMEOUT', `${where} did not answer in time`, { cause: error });
  }
  if (code !== undefined && UNREACHABLE.has(code)) {
    return hutongError('HUTONG_ERR_DEPARTMENT_UNREACHABLE', `${where} could not be reached (${code})`, { cause: error });
  }
  const status = (error as { response?: { status?: number } })?.response?.status;
  const detail = status ? `HTTP ${status}` : (error as Error)?.message ?? String(error);
  return hutongError('HUTONG_ERR_DEPARTMENT_FAULT', `${where} failed: ${detail}`, { cause: error });
}
