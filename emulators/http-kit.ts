import type http from 'node:http';

/** Small helpers the emulators share for their plain-HTTP endpoints. */
export async function readJsonBody(req: http.IncomingMessage, limitBytes = 64 * 1024): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw new RangeError('body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : JSON.parse(text);
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A route handler; returns false when the request is not its own. */
export type EmulatorRoute = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<boolean> | boolean;
