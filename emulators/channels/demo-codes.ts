import type http from 'node:http';
import { readJsonBody, sendJson } from '../http-kit.ts';

/**
 * Reads a `/_demo/auth-codes` request, as the platform's app would issue a code for a person:
 * a JSON body with a `userId`. Answers 400 itself and returns undefined when the body is unusable.
 */
export async function readDemoCodeRequest<T extends Record<string, unknown>>(
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<(T & { userId: string }) | undefined> {
  let body: Record<string, unknown>;
  try {
    body = ((await readJsonBody(req)) ?? {}) as Record<string, unknown>;
  } catch {
    sendJson(res, 400, { code: 'MalformedBody', message: 'body must be JSON' });
    return undefined;
  }
  if (typeof body.userId !== 'string' || body.userId === '' || body.userId.length > 64) {
    sendJson(res, 400, { code: 'InvalidUser', message: 'userId must be a non-empty string of at most 64 characters' });
    return undefined;
  }
  return body as T & { userId: string };
}
