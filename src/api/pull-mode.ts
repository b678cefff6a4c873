// Names shared by the three sides of pull mode (the host's registry, kubefedctl join and the agent in the
// member): the host namespace of each pull cluster, its heartbeat Lease and what the heartbeat carries.
import { createHash } from 'node:crypto';

/** Every pull cluster has its own host namespace; RBAC there keeps one agent away from the others' data. */
export const PULL_CLUSTER_NAMESPACE_PREFIX = 'kubefed-cluster-';

/** The agent's heartbeat: a coordination.k8s.io Lease in the cluster's host namespace. */
export const HEARTBEAT_LEASE_NAME = 'kubefed-agent-heartbeat';
/** How often the agent renews its heartbeat. */
export const HEARTBEAT_PERIOD_MS = 10_000;
/** KubeFedConfig `spec.clusterHealthCheck.pullHeartbeatGracePeriod` when unset. */
export const DEFAULT_PULL_HEARTBEAT_GRACE_PERIOD = '40s';

/** Annotations of the heartbeat Lease: what the agent runs on and what it is. */
export const AGENT_KUBERNETES_VERSION_ANNOTATION = 'kubefed.io/kubernetes-version';
export const AGENT_VERSION_ANNOTATION = 'kubefed.io/agent-version';

/** Label on every object join makes for a pull cluster, host and member alike, naming the cluster. */
export const PULL_CLUSTER_LABEL = 'kubefed.io/pull-cluster';

const MAX_NAMESPACE = 63;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * `kubefed-cluster-<name>`. A namespace name is a DNS label (no dots, at most 63 characters) while a cluster
 * name may be a 253-character subdomain: such a name is shortened and dotted parts joined by `-`, with a
 * hash of the whole name appended so that two clusters never share a namespace.
 */
export function pullClusterNamespace(clusterName: string): string {
  const plain = `${PULL_CLUSTER_NAMESPACE_PREFIX}${clusterName}`;
  if (plain.length <= MAX_NAMESPACE && DNS1123_LABEL.test(plain)) return plain;
  const hash = createHash('sha256').update(clusterName).digest('hex').slice(0, 10);
  const room = MAX_NAMESPACE - PULL_CLUSTER_NAMESPACE_PREFIX.length - hash.length - 1;
  const readable = clusterName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, room)
    .replace(/^-+|-+$/g, '');
  return `${PULL_CLUSTER_NAMESPACE_PREFIX}${readable ? `${readable}-` : ''}${hash}`;
}

/** At most this much of a version string the agent reports is kept (it ends up in the KubeFedCluster status). */
const MAX_REPORTED_VERSION = 64;

/** A version string as reported by an agent, kept only if it looks like one: printable, short. */
export function reportedVersion(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (!trimmed || trimmed.length > MAX_REPORTED_VERSION || !/^[\x21-\x7e]+$/.test(trimmed)) return undefined;
  return trimmed;
}
