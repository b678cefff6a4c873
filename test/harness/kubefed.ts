// KubeFed v0.10.0 itself, for tests that run it beside kubefed-ts: KubeFed's default KubeFedConfig, and its
// controller-manager (built by hack/build-kubefed.sh) as a child process against the test host, stopped by pid.
import path from 'node:path';
import { resolveKubefedBinDir } from './binaries.js';
import { startProcess, freePort, type RunningProcess } from './processes.js';
import { KUBEFED_NS, waitUntil } from './federation.js';

/**
 * The KubeFedConfig KubeFed v0.10.0's Helm chart leaves with its default values: its
 * controllermanager/templates/kubefedconfig.yaml (a ConfigMap lock, one worker per type), with the feature
 * gates its post-install job then writes.
 */
export function kubefedDefaultKubeFedConfig(namespace = KUBEFED_NS): Record<string, unknown> {
  return {
    apiVersion: 'core.kubefed.io/v1beta1',
    kind: 'KubeFedConfig',
    metadata: { name: 'kubefed', namespace },
    spec: {
      scope: 'Cluster',
      controllerDuration: { availableDelay: '20s', unavailableDelay: '60s', cacheSyncTimeout: '5m' },
      leaderElect: { leaseDuration: '15s', renewDeadline: '10s', retryPeriod: '5s', resourceLock: 'configmaps' },
      clusterHealthCheck: { period: '10s', failureThreshold: 3, successThreshold: 1, timeout: '3s' },
      syncController: { maxConcurrentReconciles: 1, adoptResources: 'Enabled' },
      statusController: { maxConcurrentReconciles: 1 },
      featureGates: [
        { name: 'PushReconciler', configuration: 'Enabled' },
        { name: 'RawResourceStatusCollection', configuration: 'Disabled' },
        { name: 'SchedulerPreferences', configuration: 'Enabled' },
      ],
    },
  };
}

/**
 * Starts KubeFed's own controller-manager (the Go binary) against the host of `kubeconfigPath`, on ports
 * chosen here; resolves once it leads and has started the sync controller of `waitForKind`. Its klog output
 * goes to the test log capture like every controller-manager's.
 */
export async function startKubefedControllerManager(options: {
  kubeconfigPath: string;
  namespace?: string;
  waitForKind?: string;
  timeoutMs?: number;
  /** More flags, e.g. `--vmodule=controller=4` for its "Finished reconciling" lines. */
  extraArgs?: string[];
}): Promise<RunningProcess> {
  const binary = path.join(resolveKubefedBinDir(['controller-manager']), 'controller-manager');
  const [healthPort, metricsPort] = [await freePort(), await freePort()];
  const proc = startProcess(
    binary,
    [
      '--kubeconfig', options.kubeconfigPath,
      '--kubefed-namespace', options.namespace ?? KUBEFED_NS,
      '--healthz-addr', `127.0.0.1:${healthPort}`,
      '--metrics-addr', `127.0.0.1:${metricsPort}`,
      ...(options.extraArgs ?? []),
    ],
    {},
    { capture: 'kubefed-controller-manager' },
  );
  const started = `Started sync controller for "${options.waitForKind ?? 'FederatedDeployment'}"`;
  try {
    // A lock left by an earlier leader is taken over once its record expires (15 s in KubeFed's default).
    await waitUntil(`KubeFed's controller-manager leading (${started})`, () => proc.output().includes(started) || proc.child.exitCode !== null, options.timeoutMs ?? 90_000);
  } catch (err) {
    await proc.stop('SIGKILL');
    throw new Error(`${(err as Error).message}\n${proc.output().slice(-4000)}`);
  }
  if (proc.child.exitCode !== null) throw new Error(`KubeFed's controller-manager exited (${proc.child.exitCode}):\n${proc.output().slice(-4000)}`);
  return proc;
}
