// Builders of FederationSnapshot data for the status page's unit tests.
import type { ClusterSnapshot, FedObjectSnapshot, FederationSnapshot, RspSnapshot, TypeSnapshot } from '../../../src/ui/federation-view.js';

export const NOW = new Date('2025-06-01T12:00:00Z');

export function cluster(name: string, overrides: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  const ready = overrides.ready ?? true;
  return {
    name,
    labels: {},
    syncMode: 'Push',
    ready,
    kubernetesVersion: 'v1.35.4',
    agentVersion: undefined,
    lastProbeAt: '2025-06-01T11:59:55Z',
    readyCondition: ready
      ? { status: 'True', reason: 'ClusterReady', message: '/healthz responded with ok', lastTransitionTime: '2025-06-01T10:00:00Z' }
      : { status: 'False', reason: 'ClusterNotReachable', message: 'cluster is not reachable: connect ECONNREFUSED 127.0.0.1:1', lastTransitionTime: '2025-06-01T11:58:00Z' },
    ...overrides,
  };
}

/** A fed object; `clusters` maps cluster → status ('' for OK); `propagation` is True, a reason, or undefined (no status yet). */
export function fed(
  namespace: string,
  name: string,
  options: { clusters?: Record<string, string>; propagation?: string; message?: string; spec?: FedObjectSnapshot['spec'] } = {},
): FedObjectSnapshot {
  const clusters = Object.entries(options.clusters ?? {}).map(([n, status]) => (status ? { name: n, status } : { name: n }));
  const condition =
    options.propagation === undefined
      ? undefined
      : options.propagation === 'True'
        ? { type: 'Propagation', status: 'True' }
        : { type: 'Propagation', status: 'False', reason: options.propagation, ...(options.message ? { message: options.message } : {}) };
  return {
    metadata: { name, namespace },
    spec: options.spec ?? { template: {}, placement: { clusters: Object.keys(options.clusters ?? {}).map((n) => ({ name: n })) } },
    ...(condition ? { status: { conditions: [condition], clusters } } : {}),
  };
}

export function type(name: string, federatedKind: string, objects: FedObjectSnapshot[], running = true): TypeSnapshot {
  return { name, federatedKind, targetKind: federatedKind.replace(/^Federated/, ''), running, objects };
}

export function rsp(namespace: string, name: string, spec: Partial<RspSnapshot['spec']>, status?: RspSnapshot['status']): RspSnapshot {
  return {
    metadata: { name, namespace },
    spec: { targetKind: 'FederatedDeployment', totalReplicas: 9, ...spec },
    ...(status ? { status } : {}),
  };
}

export function snapshot(overrides: Partial<FederationSnapshot> = {}): FederationSnapshot {
  return { clusters: [], types: [], rsps: [], ...overrides };
}

/**
 * `n` FederatedConfigMaps over `namespaces` namespaces: every 7th not reported yet, every 10th failing in
 * member2, every 3rd also placed on the not-ready member3, the rest propagated to member1 and member2.
 */
export function manyObjects(n: number, namespaces = 50): FedObjectSnapshot[] {
  return Array.from({ length: n }, (_, i) => {
    const ns = `ns-${String(i % namespaces).padStart(3, '0')}`;
    const name = `object-${String(i).padStart(5, '0')}`;
    if (i % 7 === 0) return fed(ns, name);
    if (i % 10 === 0) {
      return fed(ns, name, {
        clusters: { member1: '', member2: 'CreationFailed', member3: 'ClusterNotReady' },
        propagation: 'CheckClusters',
        message: '2 of 3 clusters not in the desired state: member2 (CreationFailed), member3 (ClusterNotReady)',
      });
    }
    if (i % 3 === 0) return fed(ns, name, { clusters: { member1: '', member2: '', member3: 'ClusterNotReady' }, propagation: 'CheckClusters' });
    return fed(ns, name, { clusters: { member1: '', member2: '' }, propagation: 'True' });
  });
}
