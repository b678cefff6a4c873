// `kubefedctl orphaning-deletion`: whether deleting a fed object leaves its member copies in place
// (annotation kubefed.io/orphan: "true") or deletes them (the default).
import { ORPHAN_ANNOTATION, ORPHAN_ANNOTATION_TRUE, NAMESPACES_FTC_NAME } from '../api/index.js';
import type { ContextClient } from './client.js';
import { CliError } from './errors.js';
import { federatedResourceType } from './federate.js';
import type { Io } from './output.js';
import { findTypeConfig } from './typeconfigs.js';

export type OrphaningAction = 'enable' | 'disable' | 'status';

export interface OrphaningOptions {
  action: OrphaningAction;
  typeName: string;
  name: string;
  namespace: string;
  kubefedNamespace: string;
}

export async function orphaningDeletion(options: OrphaningOptions, host: ContextClient, io: Io): Promise<number> {
  const { ftc } = await findTypeConfig(host, options.typeName, options.kubefedNamespace);
  const fedType = federatedResourceType(ftc);
  // A FederatedNamespace lives in the namespace it federates.
  const namespace = ftc.metadata.name === NAMESPACES_FTC_NAME ? options.name : fedType.namespaced ? options.namespace : undefined;
  const display = namespace ? `${namespace}/${options.name}` : options.name;
  const fed = await host.get(fedType, options.name, namespace);
  if (!fed) {
    throw new CliError(`${fedType.kind} "${display}" not found in context "${host.context}"; federate it first (kubefedctl federate ${options.typeName} ${options.name}${namespace && namespace !== options.name ? ` -n ${namespace}` : ''})`);
  }
  const enabled = fed.metadata?.annotations?.[ORPHAN_ANNOTATION] === ORPHAN_ANNOTATION_TRUE;
  switch (options.action) {
    case 'status':
      io.stdout.write(`${enabled ? 'Enabled' : 'Disabled'}\n`);
      return 0;
    case 'enable':
      if (!enabled) await host.mergePatch(fedType, options.name, namespace, { metadata: { annotations: { [ORPHAN_ANNOTATION]: ORPHAN_ANNOTATION_TRUE } } });
      io.stdout.write(`Orphaning deletion enabled for ${fedType.kind} "${display}": deleting it will leave its copies in the member clusters\n`);
      return 0;
    case 'disable':
      if (fed.metadata?.annotations?.[ORPHAN_ANNOTATION] !== undefined) {
        await host.mergePatch(fedType, options.name, namespace, { metadata: { annotations: { [ORPHAN_ANNOTATION]: null } } });
      }
      io.stdout.write(`Orphaning deletion disabled for ${fedType.kind} "${display}": deleting it will delete its copies in the member clusters\n`);
      return 0;
  }
}
