import { hutongError } from '../errors.ts';

/**
 * One call to the emulators (demo mode): JSON in and out, five seconds at most. An unreachable
 * emulator or an error answer is `HUTONG_ERR_EMULATORS_UNAVAILABLE`; a 400 is the caller's mistake
 * (`HUTONG_ERR_VALIDATION`) and a 404 one of `notFound`'s, when given.
 *
 * @example
 *   const faults = await callEmulators<Record<string, unknown>>('http://127.0.0.1:4100', 'GET', '/_admin/faults')
 */
export async function callEmulators<T>(
  baseUrl: string,
  method: string,
  path: string,
  options: { json?: unknown; notFound?: (message: string) => Error } = {},
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl.replace(/\/+$/, '')}${path}`, {
      method,
      ...(options.json === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(options.json) }),
      signal: AbortSignal.timeout(5_000),
    });
  } catch (error) {
    throw hutongError('HUTONG_ERR_EMULATORS_UNAVAILABLE', `The emulators at ${baseUrl} could not be reached`, { cause: error });
  }
  const body = (await response.json().catch(() => undefined)) as ({ code?: string; message?: string } & T) | undefined;
  if (response.status === 400) throw hutongError('HUTONG_ERR_VALIDATION', `The emulators refused the request: ${body?.message ?? 'invalid'}`);
  if (response.status === 404 && options.notFound) throw options.notFound(body?.message ?? 'not found');
  if (!response.ok || body === undefined) {
    throw hutongError('HUTONG_ERR_EMULATORS_UNAVAILABLE', `The emulators answered ${response.status} to ${method} ${path}${body?.message ? `: ${body.message}` : ''}`);
  }
  return body;
}
