// The agent's heartbeat: one merge patch every interval of the Lease `kubefed-agent-heartbeat` in its cluster's
// host namespace, carrying the renewal time and, as annotations, the member's Kubernetes version and the agent's
// own. The host's registry turns the cluster Ready or not from it (src/cluster/heartbeat.ts). A failed renewal
// is only logged and tried again at the next interval: the host decides what silence means.
import {
  AGENT_KUBERNETES_VERSION_ANNOTATION,
  AGENT_VERSION_ANNOTATION,
  HEARTBEAT_LEASE_NAME,
} from '../api/index.js';
import { errorMessage, isNotFound } from '../kube/errors.js';
import type { RestClient } from '../kube/rest-client.js';
import { CoreTypes, type KubeObject } from '../kube/types.js';
import { microTime } from '../leader/lease.js';
import type { Logger } from '../util/log.js';

const FIELD_MANAGER = 'kubefed-agent';
/** Informative only: the host's grace period (KubeFedConfig) decides when silence means not ready. */
const LEASE_DURATION_SECONDS = 40;

export interface HeartbeatContent {
  namespace: string;
  identity: string;
  agentVersion: string;
  kubernetesVersion: string | undefined;
  now: Date;
}

/** The whole heartbeat Lease (to create it) or, sent as a merge patch, its renewal. */
export function heartbeatLease(content: HeartbeatContent): KubeObject {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: HEARTBEAT_LEASE_NAME,
      namespace: content.namespace,
      annotations: {
        [AGENT_VERSION_ANNOTATION]: content.agentVersion,
        ...(content.kubernetesVersion ? { [AGENT_KUBERNETES_VERSION_ANNOTATION]: content.kubernetesVersion } : {}),
      },
    },
    spec: { holderIdentity: content.identity, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTime(content.now) },
  };
}

export interface HeartbeatOptions {
  host: RestClient;
  namespace: string;
  identity: string;
  agentVersion: string;
  intervalMs: number;
  /** The member's version as last read (undefined until it answers). */
  kubernetesVersion: () => string | undefined;
  log: Logger;
  onRenewal?: (ok: boolean) => void;
}

export class HeartbeatWriter {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  /** When a renewal last succeeded (ms), and the last failure since. */
  lastRenewedAt = 0;
  lastError: string | undefined;

  constructor(private readonly options: HeartbeatOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.tick();
  }

  /** Stops renewing; the Lease stays as it is, so that a standby taking over keeps the cluster ready. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.stopped) return;
    this.running = this.renew().finally(() => {
      this.running = undefined;
      if (!this.stopped) this.timer = setTimeout(() => this.tick(), this.options.intervalMs);
    });
  }

  private async renew(): Promise<void> {
    const { host, namespace, log } = this.options;
    const lease = heartbeatLease({
      namespace,
      identity: this.options.identity,
      agentVersion: this.options.agentVersion,
      kubernetesVersion: this.options.kubernetesVersion(),
      now: new Date(),
    });
    try {
      try {
        await host.mergePatch(CoreTypes.lease, HEARTBEAT_LEASE_NAME, namespace, { metadata: { annotations: lease.metadata?.annotations }, spec: lease.spec }, { fieldManager: FIELD_MANAGER, timeoutMs: this.options.intervalMs });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        await host.create(CoreTypes.lease, lease, FIELD_MANAGER, { timeoutMs: this.options.intervalMs });
        log.info({ lease: `${namespace}/${HEARTBEAT_LEASE_NAME}` }, 'created the heartbeat lease');
      }
      if (this.lastError !== undefined) log.info('heartbeat renewed again');
      this.lastRenewedAt = Date.now();
      this.lastError = undefined;
      this.options.onRenewal?.(true);
    } catch (err) {
      this.lastError = errorMessage(err);
      log.warn({ err: this.lastError, lease: `${namespace}/${HEARTBEAT_LEASE_NAME}` }, 'could not renew the heartbeat on the host');
      this.options.onRenewal?.(false);
    }
  }
}
