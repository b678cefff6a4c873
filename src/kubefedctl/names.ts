// The names kubefedctl gives the objects it creates, as KubeFed named them, made valid for any input.
import { createHash } from 'node:crypto';
import { DNS1123_SUBDOMAIN } from '../api/index.js';

const MAX_NAME = 253;

/** Whether `name` is a valid object name (RFC 1123 subdomain, at most 253 characters). */
export function isValidObjectName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_NAME && DNS1123_SUBDOMAIN.test(name);
}

/**
 * Makes a kubeconfig context name usable inside object names: lower case, every run of characters other
 * than `[a-z0-9.-]` (e.g. `/`, `:`, `@`, `_` of `arn:aws:eks:…/name` or `user@cluster`) becomes one `-`,
 * and it starts and ends with a letter or digit. KubeFed instead refused such names without
 * `--host-cluster-name`.
 */
export function sanitizeName(input: string): string {
  const cleaned = input
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/-*\.-*/g, '.')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return cleaned || 'cluster';
}

/** Shortens a name over the limit to a prefix plus a hash of the whole, keeping it unique and valid. */
export function fitName(name: string, max = MAX_NAME): string {
  if (name.length <= max) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
  const prefix = name.slice(0, max - hash.length - 1).replace(/[^a-z0-9]+$/, '');
  return `${prefix}-${hash}`;
}

/** The member's ServiceAccount (and its token Secret): `<cluster>-<host cluster name>`, as in KubeFed. */
export function serviceAccountName(cluster: string, hostClusterName: string): string {
  return fitName(`${sanitizeName(cluster)}-${sanitizeName(hostClusterName)}`);
}

/** ClusterRole/ClusterRoleBinding (cluster scope) or Role/RoleBinding (namespaced scope) of the member. */
export function roleName(serviceAccount: string): string {
  return `kubefed-controller-manager:${serviceAccount}`;
}

/** The health-check ClusterRole/Binding of a namespace-scoped federation. */
export function healthCheckRoleName(namespace: string, serviceAccount: string): string {
  return `kubefed-controller-manager:${namespace}:healthcheck-${serviceAccount}`;
}
