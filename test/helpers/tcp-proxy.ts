import net, { type AddressInfo } from 'node:net';

/**
 * A loopback TCP proxy in front of a server (PostgreSQL, Redis), which a test can cut — every
 * connection dropped and new ones refused, as when the server goes down — and restore on the same port.
 */
export interface TcpProxy {
  readonly port: number;
  /** Drops every connection and refuses new ones. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const handle = (client: net.Socket) => {
    const upstream = net.connect(target);
    sockets.add(client);
    sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream).pipe(client);
  };
  let server = net.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const closeServer = () => new Promise<void>((resolve) => server.close(() => resolve()));
  let open = true;
  return {
    port,
    async cut() {
      if (!open) return;
      open = false;
      const closed = closeServer();
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      await closed;
    },
    async restore() {
      if (open) return;
      server = net.createServer(handle);
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
      open = true;
    },
    async close() {
      if (open) {
        open = false;
        const closed = closeServer();
        for (const socket of sockets) socket.destroy();
        await closed;
      }
    },
  };
}
