// Reads the KubeFedConfig the controller-manager runs with: from a file (--kubefed-config) or the object
// named `kubefed` in the KubeFed namespace, created with server-side defaults when missing, as KubeFed does.
import { readFile } from 'node:fs/promises';
import yaml from 'js-yaml';
import {
  CORE_API_VERSION,
  CORE_GROUP,
  CORE_VERSION,
  EnablementMode,
  KUBEFED_CONFIG_KIND,
  KUBEFED_CONFIG_NAME,
  KUBEFED_CONFIG_PLURAL,
  KubeFedConfigSpecSchema,
  parseDuration,
  type KubeFedConfigSpec,
} from '../api/index.js';
import { isNotFound } from '../kube/errors.js';
import type { RestClient } from '../kube/rest-client.js';
import type { KubeObject, ResourceType } from '../kube/types.js';
import type { Logger } from '../util/log.js';

export const KubeFedConfigType: ResourceType = {
  group: CORE_GROUP,
  version: CORE_VERSION,
  plural: KUBEFED_CONFIG_PLURAL,
  kind: KUBEFED_CONFIG_KIND,
  namespaced: true,
};

/** The settings the controllers use, with durations in milliseconds. */
export interface RuntimeConfig {
  scope: 'Cluster' | 'Namespaced';
  availableDelayMs: number;
  unavailableDelayMs: number;
  cacheSyncTimeoutMs: number;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** The leader lock's kind: a Lease, or KubeFed's ConfigMap or Endpoints lock when the config names one. */
  resourceLock: 'leases' | 'configmaps' | 'endpoints';
  health: { periodMs: number; timeoutMs: number; failureThreshold: number; successThreshold: number; pullHeartbeatGraceMs: number };
  syncWorkers: number;
  adoptResources: boolean;
  featureGates: Record<string, boolean>;
  source: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Loads and validates the KubeFedConfig; throws a ConfigError naming the bad field. */
export async function loadKubeFedConfig(host: RestClient, namespace: string, file?: string): Promise<RuntimeConfig> {
  if (file) {
    const doc = yaml.load(await readFile(file, 'utf8')) as { spec?: unknown } | undefined;
    return toRuntimeConfig(parseSpec(doc?.spec, `file ${file}`), `file ${file}`);
  }
  let obj: KubeObject;
  try {
    obj = await host.get(KubeFedConfigType, KUBEFED_CONFIG_NAME, namespace);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    const scope = process.env.DEFAULT_KUBEFED_SCOPE === 'Namespaced' ? 'Namespaced' : 'Cluster';
    // The CRD's defaults fill in every other field on the server.
    obj = await host.create(
      KubeFedConfigType,
      { apiVersion: CORE_API_VERSION, kind: KUBEFED_CONFIG_KIND, metadata: { name: KUBEFED_CONFIG_NAME, namespace }, spec: { scope } },
      'kubefed-ts',
    );
  }
  const source = `KubeFedConfig ${namespace}/${KUBEFED_CONFIG_NAME}`;
  return toRuntimeConfig(parseSpec(obj.spec, source), source);
}

/**
 * Logs which KubeFedConfig is used and what it federates, in KubeFed's words: its e2e tests and operators'
 * alerts look for `Using valid KubeFedConfig "<namespace>/<name>"`.
 */
export function logKubeFedConfig(log: Logger, namespace: string, config: RuntimeConfig): void {
  log.info({ source: config.source, scope: config.scope }, `Using valid KubeFedConfig ${JSON.stringify(`${namespace}/${KUBEFED_CONFIG_NAME}`)}`);
  if (config.scope === 'Namespaced') log.info({ namespace }, `KubeFed will be limited to the ${JSON.stringify(namespace)} namespace`);
  else log.info('KubeFed will target all namespaces');
}

function parseSpec(spec: unknown, source: string): KubeFedConfigSpec {
  const result = KubeFedConfigSpecSchema.safeParse(spec ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid ${source}: ${problems}`);
  }
  return result.data;
}

export function toRuntimeConfig(spec: KubeFedConfigSpec, source: string): RuntimeConfig {
  const d = spec.controllerDuration;
  const l = spec.leaderElect;
  const h = spec.clusterHealthCheck;
  return {
    scope: spec.scope,
    availableDelayMs: parseDuration(d.availableDelay),
    unavailableDelayMs: parseDuration(d.unavailableDelay),
    cacheSyncTimeoutMs: parseDuration(d.cacheSyncTimeout),
    leaseDurationMs: parseDuration(l.leaseDuration),
    renewDeadlineMs: parseDuration(l.renewDeadline),
    retryPeriodMs: parseDuration(l.retryPeriod),
    resourceLock: l.resourceLock,
    health: {
      periodMs: parseDuration(h.period),
      timeoutMs: parseDuration(h.timeout),
      failureThreshold: h.failureThreshold,
      successThreshold: h.successThreshold,
      pullHeartbeatGraceMs: parseDuration(h.pullHeartbeatGracePeriod),
    },
    syncWorkers: spec.syncController.maxConcurrentReconciles,
    adoptResources: spec.syncController.adoptResources === EnablementMode.Enabled,
    featureGates: Object.fromEntries(spec.featureGates.map((g) => [g.name, g.configuration === EnablementMode.Enabled])),
    source,
  };
}
