// Pure: turns one snapshot of the controller's caches and the page's query into everything the status
// page shows. One pass over the federated objects counts them by type, status and cluster; only the rows of
// the requested page of the matrix are built, so the cost stays small with thousands of objects.
import type { ClusterSnapshot, FedObjectSnapshot, FederationSnapshot, RspSnapshot, Time, TypeSnapshot } from './federation-view.js';

/** Rows of the object × cluster matrix per page. */
export const DEFAULT_PAGE_SIZE = 200;

/** The object-level status of a federated object whose Propagation condition is True. */
export const PROPAGATED = 'Propagated';
/** No Propagation condition yet: the sync controller has not reported on it. */
export const PENDING = 'Pending';
/** Status filter value matching every object that is not Propagated. */
export const NOT_PROPAGATED = 'NotPropagated';
/** A cluster's status in `status.clusters` when the object is in the desired state there. */
export const CLUSTER_OK = 'OK';

/** Colour of a status: green, blue (waiting), amber (cluster not ready), red (failed), grey (not placed). */
export type Tone = 'ok' | 'pending' | 'notready' | 'failed' | 'none';

export interface PageQuery {
  namespace: string;
  type: string;
  status: string;
  page: number;
}

export interface PageContext {
  /** Where KubeFedClusters live, for the kubectl hints. */
  kubefedNamespace: string;
  now: Date;
  pageSize?: number;
}

export interface ClusterRow {
  name: string;
  ready: boolean;
  readiness: string;
  tone: Tone;
  reason: string;
  message: string;
  version: string;
  lastProbe: TimeText;
  /** When the Ready condition last changed status. */
  readyChanged: TimeText;
  labels: string[];
  /** Federated objects whose status lists this cluster. */
  placed: number;
  /** Of those, the ones not in the desired state there. */
  notOk: number;
}

export interface TimeText {
  /** e.g. `12s ago`; empty when unknown. */
  relative: string;
  /** RFC 3339; empty when unknown. */
  iso: string;
}

export interface StatusCount {
  status: string;
  tone: Tone;
  count: number;
}

export interface TypeRow {
  name: string;
  federatedKind: string;
  targetKind: string;
  running: boolean;
  total: number;
  counts: StatusCount[];
}

export interface MatrixCell {
  cluster: string;
  /** A PropagationStatus, `OK`, or empty when the object is not placed there. */
  status: string;
  tone: Tone;
}

export interface MatrixRow {
  namespace: string;
  name: string;
  type: string;
  federatedKind: string;
  status: string;
  tone: Tone;
  /** The Propagation condition's message when it is not True (names and values are user input). */
  message: string;
  cells: MatrixCell[];
}

export interface Matrix {
  clusters: string[];
  rows: MatrixRow[];
  /** Objects of every enabled type. */
  total: number;
  /** Objects the filters match. */
  matching: number;
  page: number;
  pages: number;
  /** 1-based index of the first row shown (0 when none). */
  first: number;
  last: number;
}

export interface FilterOptions {
  namespaces: string[];
  types: string[];
  statuses: string[];
}

export interface RspClusterRow {
  cluster: string;
  weight: number;
  /** Share of the weights, in percent, rounded. */
  weightShare: number;
  minReplicas: number;
  maxReplicas: number | undefined;
  /** Replicas in the RSP's status.schedule (what the scheduler last wrote). */
  scheduled: number | undefined;
  /** Replicas the fed object's placement and overrides give this cluster now. */
  inFedObject: number | undefined;
  overflow: number | undefined;
}

export interface RspRow {
  namespace: string;
  name: string;
  targetKind: string;
  totalReplicas: number;
  rebalance: boolean;
  scheduled: { status: string; tone: Tone; reason: string; message: string };
  /** Whether the fed object it schedules was found in a running controller's cache. */
  targetFound: boolean;
  clusters: RspClusterRow[];
}

export interface PageModel {
  generatedAt: string;
  kubefedNamespace: string;
  query: PageQuery;
  clusters: ClusterRow[];
  types: TypeRow[];
  filters: FilterOptions;
  matrix: Matrix;
  /** undefined when the scheduler (SchedulerPreferences) is off. */
  rsps: RspRow[] | undefined;
}

const MAX_QUERY_VALUE = 253;

/** Reads the page's query string; anything malformed falls back to "no filter" or page 1. */
export function parsePageQuery(query: Record<string, unknown>): PageQuery {
  const text = (key: string): string => {
    const value = query[key];
    const first = Array.isArray(value) ? value[0] : value;
    return typeof first === 'string' ? first.slice(0, MAX_QUERY_VALUE) : '';
  };
  const page = Number.parseInt(text('page'), 10);
  return { namespace: text('namespace'), type: text('type'), status: text('status'), page: Number.isFinite(page) && page > 0 ? page : 1 };
}

/** The tone of a cluster's propagation status (KubeFed's PropagationStatus strings). */
export function clusterStatusTone(status: string): Tone {
  if (status === CLUSTER_OK) return 'ok';
  if (status === '') return 'none';
  if (status === 'WaitingForRemoval') return 'pending';
  if (status === 'ClusterNotReady' || status === 'CachedRetrievalFailed' || status === 'ClientRetrievalFailed') return 'notready';
  return 'failed';
}

/** The tone of an object's status: Propagated, Pending, or the Propagation condition's reason. */
export function objectStatusTone(status: string): Tone {
  if (status === PROPAGATED) return 'ok';
  if (status === PENDING) return 'pending';
  return 'failed';
}

interface PropagationSummary {
  status: string;
  message: string;
}

/** The object-level status: Propagated, Pending (not reported yet) or the condition's reason. */
export function propagationOf(obj: FedObjectSnapshot): PropagationSummary {
  const condition = obj.status?.conditions?.find((c) => c?.type === 'Propagation');
  if (!condition) return { status: PENDING, message: '' };
  if (condition.status === 'True') return { status: PROPAGATED, message: '' };
  return { status: condition.reason || (condition.status === 'Unknown' ? PENDING : 'Failed'), message: condition.message ?? '' };
}

/** Formats a time relative to `now` (`5s ago`, `3m ago`, `2h ago`, `4d ago`). */
export function timeText(time: Time | undefined, now: Date): TimeText {
  if (time === undefined || time === '') return { relative: '', iso: '' };
  const at = time instanceof Date ? time : new Date(time);
  if (Number.isNaN(at.getTime())) return { relative: '', iso: '' };
  const seconds = Math.max(0, Math.round((now.getTime() - at.getTime()) / 1000));
  const relative =
    seconds < 60 ? `${seconds}s ago` : seconds < 3600 ? `${Math.floor(seconds / 60)}m ago` : seconds < 86400 ? `${Math.floor(seconds / 3600)}h ago` : `${Math.floor(seconds / 86400)}d ago`;
  return { relative, iso: at.toISOString().replace(/\.\d+Z$/, 'Z') };
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Propagated and OK first, Pending last, the failure reasons alphabetically between. */
function statusOrder(a: string, b: string): number {
  const rank = (s: string): number => (s === PROPAGATED ? 0 : s === CLUSTER_OK ? 1 : s === PENDING ? 3 : 2);
  return rank(a) - rank(b) || byName(a, b);
}

interface IndexedObject {
  type: TypeSnapshot;
  obj: FedObjectSnapshot;
  namespace: string;
  name: string;
  propagation: PropagationSummary;
}

function clusterRow(cluster: ClusterSnapshot, placed: { placed: number; notOk: number } | undefined, now: Date): ClusterRow {
  const condition = cluster.readyCondition;
  return {
    name: cluster.name,
    ready: cluster.ready,
    readiness: cluster.ready ? 'Ready' : condition ? 'NotReady' : 'Unknown',
    tone: cluster.ready ? 'ok' : 'notready',
    reason: condition?.reason ?? '',
    message: cluster.ready ? '' : (condition?.message ?? ''),
    version: cluster.kubernetesVersion ?? '',
    lastProbe: timeText(cluster.lastProbeAt, now),
    readyChanged: timeText(condition?.lastTransitionTime, now),
    labels: Object.entries(cluster.labels)
      .sort(([a], [b]) => byName(a, b))
      .map(([k, v]) => `${k}=${v}`),
    placed: placed?.placed ?? 0,
    notOk: placed?.notOk ?? 0,
  };
}

/** Whether an object passes the status filter: its own status, or any cluster's status, equals it. */
function matchesStatus(entry: IndexedObject, status: string): boolean {
  if (status === '') return true;
  if (status === NOT_PROPAGATED) return entry.propagation.status !== PROPAGATED;
  if (entry.propagation.status === status) return true;
  for (const c of entry.obj.status?.clusters ?? []) if ((c.status || CLUSTER_OK) === status) return true;
  return false;
}

function matrixRow(entry: IndexedObject, clusters: readonly string[]): MatrixRow {
  const byCluster = new Map<string, string>();
  for (const c of entry.obj.status?.clusters ?? []) byCluster.set(c.name, c.status || CLUSTER_OK);
  return {
    namespace: entry.namespace,
    name: entry.name,
    type: entry.type.name,
    federatedKind: entry.type.federatedKind,
    status: entry.propagation.status,
    tone: objectStatusTone(entry.propagation.status),
    message: entry.propagation.message,
    cells: clusters.map((cluster) => {
      const status = byCluster.get(cluster) ?? '';
      return { cluster, status, tone: clusterStatusTone(status) };
    }),
  };
}

/** Replicas the fed object gives a cluster: 0 when not placed there, else its /spec/replicas override or the template's. */
export function replicasInFedObject(fed: FedObjectSnapshot, cluster: string): number | undefined {
  const placed = fed.spec?.placement?.clusters;
  if (!placed) return undefined; // placed by selector: the scheduler always writes a cluster list
  if (!placed.some((c) => c.name === cluster)) return 0;
  const override = fed.spec?.overrides?.find((o) => o.clusterName === cluster)?.clusterOverrides?.find((o) => o.path === '/spec/replicas');
  if (override && (override.op ?? 'replace') !== 'remove' && typeof override.value === 'number') return override.value;
  const template = fed.spec?.template as { spec?: { replicas?: unknown } } | undefined;
  return typeof template?.spec?.replicas === 'number' ? template.spec.replicas : undefined;
}

function rspRow(rsp: RspSnapshot, fed: FedObjectSnapshot | undefined, registered: readonly string[]): RspRow {
  const prefs = rsp.spec.clusters && Object.keys(rsp.spec.clusters).length > 0 ? rsp.spec.clusters : { '*': { weight: 1, minReplicas: 0 } };
  const wildcard = prefs['*'];
  const schedule = rsp.status?.schedule;
  const names = new Set<string>([...Object.keys(prefs).filter((n) => n !== '*'), ...Object.keys(schedule ?? {})]);
  if (wildcard) for (const name of registered) names.add(name);
  const sorted = [...names].sort(byName);
  const prefOf = (name: string) => prefs[name] ?? wildcard;
  const totalWeight = sorted.reduce((sum, name) => sum + (prefOf(name)?.weight ?? 0), 0);
  const condition = rsp.status?.conditions?.find((c) => c.type === 'Scheduled');
  const scheduledStatus = condition?.status ?? 'Unknown';
  return {
    namespace: rsp.metadata.namespace ?? '',
    name: rsp.metadata.name ?? '',
    targetKind: rsp.spec.targetKind,
    totalReplicas: rsp.spec.totalReplicas,
    rebalance: rsp.spec.rebalance === true,
    scheduled: {
      status: scheduledStatus,
      // Waiting for new replicas to be ready before shrinking other clusters is progress, not a failure.
      tone: scheduledStatus === 'True' ? 'ok' : !condition || condition.reason === 'WaitingForReplicas' ? 'pending' : 'failed',
      reason: condition?.reason ?? '',
      message: condition?.message ?? '',
    },
    targetFound: fed !== undefined,
    clusters: sorted.map((cluster) => {
      const pref = prefOf(cluster);
      const weight = pref?.weight ?? 0;
      return {
        cluster,
        weight,
        weightShare: totalWeight > 0 ? Math.round((100 * weight) / totalWeight) : 0,
        minReplicas: pref?.minReplicas ?? 0,
        maxReplicas: pref?.maxReplicas,
        scheduled: schedule ? (schedule[cluster] ?? 0) : undefined,
        inFedObject: fed ? replicasInFedObject(fed, cluster) : undefined,
        overflow: rsp.status?.overflow?.[cluster],
      };
    }),
  };
}

/** The whole page from one snapshot. */
export function buildPageModel(snapshot: FederationSnapshot, query: PageQuery, context: PageContext): PageModel {
  const pageSize = Math.max(1, context.pageSize ?? DEFAULT_PAGE_SIZE);
  const registered = snapshot.clusters.map((c) => c.name).sort(byName);
  const clusterNames = new Set(registered);
  const perCluster = new Map<string, { placed: number; notOk: number }>();
  const namespaces = new Set<string>();
  const statuses = new Set<string>();
  const types: TypeRow[] = [];
  const matching: IndexedObject[] = [];
  let total = 0;

  // One pass over every object: counts for the clusters and types tables, filter options, matching rows.
  for (const type of [...snapshot.types].sort((a, b) => byName(a.name, b.name))) {
    const counts = new Map<string, number>();
    for (const obj of type.objects) {
      total++;
      const namespace = obj.metadata.namespace ?? '';
      const propagation = propagationOf(obj);
      counts.set(propagation.status, (counts.get(propagation.status) ?? 0) + 1);
      if (namespace) namespaces.add(namespace);
      statuses.add(propagation.status);
      for (const c of obj.status?.clusters ?? []) {
        const cellStatus = c.status || CLUSTER_OK;
        statuses.add(cellStatus);
        clusterNames.add(c.name);
        let counted = perCluster.get(c.name);
        if (!counted) perCluster.set(c.name, (counted = { placed: 0, notOk: 0 }));
        counted.placed++;
        if (cellStatus !== CLUSTER_OK) counted.notOk++;
      }
      if (query.type && query.type !== type.name) continue;
      if (query.namespace && query.namespace !== namespace) continue;
      const entry: IndexedObject = { type, obj, namespace, name: obj.metadata.name ?? '', propagation };
      if (matchesStatus(entry, query.status)) matching.push(entry);
    }
    types.push({
      name: type.name,
      federatedKind: type.federatedKind,
      targetKind: type.targetKind,
      running: type.running,
      total: type.objects.length,
      counts: [...counts].sort(([a], [b]) => statusOrder(a, b)).map(([status, count]) => ({ status, tone: objectStatusTone(status), count })),
    });
  }

  matching.sort((a, b) => byName(a.namespace, b.namespace) || byName(a.name, b.name) || byName(a.type.name, b.type.name));
  const pages = Math.max(1, Math.ceil(matching.length / pageSize));
  const page = Math.min(query.page, pages);
  const start = (page - 1) * pageSize;
  // Registered clusters first, then names only found in statuses (unknown clusters in a placement).
  const columns = [...registered, ...[...clusterNames].filter((n) => !registered.includes(n)).sort(byName)];
  const rows = matching.slice(start, start + pageSize).map((entry) => matrixRow(entry, columns));

  return {
    generatedAt: context.now.toISOString().replace(/\.\d+Z$/, 'Z'),
    kubefedNamespace: context.kubefedNamespace,
    query: { ...query, page },
    clusters: [...snapshot.clusters].sort((a, b) => byName(a.name, b.name)).map((c) => clusterRow(c, perCluster.get(c.name), context.now)),
    types,
    filters: {
      namespaces: [...namespaces].sort(byName),
      types: types.map((t) => t.name),
      statuses: [...statuses].sort(statusOrder),
    },
    matrix: { clusters: columns, rows, total, matching: matching.length, page, pages, first: rows.length ? start + 1 : 0, last: start + rows.length },
    rsps: snapshot.rsps && rspRows(snapshot.rsps, snapshot.types, registered),
  };
}

function rspRows(rsps: readonly RspSnapshot[], types: readonly TypeSnapshot[], registered: readonly string[]): RspRow[] {
  // Only the kinds some RSP targets are indexed.
  const indexes = new Map<string, Map<string, FedObjectSnapshot>>();
  const fedOf = (rsp: RspSnapshot): FedObjectSnapshot | undefined => {
    let index = indexes.get(rsp.spec.targetKind);
    if (!index) {
      index = new Map();
      for (const type of types) {
        if (type.federatedKind !== rsp.spec.targetKind) continue;
        for (const obj of type.objects) index.set(`${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`, obj);
      }
      indexes.set(rsp.spec.targetKind, index);
    }
    return index.get(`${rsp.metadata.namespace ?? ''}/${rsp.metadata.name ?? ''}`);
  };
  return [...rsps]
    .sort((a, b) => byName(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || byName(a.metadata.name ?? '', b.metadata.name ?? ''))
    .map((rsp) => rspRow(rsp, fedOf(rsp), registered));
}
