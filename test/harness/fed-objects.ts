// Small readers and writers of federated objects, events and API-server metrics for integration tests.
import https from 'node:https';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { customObjects, getOrUndefined } from './federation.js';

export const TYPES = { group: 'types.kubefed.io', version: 'v1beta1' } as const;

export type Obj = Record<string, any>;

export async function createFed(kc: KubeConfig, plural: string, body: Obj): Promise<void> {
  const api = customObjects(kc);
  const namespace = body.metadata?.namespace as string | undefined;
  if (namespace) await api.createNamespacedCustomObject({ ...TYPES, plural, namespace, body });
  else await api.createClusterCustomObject({ ...TYPES, plural, body });
}

/** Creates namespace `ns` in the host and a FederatedNamespace placing it on `clusters`. */
export async function federateNamespace(kc: KubeConfig, ns: string, clusters: readonly string[] = ['member1', 'member2']): Promise<void> {
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  await createFed(kc, 'federatednamespaces', {
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedNamespace',
    metadata: { name: ns, namespace: ns },
    spec: { placement: { clusters: clusters.map((name) => ({ name })) } },
  });
}

export async function getFed(kc: KubeConfig, plural: string, name: string, namespace?: string): Promise<Obj | undefined> {
  const api = customObjects(kc);
  return getOrUndefined(
    namespace ? api.getNamespacedCustomObject({ ...TYPES, plural, namespace, name }) : api.getClusterCustomObject({ ...TYPES, plural, name }),
  ) as Promise<Obj | undefined>;
}

/** JSON patch of a fed object. */
export async function patchFed(kc: KubeConfig, plural: string, name: string, namespace: string | undefined, patch: unknown[]): Promise<void> {
  const api = customObjects(kc);
  if (namespace) await api.patchNamespacedCustomObject({ ...TYPES, plural, namespace, name, body: patch });
  else await api.patchClusterCustomObject({ ...TYPES, plural, name, body: patch });
}

export async function deleteFed(kc: KubeConfig, plural: string, name: string, namespace?: string): Promise<void> {
  const api = customObjects(kc);
  await getOrUndefined(
    namespace ? api.deleteNamespacedCustomObject({ ...TYPES, plural, namespace, name }) : api.deleteClusterCustomObject({ ...TYPES, plural, name }),
  );
}

/** The Propagation condition's status and reason, and `name[:status]` per cluster, sorted. */
export async function propagationOf(kc: KubeConfig, plural: string, name: string, namespace?: string): Promise<{ status?: string; reason?: string; clusters: string[] }> {
  const fed = await getFed(kc, plural, name, namespace);
  const condition = fed?.status?.conditions?.find((c: Obj) => c.type === 'Propagation');
  const clusters = (fed?.status?.clusters ?? []).map((c: Obj) => (c.status ? `${c.name}:${c.status}` : c.name)).sort();
  return { status: condition?.status, ...(condition?.reason ? { reason: condition.reason } : {}), clusters };
}

/** Events whose involved object has this name, as `reason: message`. */
export async function eventsFor(kc: KubeConfig, namespace: string, name: string): Promise<string[]> {
  const list = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace });
  return list.items.filter((e) => e.involvedObject.name === name).map((e) => `${e.reason}: ${e.message}`);
}

/**
 * Write requests (not GET/LIST/WATCH) the API server has served for these resources, from its own
 * `apiserver_request_total` metric, keyed `resource[/subresource] VERB`.
 */
export async function writeRequests(kc: KubeConfig, resources: readonly string[]): Promise<Record<string, number>> {
  const text = await rawGet(kc, '/metrics');
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (['GET', 'LIST', 'WATCH', 'WATCHLIST', 'CONNECT'].includes(labels.verb ?? '')) continue;
    if (!resources.includes(labels.resource ?? '')) continue;
    const key = `${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''} ${labels.verb}`;
    counts[key] = (counts[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return counts;
}

/**
 * Waits until the API server has served no write for these resources during `quietMs`, and returns that
 * count. Other files leave fed objects behind on the shared host; a controller-manager that starts settles
 * them too, and a write count taken before that is done would charge their writes to the step measured.
 */
export async function writesSettled(kc: KubeConfig, resources: readonly string[], quietMs = 1500, timeoutMs = 60_000): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  let last = await writeRequests(kc, resources);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    const now = await writeRequests(kc, resources);
    if (Object.keys(writesBetween(last, now)).length === 0) return now;
    if (Date.now() > deadline) throw new Error(`writes to ${resources.join(', ')} did not stop within ${timeoutMs} ms: ${JSON.stringify(writesBetween(last, now))}`);
    last = now;
  }
}

/** What grew between two `writeRequests` snapshots (empty when nothing was written). */
export function writesBetween(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const grown: Record<string, number> = {};
  for (const [key, n] of Object.entries(after)) if (n > (before[key] ?? 0)) grown[key] = n - (before[key] ?? 0);
  return grown;
}

/** The API server's own /metrics text (Prometheus format). */
export function apiServerMetrics(kc: KubeConfig): Promise<string> {
  return rawGet(kc, '/metrics');
}

async function rawGet(kc: KubeConfig, path: string): Promise<string> {
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const url = new URL(kc.getCurrentCluster()!.server + path);
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: opts.ca, cert: opts.cert, key: opts.key, headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${path}: ${res.statusCode} ${body.slice(0, 200)}`))));
    });
    req.on('error', reject);
  });
}
