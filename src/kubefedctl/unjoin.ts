// `kubefedctl unjoin`: removes a member from the federation. The host side goes first, so that the
// controller-manager stops using the cluster before its credentials vanish (a pull cluster's namespace on the
// host goes with its agent's credential, bundles and reports); then every object join made in the member. A
// member that cannot be reached does not keep the host side in place: what was left behind in it is listed,
// with how to remove it later.
import { PULL_CLUSTER_LABEL, pullClusterNamespace, SyncMode, syncModeOf, type KubeFedCluster } from '../api/index.js';
import type { KubeObject } from '../kube/types.js';
import type { Clients, ContextClient } from './client.js';
import { CliError, isForbiddenError, isUnreachable } from './errors.js';
import { federationScope, memberObjectsToRemove, type PlannedObject } from './join.js';
import { pullMemberObjectsToRemove } from './join-pull.js';
import type { KubeconfigSource } from './kubeconfig.js';
import { isValidObjectName } from './names.js';
import type { Io } from './output.js';
import { kindName, Types } from './resources.js';

export interface UnjoinOptions {
  clusterName: string;
  clusterContext: string | undefined;
  hostContext: string | undefined;
  hostClusterName: string | undefined;
  namespace: string;
  /** Exit 0 even when objects were left in the member. */
  force: boolean;
}

interface Leftover {
  object: PlannedObject;
  why: string;
}

function describe(object: PlannedObject): string {
  const ns = object.type.namespaced ? ` -n ${object.body.metadata?.namespace}` : '';
  return `${kindName(object.type)}/${object.body.metadata?.name}${ns}`;
}

async function removeFromMember(member: ContextClient, objects: PlannedObject[], io: Io): Promise<Leftover[]> {
  const leftovers: Leftover[] = [];
  let deleted = 0;
  for (const [index, object] of objects.entries()) {
    const { name = '', namespace } = object.body.metadata ?? {};
    try {
      if (await member.delete(object.type, name, namespace)) {
        deleted++;
        const where = object.type.namespaced ? ` in namespace ${namespace}` : '';
        io.stdout.write(`${member.context}: ${kindName(object.type)}/${name} deleted${where}\n`);
      }
    } catch (err) {
      if (isUnreachable(err)) {
        // Nothing more will get through; everything from here on stays.
        const why = (err as Error).message;
        for (const rest of objects.slice(index)) leftovers.push({ object: rest, why });
        break;
      }
      if (!isForbiddenError(err)) throw err;
      leftovers.push({ object, why: (err as Error).message });
    }
  }
  if (deleted === 0 && leftovers.length === 0) io.stdout.write(`${member.context}: nothing of this cluster's join was left to delete\n`);
  return leftovers;
}

export async function unjoin(options: UnjoinOptions, kubeconfig: KubeconfigSource, clients: Clients, io: Io): Promise<number> {
  const { clusterName, namespace } = options;
  if (!isValidObjectName(clusterName)) throw new CliError(`cluster name "${clusterName}" is not a valid object name`);
  const hostContext = kubeconfig.resolveContext(options.hostContext, '--host-cluster-context');
  const contextName = options.clusterContext ?? clusterName;
  let memberContext: string | undefined;
  let memberProblem = '';
  try {
    memberContext = kubeconfig.resolveContext(contextName, '--cluster-context');
  } catch (err) {
    if (!options.force) throw err;
    memberProblem = `${(err as Error).message} (--force: the host side is removed anyway)`;
  }

  const host = await clients.for(hostContext);
  const kfc = await host.get<KubeFedCluster & KubeObject>(Types.kubeFedCluster, clusterName, namespace);
  /** Undefined when the KubeFedCluster is gone already: both modes' leftovers are cleaned up. */
  const mode = kfc ? syncModeOf(kfc) : undefined;
  if (kfc) {
    await host.delete(Types.kubeFedCluster, clusterName, namespace);
    io.stdout.write(`${hostContext}: kubefedcluster.core.kubefed.io/${clusterName} deleted in namespace ${namespace}\n`);
    const secretName = mode === SyncMode.Push ? kfc.spec?.secretRef?.name : undefined;
    if (secretName && (await host.delete(Types.secret, secretName, namespace))) {
      io.stdout.write(`${hostContext}: secret/${secretName} deleted in namespace ${namespace}\n`);
    }
  } else {
    io.stdout.write(`${hostContext}: kubefedcluster.core.kubefed.io/${clusterName} not found in namespace ${namespace} (already unjoined?); cleaning up the member\n`);
  }
  if (mode !== SyncMode.Push) await removePullNamespace(host, clusterName, io);

  const names = { clusterName, hostClusterName: options.hostClusterName ?? hostContext, namespace };
  // Every variant is tried (the scope may have changed since the join); only the current scope's count as
  // left behind, so that the report names objects that really exist.
  const scope = await federationScope(host, namespace);
  const expected = new Set((mode === SyncMode.Pull ? pullMemberObjectsToRemove(names, scope) : memberObjectsToRemove(names, scope)).map(describe));
  const objects = [
    ...(mode !== SyncMode.Pull ? memberObjectsToRemove(names) : []),
    ...(mode !== SyncMode.Push ? pullMemberObjectsToRemove(names) : []),
  ];
  let leftovers: Leftover[];
  if (memberContext) {
    leftovers = await removeFromMember(await clients.for(memberContext), objects, io);
  } else {
    leftovers = objects.map((object) => ({ object, why: memberProblem }));
  }
  leftovers = leftovers.filter((l) => expected.has(describe(l.object)));
  if (leftovers.length === 0) {
    io.stdout.write(`Cluster "${clusterName}" unjoined.\n`);
    return 0;
  }
  const shown = memberContext ?? contextName;
  const reasons = [...new Set(leftovers.map((l) => l.why))];
  io.stderr.write(
    `${options.force ? 'warning' : 'error'}: cluster "${clusterName}" is no longer used by the host, but these objects could not be removed ` +
      `from the cluster of context "${shown}":\n` +
      leftovers.map((l) => `  ${describe(l.object)}\n`).join('') +
      `because: ${reasons.join('; ')}\n` +
      (mode === SyncMode.Pull
        ? `The agent's host credential went with namespace ${pullClusterNamespace(clusterName)} of the host; remove them when the cluster is reachable:\n`
        : `They still grant the ServiceAccount's token access to that cluster. When it is reachable, run\n`) +
      `  kubefedctl unjoin ${clusterName} --cluster-context ${shown} --host-cluster-context ${hostContext}` +
      `${options.hostClusterName ? ` --host-cluster-name ${options.hostClusterName}` : ''}\n` +
      `or delete them with kubectl --context ${shown} delete <kind>/<name>.\n` +
      `(The namespace ${namespace} itself is never deleted: it may hold other things.)\n`,
  );
  return options.force ? 0 : 1;
}

/**
 * Deletes a pull cluster's host namespace, and with it the agent's ServiceAccount (its token stops working at
 * once), Role, bundles, reports and heartbeat. Only a namespace join labelled for this cluster is deleted.
 */
async function removePullNamespace(host: ContextClient, clusterName: string, io: Io): Promise<void> {
  const name = pullClusterNamespace(clusterName);
  const namespace = await host.get(Types.namespace, name);
  if (!namespace) return;
  if (namespace.metadata?.labels?.[PULL_CLUSTER_LABEL] !== clusterName) {
    io.stderr.write(`warning: namespace ${name} in context "${host.context}" was not made by kubefedctl join for cluster "${clusterName}" (no label ${PULL_CLUSTER_LABEL}=${clusterName}); left in place\n`);
    return;
  }
  if (namespace.metadata?.deletionTimestamp) return;
  if (await host.delete(Types.namespace, name)) io.stdout.write(`${host.context}: namespace/${name} deleted\n`);
}
