// `kubefedctl federate`: turns an existing host object into a Federated<Kind> whose template is the object
// without what the API server or the host owns, placed in every cluster (KubeFed's default).
import {
  NAMESPACES_FTC_NAME,
  ORPHAN_ANNOTATION,
  MANAGED_LABEL,
  type FederatedTypeConfig,
} from '../api/index.js';
import type { KubeObject, ResourceType } from '../kube/types.js';
import { isValidObjectName } from './names.js';

/** Metadata the API server sets, or that belongs to the host object only. */
const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
  'ownerReferences',
  'finalizers',
  'generateName',
  'name',
  'namespace',
] as const;

/** Annotations written by tools or controllers of the host, meaningless (or harmful) in a member. */
const HOST_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration', 'deployment.kubernetes.io/revision', ORPHAN_ANNOTATION];
/** Labels the API server or KubeFed sets itself. */
const HOST_LABELS = ['kubernetes.io/metadata.name', MANAGED_LABEL];
const JOB_LABELS = ['controller-uid', 'batch.kubernetes.io/controller-uid', 'job-name', 'batch.kubernetes.io/job-name'];

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function withoutKeys(record: unknown, keys: readonly string[]): Record<string, unknown> | undefined {
  if (!isRecord(record)) return undefined;
  const out = Object.fromEntries(Object.entries(record).filter(([k]) => !keys.includes(k)));
  return Object.keys(out).length > 0 ? out : undefined;
}

/** What each kind must leave behind because the member cluster assigns it (KubeFed's list, plus Job's). */
function stripKindSpecific(group: string, kind: string, template: Record<string, unknown>): void {
  const spec = isRecord(template.spec) ? template.spec : undefined;
  if (group === '' && kind === 'Namespace' && spec) {
    delete spec.finalizers;
  } else if (group === '' && kind === 'ServiceAccount') {
    delete template.secrets;
  } else if (group === '' && kind === 'Service' && spec) {
    delete spec.clusterIP;
    delete spec.clusterIPs;
    delete spec.healthCheckNodePort;
    if (Array.isArray(spec.ports)) {
      spec.ports = spec.ports.map((port) => (isRecord(port) ? withoutKeys(port, ['nodePort']) ?? {} : port));
    }
  } else if (group === 'batch' && kind === 'Job' && spec && spec.manualSelector !== true) {
    // The member's API server generates the selector and these labels from the new Job's uid.
    delete spec.selector;
    const podTemplate = isRecord(spec.template) ? spec.template : undefined;
    const podMeta = podTemplate && isRecord(podTemplate.metadata) ? podTemplate.metadata : undefined;
    if (podMeta) {
      const labels = withoutKeys(podMeta.labels, JOB_LABELS);
      if (labels) podMeta.labels = labels;
      else delete podMeta.labels;
    }
  }
  if (spec && Object.keys(spec).length === 0) delete template.spec;
}

/**
 * The template of a fed object from the host object: no apiVersion/kind (the FederatedTypeConfig names the
 * target type), no status, and of the metadata only labels and annotations that are the user's.
 * Returns a new object; `source` is not modified.
 */
export function templateFromObject(source: KubeObject, target: Pick<ResourceType, 'group' | 'kind'>): Record<string, unknown> {
  const copy = structuredClone(source) as Record<string, unknown>;
  delete copy.apiVersion;
  delete copy.kind;
  delete copy.status;
  const metadata = isRecord(copy.metadata) ? copy.metadata : {};
  for (const key of SERVER_METADATA) delete metadata[key];
  const labels = withoutKeys(metadata.labels, HOST_LABELS);
  const annotations = withoutKeys(metadata.annotations, HOST_ANNOTATIONS);
  const kept: Record<string, unknown> = {};
  if (labels) kept.labels = labels;
  if (annotations) kept.annotations = annotations;
  // Anything else left in metadata is the user's (e.g. unusual fields); keep it.
  for (const [key, value] of Object.entries(metadata)) if (key !== 'labels' && key !== 'annotations') kept[key] = value;
  if (Object.keys(kept).length > 0) copy.metadata = kept;
  else delete copy.metadata;
  stripKindSpecific(target.group, target.kind, copy);
  return copy;
}

/** The Federated<Kind> for a host object; a namespace's fed object lives in the namespace itself. */
export function federatedObjectFor(source: KubeObject, ftc: FederatedTypeConfig): KubeObject {
  const { federatedType, targetType } = ftc.spec;
  const name = source.metadata?.name ?? '';
  const isNamespace = ftc.metadata.name === NAMESPACES_FTC_NAME;
  const namespace = isNamespace ? name : source.metadata?.namespace;
  return {
    apiVersion: `${federatedType.group}/${federatedType.version}`,
    kind: federatedType.kind,
    metadata: { name, ...(namespace && federatedType.scope === 'Namespaced' && { namespace }) },
    spec: {
      template: templateFromObject(source, { group: targetType.group ?? '', kind: targetType.kind }),
      // KubeFed's default: an empty selector, i.e. every member cluster.
      placement: { clusterSelector: { matchLabels: {} } },
    },
  };
}

/** The FederatedTypeConfig federating a target type (matched by group and kind), if any. */
export function typeConfigFor(
  ftcs: readonly FederatedTypeConfig[],
  target: Pick<ResourceType, 'group' | 'kind'>,
): FederatedTypeConfig | undefined {
  return ftcs.find((ftc) => (ftc.spec.targetType.group ?? '') === target.group && ftc.spec.targetType.kind === target.kind);
}

/** The FederatedTypeConfig whose federated type is the given one, if any. */
export function typeConfigOfFederated(
  ftcs: readonly FederatedTypeConfig[],
  federated: Pick<ResourceType, 'group' | 'kind'>,
): FederatedTypeConfig | undefined {
  return ftcs.find((ftc) => ftc.spec.federatedType.group === federated.group && ftc.spec.federatedType.kind === federated.kind);
}

/** `ResourceType` of an FTC's federated or target side. */
export function federatedResourceType(ftc: FederatedTypeConfig): ResourceType {
  const t = ftc.spec.federatedType;
  return { group: t.group, version: t.version, kind: t.kind, plural: t.pluralName, namespaced: t.scope === 'Namespaced' };
}

export function targetResourceType(ftc: FederatedTypeConfig): ResourceType {
  const t = ftc.spec.targetType;
  return { group: t.group ?? '', version: t.version, kind: t.kind, plural: t.pluralName, namespaced: t.scope === 'Namespaced' };
}

/**
 * Why `federate --contents` leaves an object of a namespace alone, or undefined to federate it. Objects
 * that a controller owns or that every cluster makes for itself would fight with the member's own copy.
 */
export function skipReason(obj: KubeObject, target: Pick<ResourceType, 'group' | 'kind'>): string | undefined {
  const name = obj.metadata?.name ?? '';
  if (!isValidObjectName(name)) return 'its name is not a valid RFC 1123 subdomain';
  if ((obj.metadata?.ownerReferences ?? []).length > 0) return 'it is owned by another object';
  if (obj.metadata?.labels?.[MANAGED_LABEL] === 'true') return 'it is itself managed by a federation';
  if (target.group !== '') return undefined;
  if (target.kind === 'ConfigMap' && name === 'kube-root-ca.crt') return 'every cluster publishes its own';
  if (target.kind === 'ServiceAccount' && name === 'default') return 'every namespace gets its own';
  if (target.kind === 'Secret' && obj.type === 'kubernetes.io/service-account-token') return 'service-account tokens are issued per cluster';
  return undefined;
}
