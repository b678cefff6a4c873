// A TCP proxy that makes an API server slow without touching it: every chunk a client sends is passed on
// `delayMs` later (in order), so each request arrives that much late while answers and watch events flow back
// at once. It forwards bytes only, so TLS passes through untouched: the client still verifies the API server's
// own certificate (valid for 127.0.0.1, see certs.ts) and presents its own credentials to it. Point a
// KubeFedCluster's apiEndpoint at `https://127.0.0.1:<port>` to slow that member down.
import net from 'node:net';

export interface DelayProxyOptions {
  /** Where connections go. */
  target: { host: string; port: number };
  /** Delay of each chunk from client to server; changeable with `setDelay`. */
  delayMs: number;
}

export class DelayProxy {
  private delayMs: number;
  private readonly sockets = new Set<net.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Connections accepted so far, for tests of the proxy itself. */
  connections = 0;

  private constructor(
    private readonly server: net.Server,
    private readonly target: DelayProxyOptions['target'],
    delayMs: number,
  ) {
    this.delayMs = delayMs;
    server.on('connection', (client) => this.relay(client));
  }

  /** Listens on 127.0.0.1 (a free port); resolves once listening. */
  static async start(options: DelayProxyOptions): Promise<DelayProxy> {
    const server = net.createServer();
    const proxy = new DelayProxy(server, options.target, options.delayMs);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** `https://127.0.0.1:<port>`, for a KubeFedCluster's apiEndpoint. */
  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** Applies to chunks sent from now on; earlier ones keep their delay (order is kept either way). */
  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: net.Socket): void {
    this.connections++;
    const upstream = net.connect(this.target.port, this.target.host);
    this.sockets.add(client);
    this.sockets.add(upstream);
    /** When the previous chunk of this connection goes out: a later chunk never overtakes it. */
    let lastDue = 0;
    const later = (action: () => void): void => {
      const due = Math.max(Date.now() + this.delayMs, lastDue);
      lastDue = due;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!upstream.destroyed) action();
      }, due - Date.now());
      this.timers.add(timer);
    };
    client.on('data', (chunk: Buffer) => later(() => upstream.write(chunk)));
    // The client's end goes out after its last delayed chunk.
    client.on('end', () => later(() => upstream.end()));
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    upstream.on('end', () => client.end());
    // A refused or reset upstream resets the client too, as a dead server would, and the other way round.
    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', closeBoth);
    client.on('error', closeBoth);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    client.on('close', () => this.sockets.delete(client));
  }
}
