// The admission webhook's HTTP side: AdmissionReview v1 in, AdmissionReview out, one path per
// kind (KubeFed's paths plus two of ours) and two mutating paths, served over HTTPS. Malformed input gets a
// clear error response and never takes the process down.
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import {
  CORE_GROUP,
  FEDERATED_TYPE_CONFIG_PLURAL,
  KUBEFED_CLUSTER_PLURAL,
  KUBEFED_CONFIG_PLURAL,
  REPLICA_SCHEDULING_PREFERENCE_PLURAL,
  SCHEDULING_GROUP,
} from '../api/constants.js';
import { silentLogger, type Logger } from '../util/log.js';
import { isRecord } from './field-errors.js';
import { kubeFedConfigDefaultsPatch } from './kubefedconfig-defaults.js';
import { syncFinalizerPatch, type JsonPatchAdd, type SyncedTypeLookup } from './sync-finalizer.js';
import {
  UNDECODABLE_CODE,
  validateFederatedObject,
  validateFederatedTypeConfig,
  validateKubeFedCluster,
  validateKubeFedConfig,
  validateReplicaSchedulingPreference,
  type AdmissionDecision,
  type AdmissionValidator,
} from './validate.js';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';
// v1beta1 has the same request and response shape; it is answered in kind for old registrations.
const ACCEPTED_API_VERSIONS = new Set([ADMISSION_API_VERSION, 'admission.k8s.io/v1beta1']);

/** The paths the webhook serves; register each with `clientConfig.url` / `service.path`. */
export const WEBHOOK_PATHS = {
  kubeFedCluster: '/validate-kubefedcluster',
  federatedTypeConfig: '/validate-federatedtypeconfig',
  kubeFedConfig: '/validate-kubefedconfig',
  replicaSchedulingPreference: '/validate-replicaschedulingpreference',
  federated: '/validate-federated',
  /** Mutating: adds the sync controller's finalizer to federated objects created while their type runs. */
  federatedFinalizer: '/mutate-federated',
  /** Mutating (KubeFed's path): fills a KubeFedConfig's unset fields and missing feature gates. */
  kubeFedConfigDefaults: '/default-kubefedconfig',
} as const;

/** KubeFed v0.10's path for FederatedTypeConfigs (plural), served as an alias of `WEBHOOK_PATHS.federatedTypeConfig`. */
export const KUBEFED_FEDERATED_TYPE_CONFIG_PATH = '/validate-federatedtypeconfigs';

/**
 * An AdmissionReview is at most about twice the largest object etcd stores (1.5 MiB: object and oldObject
 * on UPDATE) plus the request's metadata; 4 MiB leaves room for that and refuses anything larger with 413.
 */
export const DEFAULT_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

interface Route {
  path: string;
  validator: AdmissionValidator;
  /** A mutating route's patch for an allowed request (none: admit unchanged). */
  mutator?: (request: ReviewRequest) => JsonPatchAdd[] | undefined;
  /** The resource the path is meant for; requests for another are allowed (and logged), as KubeFed did. */
  resource?: { group: string; resource: string };
}

const ROUTES: readonly Route[] = [
  { path: WEBHOOK_PATHS.kubeFedCluster, validator: validateKubeFedCluster, resource: { group: CORE_GROUP, resource: KUBEFED_CLUSTER_PLURAL } },
  {
    path: WEBHOOK_PATHS.federatedTypeConfig,
    validator: validateFederatedTypeConfig,
    resource: { group: CORE_GROUP, resource: FEDERATED_TYPE_CONFIG_PLURAL },
  },
  { path: WEBHOOK_PATHS.kubeFedConfig, validator: validateKubeFedConfig, resource: { group: CORE_GROUP, resource: KUBEFED_CONFIG_PLURAL } },
  {
    path: WEBHOOK_PATHS.replicaSchedulingPreference,
    validator: validateReplicaSchedulingPreference,
    resource: { group: SCHEDULING_GROUP, resource: REPLICA_SCHEDULING_PREFERENCE_PLURAL },
  },
  // Federated types live in whatever group their FederatedTypeConfig names, so any resource is judged here.
  { path: WEBHOOK_PATHS.federated, validator: validateFederatedObject },
  // KubeFed's own path for FTCs, so a registration written for KubeFed's webhook keeps working.
  {
    path: KUBEFED_FEDERATED_TYPE_CONFIG_PATH,
    validator: validateFederatedTypeConfig,
    resource: { group: CORE_GROUP, resource: FEDERATED_TYPE_CONFIG_PLURAL },
  },
  // Mutating: judging is left to the validating path, which the API server calls after the defaults are in.
  {
    path: WEBHOOK_PATHS.kubeFedConfigDefaults,
    validator: () => ({ allowed: true }),
    mutator: kubeFedConfigDefaultsPatch,
    resource: { group: CORE_GROUP, resource: KUBEFED_CONFIG_PLURAL },
  },
];

/** What the mutating route needs to know to add the sync controller's finalizer; without it, it adds nothing. */
export interface SyncFinalizerOptions {
  lookup: SyncedTypeLookup;
  /** A namespace-scoped control plane reconciles only this namespace. */
  onlyNamespace?: string | undefined;
}

/** How a review ended: admitted unchanged, admitted with a patch, refused, or not a usable review. */
export type WebhookOutcome = 'allowed' | 'patched' | 'denied' | 'invalid';

/** Told about every answered review, e.g. for metrics. */
export interface WebhookObserver {
  onReview(path: string, outcome: WebhookOutcome, seconds: number): void;
}

export interface WebhookAppOptions {
  log?: Logger;
  syncFinalizer?: SyncFinalizerOptions;
  observer?: WebhookObserver;
  /** Largest accepted request body; larger ones get 413. Default `DEFAULT_BODY_LIMIT_BYTES`. */
  bodyLimitBytes?: number;
  /** Whether `/readyz` reports ready; default always. */
  isReady?: () => boolean;
}

interface ReviewStatus {
  code: number;
  reason: string;
  message: string;
}

const STATUS_REASONS: Readonly<Record<number, string>> = {
  200: '',
  400: 'BadRequest',
  403: 'Forbidden',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  500: 'InternalError',
};

function reasonFor(code: number): string {
  return STATUS_REASONS[code] ?? (code >= 500 ? 'InternalError' : 'Invalid');
}

function reviewBody(apiVersion: string, uid: string, allowed: boolean, status: ReviewStatus, patch?: JsonPatchAdd[]) {
  return {
    apiVersion,
    kind: 'AdmissionReview',
    response: {
      uid,
      allowed,
      status: { status: allowed ? 'Success' : 'Failure', code: status.code, reason: status.reason, message: status.message },
      ...(patch && { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') }),
    },
  };
}

/** Answers a request that is not a usable AdmissionReview: with this HTTP status and the same body shape. */
function sendReviewError(res: Response, httpStatus: number, message: string, apiVersion = ADMISSION_API_VERSION, uid = ''): void {
  res.status(httpStatus).json(reviewBody(apiVersion, uid, false, { code: httpStatus, reason: reasonFor(httpStatus), message }));
}

interface ReviewRequest {
  uid: string;
  operation: string;
  subResource?: string;
  object?: unknown;
  oldObject?: unknown;
  resource?: { group?: unknown; resource?: unknown };
  kind?: unknown;
  name?: unknown;
  namespace?: unknown;
}

/** The review's request, or why the body is not an AdmissionReview we can answer. */
function readReview(body: unknown): { apiVersion: string; request: ReviewRequest } | { problem: string } {
  if (!isRecord(body)) return { problem: 'the request body must be a JSON AdmissionReview object' };
  if (body.kind !== 'AdmissionReview') return { problem: `expected kind AdmissionReview, got ${JSON.stringify(body.kind ?? null)}` };
  if (typeof body.apiVersion !== 'string' || !ACCEPTED_API_VERSIONS.has(body.apiVersion)) {
    return { problem: `unsupported apiVersion ${JSON.stringify(body.apiVersion ?? null)}; expected ${ADMISSION_API_VERSION}` };
  }
  const request = body.request;
  if (!isRecord(request)) return { problem: 'the AdmissionReview has no request' };
  if (typeof request.uid !== 'string' || request.uid === '') return { problem: 'request.uid must be a non-empty string' };
  if (typeof request.operation !== 'string') return { problem: 'request.operation must be a string' };
  if (request.subResource !== undefined && request.subResource !== null && typeof request.subResource !== 'string') {
    return { problem: 'request.subResource must be a string' };
  }
  return {
    apiVersion: body.apiVersion,
    request: {
      uid: request.uid,
      operation: request.operation,
      ...(typeof request.subResource === 'string' && { subResource: request.subResource }),
      object: request.object,
      oldObject: request.oldObject,
      resource: isRecord(request.resource) ? request.resource : undefined,
      kind: request.kind,
      name: request.name,
      namespace: request.namespace,
    },
  };
}

function isForRoute(route: Route, request: ReviewRequest): boolean {
  if (!route.resource) return true;
  return request.resource?.group === route.resource.group && request.resource?.resource === route.resource.resource;
}

function handleReview(route: Route, log: Logger, observer: WebhookObserver | undefined) {
  return (req: Request, res: Response): void => {
    const started = process.hrtime.bigint();
    const observe = (outcome: WebhookOutcome): void => observer?.onReview(route.path, outcome, Number(process.hrtime.bigint() - started) / 1e9);
    const review = readReview(req.body);
    if ('problem' in review) {
      log.warn({ path: route.path, problem: review.problem }, 'undecodable admission review');
      sendReviewError(res, 400, review.problem);
      observe('invalid');
      return;
    }
    const { apiVersion, request } = review;
    const context = {
      path: route.path,
      uid: request.uid,
      operation: request.operation,
      resource: request.resource?.resource,
      subResource: request.subResource,
      namespace: request.namespace,
      name: request.name,
    };

    let decision: AdmissionDecision;
    if (!isForRoute(route, request)) {
      log.warn({ ...context, group: request.resource?.group }, 'admission request for another resource allowed; check the webhook registration');
      decision = { allowed: true };
    } else {
      try {
        decision = route.validator(request);
      } catch (error) {
        log.error({ ...context, err: error }, 'admission validation failed');
        decision = { allowed: false, code: 500, message: `internal error while validating: ${(error as Error).message}` };
      }
    }

    if (decision.allowed) {
      let patch: JsonPatchAdd[] | undefined;
      try {
        patch = route.mutator?.(request);
      } catch (error) {
        // A mutation is an optimisation here (the controller does the same later): admit unchanged.
        log.error({ ...context, err: error }, 'admission mutation failed; admitting unchanged');
      }
      log.debug({ ...context, ...(patch && { patch }) }, 'admission allowed');
      res.json(reviewBody(apiVersion, request.uid, true, { code: 200, reason: '', message: '' }, patch));
      observe(patch ? 'patched' : 'allowed');
      return;
    }
    log[decision.code === UNDECODABLE_CODE ? 'warn' : 'info']({ ...context, code: decision.code, reason: decision.message }, 'admission denied');
    res.json(reviewBody(apiVersion, request.uid, false, { code: decision.code, reason: reasonFor(decision.code), message: decision.message }));
    observe(decision.code === UNDECODABLE_CODE ? 'invalid' : 'denied');
  };
}

/** Body-parser failures (too large, not JSON, bad encoding) as AdmissionReview-shaped errors. */
function bodyErrorHandler(limit: number, log: Logger, observer: WebhookObserver | undefined) {
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const type = isRecord(error) ? error.type : undefined;
    const status = isRecord(error) && typeof error.status === 'number' ? error.status : 500;
    let message: string;
    if (type === 'entity.too.large') message = `the request body exceeds the limit of ${limit} bytes`;
    else if (type === 'entity.parse.failed') message = `the request body is not valid JSON: ${(error as Error).message}`;
    else if (status >= 400 && status < 500) message = `cannot read the request body: ${(error as Error).message}`;
    else message = 'internal error while reading the request';
    log.warn({ path: req.path, status, type, err: error }, 'admission request rejected');
    sendReviewError(res, status >= 400 && status < 600 ? status : 500, message);
    observer?.onReview(req.path, 'invalid', 0);
  };
}

/**
 * The webhook as an express app: `POST` AdmissionReview v1 on each of `WEBHOOK_PATHS`, `GET /readyz` and
 * `/healthz`. Other methods on the webhook paths get 405, other paths 404.
 */
export function createWebhookApp(options: WebhookAppOptions = {}): Express {
  const log = options.log ?? silentLogger;
  const limit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const isReady = options.isReady ?? (() => true);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // Any content type is read as JSON: the API server sends application/json, and a client that labels its
  // body differently should learn what is wrong with the body, not get a silent 400 for an empty one.
  const json = express.json({ limit, type: () => true, strict: false });

  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.get('/readyz', (_req, res) => {
    if (isReady()) res.type('text/plain').send('ok');
    else res.status(503).type('text/plain').send('shutting down');
  });

  const syncFinalizer = options.syncFinalizer;
  const mutating: Route = {
    path: WEBHOOK_PATHS.federatedFinalizer,
    validator: () => ({ allowed: true }),
    ...(syncFinalizer && { mutator: (request) => syncFinalizerPatch(request, syncFinalizer.lookup, syncFinalizer.onlyNamespace) }),
  };
  const routes = [...ROUTES, mutating];
  for (const route of routes) {
    app.post(route.path, json, handleReview(route, log, options.observer));
    app.all(route.path, (_req, res) => {
      res.status(405).set('Allow', 'POST').type('text/plain').send('only POST is supported on webhook paths\n');
    });
  }
  app.use((req, res) => {
    res.status(404).type('text/plain').send(`no webhook at ${req.path}; known: ${routes.map((route) => route.path).join(', ')}\n`);
  });
  app.use(bodyErrorHandler(limit, log, options.observer));
  return app;
}

export interface WebhookServerOptions {
  /** Port to listen on; 0 picks a free one (see the returned `port`). KubeFed's default was 8443. */
  port: number;
  /** Address to listen on; all interfaces when absent. */
  host?: string;
  /** PEM serving certificate (with its chain) and key; read once at start. */
  certPath: string;
  keyPath: string;
  log?: Logger;
  bodyLimitBytes?: number;
  syncFinalizer?: SyncFinalizerOptions;
  observer?: WebhookObserver;
}

export interface WebhookServer {
  port: number;
  /** Stops accepting connections, lets requests in flight finish (briefly), then closes the rest. */
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 2_000;

/** Serves `createWebhookApp` over HTTPS (TLS 1.2+). Resolves once listening; rejects if it cannot listen. */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const log = options.log ?? silentLogger;
  const [cert, key] = await Promise.all([readFile(options.certPath), readFile(options.keyPath)]);
  let closing = false;
  const app = createWebhookApp({
    log,
    isReady: () => !closing,
    ...(options.bodyLimitBytes !== undefined && { bodyLimitBytes: options.bodyLimitBytes }),
    ...(options.syncFinalizer && { syncFinalizer: options.syncFinalizer }),
    ...(options.observer && { observer: options.observer }),
  });
  const server = https.createServer({ cert, key, minVersion: 'TLSv1.2' }, app);
  // The API server waits at most 30 s for a webhook; nothing here should take longer than that.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.on('tlsClientError', (error) => log.debug({ err: error }, 'webhook TLS handshake failed'));

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (error) => log.error({ err: error }, 'webhook server error'));
  const port = (server.address() as AddressInfo).port;
  log.info({ port, host: options.host ?? '' }, 'webhook server listening');

  let closed: Promise<void> | undefined;
  return {
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          log.info({ port }, 'webhook server stopped');
          resolve();
        });
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}
