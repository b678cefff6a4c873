// The controller-manager's HTTP endpoints: /healthz (the process is alive), /readyz (a standby, or a
// leader whose controllers have started) and /metrics (Prometheus). Listen addresses use Go's form
// (`:8080`, `127.0.0.1:8080`), as KubeFed's flags did; one server serves both sets when they share one.
import type { Server } from 'node:http';
import express, { type Express } from 'express';
import type { Registry } from 'prom-client';

export interface Readiness {
  /** Why the process is not ready, or undefined when it is. */
  notReadyReason(): string | undefined;
}

export function createHealthRoutes(app: Express, readiness: Readiness): void {
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.get('/readyz', (_req, res) => {
    const reason = readiness.notReadyReason();
    if (reason) res.status(503).type('text/plain').send(reason);
    else res.type('text/plain').send('ok');
  });
}

export function createMetricsRoutes(app: Express, registry: Registry): void {
  app.get('/metrics', async (_req, res) => {
    try {
      res.type(registry.contentType).send(await registry.metrics());
    } catch (err) {
      res.status(500).type('text/plain').send((err as Error).message);
    }
  });
}

export interface ListeningServer {
  port: number;
  close(): Promise<void>;
}

/** Parses `:8080`, `0.0.0.0:8080`, `127.0.0.1:0`, `[::1]:9090`. */
export function parseListenAddress(address: string): { host: string | undefined; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address.trim());
  if (!match) throw new Error(`invalid listen address "${address}": expected [host]:port, e.g. :8080`);
  const host = match[1] ?? match[2];
  const port = Number(match[3]);
  if (port > 65535) throw new Error(`invalid listen address "${address}": port out of range`);
  return { host: host ? host : undefined, port };
}

export function listen(app: Express, address: string): Promise<ListeningServer> {
  const { host, port } = parseListenAddress(address);
  return new Promise((resolve, reject) => {
    const server: Server = app.listen(port, host ?? '0.0.0.0');
    server.once('error', reject);
    server.once('listening', () => {
      const bound = server.address();
      resolve({
        port: typeof bound === 'object' && bound ? bound.port : port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** One express app per distinct address, with health and metrics routes where asked. */
export async function startHttpServers(options: {
  healthAddr: string;
  metricsAddr: string;
  readiness: Readiness;
  registry: Registry;
}): Promise<{ health: ListeningServer; metrics: ListeningServer; close(): Promise<void> }> {
  if (options.healthAddr === options.metricsAddr) {
    const app = express();
    createHealthRoutes(app, options.readiness);
    createMetricsRoutes(app, options.registry);
    const server = await listen(app, options.healthAddr);
    return { health: server, metrics: server, close: () => server.close() };
  }
  const healthApp = express();
  createHealthRoutes(healthApp, options.readiness);
  const metricsApp = express();
  createMetricsRoutes(metricsApp, options.registry);
  const health = await listen(healthApp, options.healthAddr);
  const metrics = await listen(metricsApp, options.metricsAddr);
  return { health, metrics, close: async () => void (await Promise.all([health.close(), metrics.close()])) };
}
