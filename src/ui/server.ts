// The status page's HTTP wiring (--ui-addr): GET / renders the page from a fresh snapshot of the caches;
// nothing here accepts a write. A replica without caches (a standby) answers 503 with a page saying so.
import { performance } from 'node:perf_hooks';
import express, { type Express, type Response } from 'express';
import { listen, type ListeningServer } from '../server/http.js';
import type { Logger } from '../util/log.js';
import { FILTER_SCRIPT, STYLESHEET } from './assets.js';
import type { FederationView } from './federation-view.js';
import { buildPageModel, parsePageQuery } from './page-model.js';
import { renderPage, renderUnavailable } from './render.js';

export interface StatusPageOptions {
  /** The caches to show, or why this replica has none (e.g. it is a standby). */
  source: () => FederationView | { unavailable: string };
  kubefedNamespace: string;
  log: Logger;
  /** Rows of the matrix per page (default 200). */
  pageSize?: number;
}

// Everything the page needs comes from this origin; no inline script or style may run, whatever a
// name or message contains.
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

function secure(res: Response): Response {
  return res.set(SECURITY_HEADERS);
}

export function createStatusPageApp(options: StatusPageOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.get('/', (req, res) => {
    const source = options.source();
    if ('unavailable' in source) {
      // A new connection may reach another replica (the leader) behind a Service.
      secure(res).status(503).set({ 'Retry-After': '5', Connection: 'close' }).type('html').send(renderUnavailable(source.unavailable, options.kubefedNamespace));
      return;
    }
    try {
      const started = performance.now();
      const snapshot = source.snapshot();
      const read = performance.now();
      const model = buildPageModel(snapshot, parsePageQuery(req.query as Record<string, unknown>), {
        kubefedNamespace: options.kubefedNamespace,
        now: new Date(),
        ...(options.pageSize ? { pageSize: options.pageSize } : {}),
      });
      const built = performance.now();
      const body = renderPage(model);
      const rendered = performance.now();
      secure(res)
        .set('Server-Timing', `snapshot;dur=${(read - started).toFixed(1)}, model;dur=${(built - read).toFixed(1)}, render;dur=${(rendered - built).toFixed(1)}, total;dur=${(rendered - started).toFixed(1)}`)
        .type('html')
        .send(body);
    } catch (err) {
      options.log.error({ err: (err as Error).message }, 'status page failed');
      secure(res).status(500).type('text/plain').send('the status page failed; see the controller-manager log');
    }
  });
  app.get('/static/status.css', (_req, res) => {
    secure(res).type('text/css').send(STYLESHEET);
  });
  app.get('/static/filter.js', (_req, res) => {
    secure(res).type('application/javascript').send(FILTER_SCRIPT);
  });
  // Read-only: any other method on any path is refused; unknown paths are 404.
  app.use((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') secure(res).status(405).set('Allow', 'GET, HEAD').type('text/plain').send('read-only');
    else secure(res).status(404).type('text/plain').send('not found');
  });
  return app;
}

/**
 * What this replica can show: only a leader whose controllers have started has caches. A standby could
 * fill its own, but that would double every watch on the host for a page; it says where to look instead.
 */
export function replicaSource(state: { stopping: boolean; standby: boolean; view: FederationView | undefined }): FederationView | { unavailable: string } {
  if (state.stopping) return { unavailable: 'This replica is shutting down.' };
  if (state.standby) return { unavailable: 'This replica is a standby: it runs no controllers and holds no caches.' };
  return state.view ?? { unavailable: 'The controllers are starting; reload in a few seconds.' };
}

/** Serves the status page at a listen address in Go's form (`:8081`, `127.0.0.1:0`). */
export function startStatusPage(address: string, options: StatusPageOptions): Promise<ListeningServer> {
  return listen(createStatusPageApp(options), address);
}
