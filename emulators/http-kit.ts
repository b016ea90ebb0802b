import type http from 'node:http';

/** Reads the whole body, refusing more than `limitBytes`. Small helpers the emulators share follow. */
export async function readRawBody(req: http.IncomingMessage, limitBytes = 64 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw new RangeError('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function readJsonBody(req: http.IncomingMessage, limitBytes = 64 * 1024): Promise<unknown> {
  const text = (await readRawBody(req, limitBytes)).toString('utf8');
  return text === '' ? undefined : JSON.parse(text);
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A route handler; returns false when the request is not its own. */
export type EmulatorRoute = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<boolean> | boolean;

/** Whether a text is an absolute http(s) URL (a notify URL a wallet may call). */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
