import net from 'node:net';

/** The Redis the scale-out tests share: `REDIS_URL`, else the machine's own on 127.0.0.1:6379. */
export const TEST_REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** Why the Redis tests cannot run here (nothing answers PING), or undefined when they can. */
export async function redisMissing(url = TEST_REDIS_URL): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    const done = (reason: string | undefined) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(1000, () => done(`no Redis answers at ${url}`));
    socket.once('error', () => done(`no Redis answers at ${url}`));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(String(data).startsWith('+PONG') ? undefined : `${url} did not answer PING`));
  });
}
