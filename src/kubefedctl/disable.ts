// `kubefedctl disable`: stops propagation of a federated type (the controller-manager then stops its sync
// controller) and, with --delete-crd, removes the type's FederatedTypeConfig and CRD.
import { ControllerStatus, EnablementMode, SYNC_CONTROLLER_FINALIZER, type FederatedTypeConfig } from '../api/index.js';
import type { KubeObject } from '../kube/types.js';
import type { ContextClient } from './client.js';
import { CliError } from './errors.js';
import { federatedResourceType } from './federate.js';
import type { Io } from './output.js';
import { Types } from './resources.js';
import { findTypeConfig } from './typeconfigs.js';

export interface DisableOptions {
  typeName: string;
  namespace: string;
  deleteCrd: boolean;
  force: boolean;
  /** How long to wait for the controller-manager to report the sync controller stopped. */
  waitMs: number;
}

const key = (o: KubeObject) => (o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata?.name ?? ''));

export async function disable(options: DisableOptions, host: ContextClient, io: Io): Promise<number> {
  const { namespace } = options;
  const { ftc } = await findTypeConfig(host, options.typeName, namespace);
  const name = ftc.metadata.name ?? '';
  const fedType = federatedResourceType(ftc);
  const crdName = `${fedType.plural}.${fedType.group}`;

  // Checked before anything changes: once propagation stops, nothing removes the sync controller's
  // finalizer, so deleting those objects afterwards would hang.
  let remaining: KubeObject[] = [];
  if (options.deleteCrd && (await host.serves(fedType))) {
    remaining = await host.list(fedType);
    if (remaining.length > 0 && !options.force) {
      const sample = remaining.slice(0, 5).map(key).join(', ');
      throw new CliError(
        `cannot delete CRD ${crdName}: ${remaining.length} ${fedType.kind} object(s) still exist (${sample}${remaining.length > 5 ? ', …' : ''}). ` +
          `Delete them first (the controller-manager then removes their copies from the member clusters), ` +
          `or pass --force to delete them with the CRD and leave their member copies in place`,
      );
    }
  }

  if (ftc.spec.propagation !== EnablementMode.Disabled) {
    await host.mergePatch(Types.federatedTypeConfig, name, namespace, { spec: { propagation: EnablementMode.Disabled } });
  }
  io.stdout.write(`Disabled propagation for FederatedTypeConfig "${namespace}/${name}"\n`);
  await waitForStop(host, name, namespace, options.waitMs, io);

  if (!options.deleteCrd) return 0;
  for (const object of remaining) {
    // Without its sync controller the finalizer would keep the object (and the CRD) terminating forever.
    const finalizers = object.metadata?.finalizers ?? [];
    if (!finalizers.includes(SYNC_CONTROLLER_FINALIZER)) continue;
    await host.mergePatch(fedType, object.metadata?.name ?? '', object.metadata?.namespace, {
      metadata: { finalizers: finalizers.filter((f) => f !== SYNC_CONTROLLER_FINALIZER), resourceVersion: object.metadata?.resourceVersion },
    });
  }
  if (remaining.length > 0) io.stdout.write(`${remaining.length} ${fedType.kind} object(s) deleted with the CRD; their member copies stay in place\n`);
  if (await host.delete(Types.crd, crdName)) io.stdout.write(`customresourcedefinition.apiextensions.k8s.io/${crdName} deleted\n`);
  if (await host.delete(Types.federatedTypeConfig, name, namespace)) {
    io.stdout.write(`federatedtypeconfig.core.kubefed.io/${name} deleted in namespace ${namespace}\n`);
  }
  return 0;
}

async function waitForStop(host: ContextClient, name: string, namespace: string, waitMs: number, io: Io): Promise<void> {
  io.stdout.write(`Verifying propagation controller is stopped for FederatedTypeConfig "${namespace}/${name}"\n`);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const ftc = await host.get<FederatedTypeConfig & KubeObject>(Types.federatedTypeConfig, name, namespace);
    const observed = ftc?.status?.observedGeneration;
    if (!ftc || (ftc.status?.propagationController === ControllerStatus.NotRunning && observed !== undefined && observed >= (ftc.metadata.generation ?? 0))) {
      io.stdout.write(`Propagation controller for FederatedTypeConfig "${namespace}/${name}" is stopped\n`);
      return;
    }
    if (Date.now() >= deadline) {
      io.stderr.write(
        `warning: no controller-manager confirmed within ${Math.round(waitMs / 1000)} s that it stopped propagating "${name}" ` +
          `(status.propagationController is ${ftc.status?.propagationController ?? 'unset'}); is it running?\n`,
      );
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
