// The only code that speaks HTTP to Kubernetes API servers. Credentials and TLS come from a client-node
// KubeConfig (so every auth method it knows works); requests go through one keep-alive agent per cluster,
// because client-node's generated clients build a new agent, hence a new TLS connection, per call.
// Objects travel as raw JSON so that no field a user wrote is dropped.
import http from 'node:http';
import https from 'node:https';
import { X509Certificate } from 'node:crypto';
import { checkServerIdentity, createSecureContext, type TLSSocket } from 'node:tls';
import type { KubeConfig } from '@kubernetes/client-node';
import { apiErrorFromResponse, apiErrorFromTransport, ApiError } from './errors.js';
import type { KubeObject, ResourceType } from './types.js';

export type Verb = 'GET' | 'LIST' | 'WATCH' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Hooks for metrics; the client never imports the metrics layer itself. */
export interface RequestObserver {
  onResponse(cluster: string, verb: Verb, code: number, seconds: number): void;
}

export interface RestClientOptions {
  /** Cluster name, used in errors and metrics. */
  name: string;
  /** Per-request timeout (not for watches). Default 30 s. */
  timeoutMs?: number;
  /** Concurrent connections to this API server. Default 64. */
  maxSockets?: number;
  userAgent?: string;
  observer?: RequestObserver;
  /** Extra TLS policy (KubeFedCluster.spec.disabledTLSValidations). */
  disabledTLSValidations?: string[];
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** What to call the request in metrics (LIST vs GET cannot be told from the path). */
  verb?: Verb;
  /** Resolve with the body as text instead of parsed JSON (e.g. /readyz answers `ok`). */
  raw?: boolean;
}

/** Per-call limits of the typed helpers: a timeout of its own, or cancellation. */
export type CallControl = Pick<RequestOptions, 'timeoutMs' | 'signal'>;

export interface WatchEvent<T = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface ListResult<T = KubeObject> {
  items: T[];
  metadata: { resourceVersion?: string; continue?: string };
}

export const APPLY_PATCH = 'application/apply-patch+yaml';
export const MERGE_PATCH = 'application/merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';

const AUTH_REFRESH_MS = 60_000;

export class RestClient {
  readonly name: string;
  readonly server: string;
  private readonly agent: https.Agent | http.Agent;
  /** Watches are long-lived and would pin pooled sockets; they get connections of their own. */
  private readonly watchAgent: https.Agent | http.Agent;
  private readonly timeoutMs: number;
  private readonly userAgent: string;
  private readonly observer: RequestObserver | undefined;
  private authHeaders: Record<string, string> = {};
  private authFetchedAt = 0;

  private constructor(
    private readonly kc: KubeConfig,
    server: string,
    makeAgent: (pooled: boolean) => https.Agent | http.Agent,
    options: RestClientOptions,
  ) {
    this.name = options.name;
    this.server = server.replace(/\/+$/, '');
    this.agent = makeAgent(true);
    this.watchAgent = makeAgent(false);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.userAgent = options.userAgent ?? 'kubefed-ts';
    this.observer = options.observer;
  }

  /** A client for the current context of `kc`. TLS verification stays on unless the config turns it off. */
  static async fromKubeConfig(kc: KubeConfig, options: RestClientOptions): Promise<RestClient> {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error(`kubeconfig for ${options.name} has no current cluster`);
    const tls: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(tls);
    const disabled = new Set(options.disabledTLSValidations ?? []);
    const agentOptions: https.AgentOptions = {
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      // One TLS context for every connection to the cluster: otherwise each new connection parses the CA,
      // certificate and key again (~1.7 ms of CPU each; a tenth of a short run's busy time went there).
      secureContext: cluster.server.startsWith('https:') ? createSecureContext({ ca: tls.ca, cert: tls.cert, key: tls.key }) : undefined,
      servername: tls.servername,
      rejectUnauthorized: tls.rejectUnauthorized !== false && !disabled.has('*'),
    };
    if (disabled.has('SubjectName')) agentOptions.checkServerIdentity = () => undefined;
    const maxSockets = options.maxSockets ?? 64;
    const makeAgent = (pooled: boolean): https.Agent | http.Agent => {
      const pooling = pooled ? { keepAlive: true, maxSockets } : { keepAlive: false, maxSockets: Infinity };
      // client-node knows how to build HTTP(S)/SOCKS proxy agents; keep the one it made.
      if (cluster.proxyUrl) return tls.agent as https.Agent;
      if (cluster.server.startsWith('http:')) return new http.Agent(pooling);
      if (disabled.has('ValidityPeriod') && !disabled.has('*')) return validityTolerantAgent({ ...agentOptions, ...pooling });
      return new https.Agent({ ...agentOptions, ...pooling });
    };
    const client = new RestClient(kc, cluster.server, makeAgent, options);
    client.authHeaders = headersOf(tls);
    client.authFetchedAt = Date.now();
    return client;
  }

  /** Closes idle connections; in-flight requests finish. */
  close(): void {
    this.agent.destroy();
    this.watchAgent.destroy();
  }

  private async headers(): Promise<Record<string, string>> {
    // Tokens from files or exec plugins rotate; ask client-node again now and then.
    if (Date.now() - this.authFetchedAt > AUTH_REFRESH_MS) {
      const opts: https.RequestOptions = {};
      await this.kc.applyToHTTPSOptions(opts);
      this.authHeaders = headersOf(opts);
      this.authFetchedAt = Date.now();
    }
    return this.authHeaders;
  }

  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, opts: RequestOptions = {}): Promise<T> {
    const verb: Verb = opts.verb ?? method;
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers: Record<string, string> = {
      ...(await this.headers()),
      Accept: 'application/json',
      'User-Agent': this.userAgent,
    };
    if (body !== undefined) {
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const what = `${method} ${path} on ${this.name}`;
    const started = process.hrtime.bigint();
    const lib = url.protocol === 'http:' ? http : https;
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (code: number, err: Error | undefined, value?: T): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        this.observer?.onResponse(this.name, verb, code, Number(process.hrtime.bigint() - started) / 1e9);
        if (err) reject(err);
        else resolve(value as T);
      };
      const req = lib.request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => finish(0, apiErrorFromTransport(e, what)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) {
            try {
              finish(code, undefined, (opts.raw ? text : text ? JSON.parse(text) : undefined) as T);
            } catch (e) {
              finish(code, apiErrorFromTransport(e, `${what}: unparsable response`));
            }
          } else {
            finish(code, apiErrorFromResponse(code, text, what));
          }
        });
      });
      const timer = setTimeout(() => {
        req.destroy(Object.assign(new Error(`timed out after ${timeoutMs} ms`), { code: 'Timeout' }));
      }, timeoutMs);
      const onAbort = (): void => {
        req.destroy(Object.assign(new Error('aborted'), { code: 'Aborted' }));
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (e) => finish(0, apiErrorFromTransport(e, what)));
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /**
   * Streams a watch until the server ends it (resolves), the signal aborts it (resolves), or it fails
   * (rejects; an ERROR event with code 410 rejects with an ApiError whose code is 410).
   * `idleTimeoutMs` is the watchdog: a stream silent for that long is treated as dead.
   */
  async watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    onEvent: (event: WatchEvent) => void,
    options: { signal?: AbortSignal; idleTimeoutMs?: number } = {},
  ): Promise<void> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries({ ...query, watch: true })) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers = { ...(await this.headers()), Accept: 'application/json', 'User-Agent': this.userAgent };
    const what = `WATCH ${path} on ${this.name}`;
    const lib = url.protocol === 'http:' ? http : https;
    const idleTimeoutMs = options.idleTimeoutMs ?? 0;
    const started = process.hrtime.bigint();
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let idleTimer: NodeJS.Timeout | undefined;
      const finish = (code: number, err?: Error): void => {
        if (settled) return;
        settled = true;
        if (idleTimer) clearTimeout(idleTimer);
        options.signal?.removeEventListener('abort', onAbort);
        this.observer?.onResponse(this.name, 'WATCH', code, Number(process.hrtime.bigint() - started) / 1e9);
        req.destroy();
        if (err) reject(err);
        else resolve();
      };
      const armIdle = (): void => {
        if (!idleTimeoutMs) return;
        if (idleTimer) clearTimeout(idleTimer);
        idleTimer = setTimeout(
          () => finish(0, new ApiError(`${what}: no event for ${idleTimeoutMs} ms`, 0, 'WatchStalled')),
          idleTimeoutMs,
        );
      };
      const onAbort = (): void => finish(200);
      if (options.signal?.aborted) {
        resolve();
        return;
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      // Watches are long-lived and would pin a pooled socket; they get connections of their own.
      const req = lib.request(url, { method: 'GET', headers, agent: this.watchAgent }, (res) => {
        const code = res.statusCode ?? 0;
        if (code < 200 || code >= 300) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => finish(code, apiErrorFromResponse(code, Buffer.concat(chunks).toString('utf8'), what)));
          res.on('error', (e) => finish(0, apiErrorFromTransport(e, what)));
          return;
        }
        armIdle();
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          armIdle();
          buffered += chunk;
          let newline: number;
          while ((newline = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, newline).trim();
            buffered = buffered.slice(newline + 1);
            if (!line) continue;
            let event: WatchEvent;
            try {
              event = JSON.parse(line) as WatchEvent;
            } catch (e) {
              finish(code, apiErrorFromTransport(e, `${what}: unparsable event`));
              return;
            }
            if (event.type === 'ERROR') {
              const status = event.object as unknown as { code?: number; reason?: string; message?: string };
              finish(code, new ApiError(`${what}: ${status.message ?? 'watch error'}`, status.code ?? 500, status.reason ?? 'WatchError'));
              return;
            }
            try {
              onEvent(event);
            } catch (e) {
              finish(code, e as Error);
              return;
            }
          }
        });
        res.on('end', () => finish(code));
        res.on('error', (e) => finish(0, apiErrorFromTransport(e, what)));
        res.on('close', () => finish(code));
      });
      req.on('error', (e) => finish(0, apiErrorFromTransport(e, what)));
      req.end();
    });
  }

  // Typed helpers over resource paths.

  get<T = KubeObject>(type: ResourceType, name: string, namespace?: string, control: CallControl = {}): Promise<T> {
    return this.request<T>('GET', resourcePath(type, { namespace, name }), { ...control });
  }

  list<T = KubeObject>(
    type: ResourceType,
    query: { namespace?: string; labelSelector?: string; fieldSelector?: string; limit?: number; continue?: string; resourceVersion?: string } = {},
  ): Promise<ListResult<T>> {
    const { namespace, ...rest } = query;
    return this.request<ListResult<T>>('GET', resourcePath(type, { namespace }), { query: rest, verb: 'LIST' });
  }

  /** POST. `fieldValidation: 'Strict'` refuses unknown fields as server-side apply does, instead of dropping them. */
  create<T = KubeObject>(
    type: ResourceType,
    body: KubeObject,
    fieldManager: string,
    opts: { fieldValidation?: 'Strict' } & CallControl = {},
  ): Promise<T> {
    const namespace = type.namespaced ? body.metadata?.namespace : undefined;
    const { fieldValidation, ...control } = opts;
    return this.request<T>('POST', resourcePath(type, { namespace }), { ...control, body, query: { fieldManager, fieldValidation } });
  }

  /** Server-side apply: we own exactly the fields we send; others' fields (and defaults) stay. */
  apply<T = KubeObject>(type: ResourceType, body: KubeObject, fieldManager: string, opts: { subresource?: string } & CallControl = {}): Promise<T> {
    const namespace = type.namespaced ? body.metadata?.namespace : undefined;
    const { subresource, ...control } = opts;
    const path = resourcePath(type, { namespace, name: body.metadata?.name, subresource });
    return this.request<T>('PATCH', path, { ...control, body, contentType: APPLY_PATCH, query: { fieldManager, force: true } });
  }

  mergePatch<T = KubeObject>(
    type: ResourceType,
    name: string,
    namespace: string | undefined,
    patch: unknown,
    opts: { subresource?: string; fieldManager?: string } & CallControl = {},
  ): Promise<T> {
    const { subresource, fieldManager, ...control } = opts;
    const path = resourcePath(type, { namespace, name, subresource });
    return this.request<T>('PATCH', path, { ...control, body: patch, contentType: MERGE_PATCH, query: { fieldManager } });
  }

  jsonPatch<T = KubeObject>(
    type: ResourceType,
    name: string,
    namespace: string | undefined,
    ops: unknown[],
    opts: { subresource?: string; fieldManager?: string } = {},
  ): Promise<T> {
    const fieldManager = opts.fieldManager;
    return this.request<T>('PATCH', resourcePath(type, { namespace, name, subresource: opts.subresource }), {
      body: ops,
      contentType: JSON_PATCH,
      query: { fieldManager },
    });
  }

  replace<T = KubeObject>(type: ResourceType, body: KubeObject, opts: { subresource?: string; fieldManager?: string } = {}): Promise<T> {
    const namespace = type.namespaced ? body.metadata?.namespace : undefined;
    const path = resourcePath(type, { namespace, name: body.metadata?.name, subresource: opts.subresource });
    return this.request<T>('PUT', path, { body, query: { fieldManager: opts.fieldManager } });
  }

  delete(type: ResourceType, name: string, namespace: string | undefined, options?: Record<string, unknown>, control: CallControl = {}): Promise<unknown> {
    return this.request('DELETE', resourcePath(type, { namespace, name }), {
      ...control,
      body: options ? { kind: 'DeleteOptions', apiVersion: 'v1', ...options } : undefined,
    });
  }
}

/** `/api/v1/...` for the core group, `/apis/<group>/<version>/...` otherwise. */
export function resourcePath(
  type: ResourceType,
  at: { namespace?: string | undefined; name?: string | undefined; subresource?: string | undefined } = {},
): string {
  let p = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  if (type.namespaced && at.namespace) p += `/namespaces/${encodeURIComponent(at.namespace)}`;
  p += `/${type.plural}`;
  if (at.name !== undefined) p += `/${encodeURIComponent(at.name)}`;
  if (at.subresource) p += `/${at.subresource}`;
  return p;
}

function headersOf(opts: https.RequestOptions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
  }
  if (opts.auth) out.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  return out;
}

/**
 * For `disabledTLSValidations: [ValidityPeriod]`: the chain and host name are still verified against the
 * CA, only an expired or not-yet-valid certificate is accepted (Node cannot skip just that check).
 */
function validityTolerantAgent(options: https.AgentOptions): https.Agent {
  const agent = new https.Agent({ ...options, rejectUnauthorized: false });
  const connect = agent.createConnection.bind(agent) as (opts: https.RequestOptions, cb?: unknown) => TLSSocket;
  (agent as unknown as { createConnection: typeof connect }).createConnection = (opts, cb) => {
    const socket = connect(opts, cb);
    socket.once('secureConnect', () => {
      if (socket.authorized) return;
      const problem = validityOnlyProblem(socket, { ...opts, ca: options.ca });
      if (problem) socket.destroy(Object.assign(new Error(`TLS verification failed: ${problem}`), { code: 'CERT_REJECTED' }));
    });
    return socket;
  };
  return agent;
}

/** Why a connection that failed verification must still be refused, or undefined when only validity failed. */
function validityOnlyProblem(socket: TLSSocket, options: https.RequestOptions): string | undefined {
  const err = socket.authorizationError as unknown as string | { code?: string } | null;
  const code = typeof err === 'string' ? err : err?.code;
  if (code !== 'CERT_HAS_EXPIRED' && code !== 'CERT_NOT_YET_VALID') return code ?? 'unverified';
  const peer = socket.getPeerX509Certificate();
  if (!peer) return 'no peer certificate';
  const cas = splitPem(options.ca).map((pem) => new X509Certificate(pem));
  // The leaf, or an intermediate it presents, must be signed by one of our CAs.
  let signedByCa = false;
  for (let cert: X509Certificate | undefined = peer, hops = 0; cert && hops < 5 && !signedByCa; hops++) {
    signedByCa = cas.some((ca) => cert!.checkIssued(ca) && cert!.verify(ca.publicKey));
    const chained = socket.getPeerCertificate(true);
    cert = hops === 0 && chained.issuerCertificate && chained.issuerCertificate !== chained
      ? new X509Certificate(chained.issuerCertificate.raw)
      : undefined;
  }
  if (!signedByCa) return 'certificate not signed by the cluster CA';
  const host = (options.servername as string | undefined) ?? options.hostname ?? options.host ?? '';
  const identity = checkServerIdentity(String(host), socket.getPeerCertificate());
  return identity ? identity.message : undefined;
}

function splitPem(ca: unknown): string[] {
  const all = (Array.isArray(ca) ? ca : [ca]).filter(Boolean).map((c) => String(c)).join('\n');
  return all.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}
