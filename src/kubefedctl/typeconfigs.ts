// Finding the FederatedTypeConfig a user means: by its own name (`deployments.apps`), or by any name of its
// target or federated type that discovery resolves (`deploy`, `Deployment`, `FederatedDeployment`).
import type { FederatedTypeConfig } from '../api/index.js';
import type { ContextClient } from './client.js';
import { discoverResources, resolveResource, type ApiResource } from './discovery.js';
import { CliError } from './errors.js';
import { typeConfigFor, typeConfigOfFederated } from './federate.js';
import { Types } from './resources.js';

export async function listTypeConfigs(host: ContextClient, namespace: string): Promise<FederatedTypeConfig[]> {
  return host.list<FederatedTypeConfig>(Types.federatedTypeConfig, { namespace });
}

export interface FoundTypeConfig {
  ftc: FederatedTypeConfig;
  all: FederatedTypeConfig[];
  /** The discovered resource the name resolved to, when discovery was needed. */
  resource?: ApiResource;
}

export async function findTypeConfig(host: ContextClient, name: string, namespace: string): Promise<FoundTypeConfig> {
  const all = await listTypeConfigs(host, namespace);
  const byName = all.find((ftc) => ftc.metadata.name === name);
  if (byName) return { ftc: byName, all };
  const resource = resolveResource(await discoverResources(host), name);
  const ftc = typeConfigFor(all, resource) ?? typeConfigOfFederated(all, resource);
  if (!ftc) {
    const enabled = all.map((f) => f.metadata.name).sort();
    throw new CliError(
      `no FederatedTypeConfig federates "${name}" (${resource.kind}) in namespace ${namespace} of context "${host.context}"; ` +
        (enabled.length > 0 ? `the federated types are: ${enabled.join(', ')}` : 'no type is federated yet') +
        `. Enable it with: kubefedctl enable ${name}`,
    );
  }
  return { ftc, all, resource };
}
