// The objects the benchmarks federate (FederatedConfigMaps and FederatedDeployments of a realistic small
// size) and their "ceiling" twins: the very member objects the sync controller would apply, rendered by the
// controller's own code, but under a label the controller does not watch.
import { MANAGED_LABEL, TYPES_API_VERSION, TYPES_GROUP, TYPES_VERSION } from '../../src/api/index.js';
import type { ResourceType, KubeObject } from '../../src/kube/types.js';
import { withHash } from '../../src/sync/plan.js';
import { desiredHash, renderForCluster } from '../../src/sync/render.js';

export type BenchKind = 'configmap' | 'deployment' | 'namespace';

export interface FedTypeInfo {
  /** FederatedTypeConfig name. */
  ftc: string;
  federated: ResourceType;
  target: ResourceType;
  /** `federatedconfigmap`: the sync controller's metrics label. */
  metricsName: string;
}

const fed = (kind: string, plural: string): ResourceType => ({ group: TYPES_GROUP, version: TYPES_VERSION, plural, kind, namespaced: true });

const TYPES: Record<BenchKind, FedTypeInfo> = {
  configmap: {
    ftc: 'configmaps',
    federated: fed('FederatedConfigMap', 'federatedconfigmaps'),
    target: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
    metricsName: 'federatedconfigmap',
  },
  deployment: {
    ftc: 'deployments.apps',
    federated: fed('FederatedDeployment', 'federateddeployments'),
    target: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
    metricsName: 'federateddeployment',
  },
  namespace: {
    ftc: 'namespaces',
    federated: fed('FederatedNamespace', 'federatednamespaces'),
    target: { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false },
    metricsName: 'federatednamespace',
  },
};

export function fedTypeOf(kind: BenchKind): FedTypeInfo {
  return TYPES[kind];
}

/** Label the ceiling's objects carry instead of kubefed.io/managed (same length, so the same bytes). */
export const CEILING_LABEL = 'kubefed.io/ceiling';
/** The template key the latency benchmark changes. */
export const SEQ_KEY = 'bench-seq';

export function objectName(index: number): string {
  return `obj-${String(index).padStart(5, '0')}`;
}

function template(kind: BenchKind, name: string): Record<string, unknown> {
  if (kind === 'configmap') {
    return {
      metadata: { labels: { app: 'bench', tier: 'config' } },
      data: {
        [SEQ_KEY]: '0',
        'app.properties': `service.name=${name}\nlog.level=info\npool.size=16\ntimeout.ms=2500\nretries=3\n`,
        'feature-flags.json': '{"newCheckout":false,"darkMode":true,"betaSearch":false}',
      },
    };
  }
  return {
    metadata: { labels: { app: name, tier: 'web' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, tier: 'web' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'registry.k8s.io/pause:3.10',
              ports: [{ containerPort: 8080, name: 'http' }],
              env: [{ name: 'SERVICE_NAME', value: name }],
              resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
            },
          ],
        },
      },
    },
  };
}

/** A Federated<Kind> placed on `clusters`. */
export function fedObject(kind: Exclude<BenchKind, 'namespace'>, namespace: string, index: number, clusters: string[]): KubeObject {
  const name = objectName(index);
  return {
    apiVersion: TYPES_API_VERSION,
    kind: TYPES[kind].federated.kind,
    metadata: { name, namespace },
    spec: { template: template(kind, name), placement: { clusters: clusters.map((c) => ({ name: c })) } },
  };
}

/**
 * The member object the sync controller applies for `fed` in `cluster` (rendered and hashed by the
 * controller's own functions), moved to `namespace` and labelled so the controller's caches ignore it.
 */
export function ceilingObject(kind: Exclude<BenchKind, 'namespace'>, fedObj: KubeObject, cluster: string, namespace: string): KubeObject {
  const target = TYPES[kind].target;
  const rendered = renderForCluster({
    fedObject: fedObj as Parameters<typeof renderForCluster>[0]['fedObject'],
    target: { apiVersion: target.group ? `${target.group}/${target.version}` : target.version, kind: target.kind, namespaced: true },
    cluster,
  });
  if (!rendered.ok) throw new Error(`cannot render ${fedObj.metadata?.name}: ${rendered.message}`);
  const desired = withHash(rendered.object, desiredHash(rendered.object));
  const { [MANAGED_LABEL]: _managed, ...labels } = desired.metadata?.labels ?? {};
  return { ...desired, metadata: { ...desired.metadata, namespace, labels: { ...labels, [CEILING_LABEL]: 'true' } } };
}
