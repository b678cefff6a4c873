// `kubefedctl federate`: reads an existing host object and creates its Federated<Kind>; for a namespace
// with --contents, also every object in it of every federated type.
import { NAMESPACES_FTC_NAME, type FederatedTypeConfig } from '../api/index.js';
import type { KubeObject } from '../kube/types.js';
import type { ContextClient } from './client.js';
import { discoverResources, resolveResource } from './discovery.js';
import { applyFederatedType, fetchTemplateSchema, generateFederatedType } from './enable.js';
import { apiStatusOf, CliError, qualifiedResource } from './errors.js';
import { federatedObjectFor, federatedResourceType, skipReason, targetResourceType, typeConfigFor } from './federate.js';
import { toYaml, type Io } from './output.js';
import { listTypeConfigs } from './typeconfigs.js';

export interface FederateOptions {
  typeName: string;
  name: string;
  namespace: string;
  kubefedNamespace: string;
  contents: boolean;
  enableType: boolean;
  output: 'yaml' | undefined;
  federatedGroup: string;
  federatedVersion: string;
}

const CREATE_RETRY_MS = 10_000;

const display = (o: KubeObject) => (o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata?.name ?? ''));

/** Creates, retrying while the API server does not serve a just-established type yet. */
async function createFederated(host: ContextClient, ftc: FederatedTypeConfig, fed: KubeObject): Promise<'created' | 'exists'> {
  const type = federatedResourceType(ftc);
  const deadline = Date.now() + CREATE_RETRY_MS;
  for (;;) {
    try {
      await host.create(type, fed);
      return 'created';
    } catch (err) {
      const status = apiStatusOf(err);
      if (status?.code === 409 && status.reason === 'AlreadyExists') return 'exists';
      if (status?.code !== 404 || Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export async function federate(options: FederateOptions, host: ContextClient, io: Io): Promise<number> {
  const yaml = options.output === 'yaml';
  const target = resolveResource(await discoverResources(host), options.typeName);
  const ftcs = await listTypeConfigs(host, options.kubefedNamespace);
  const documents: unknown[] = [];
  let ftc = typeConfigFor(ftcs, target);
  if (!ftc) {
    const name = qualifiedResource(target);
    if (!options.enableType) {
      throw new CliError(
        `the type ${name} is not federated: no FederatedTypeConfig for it in namespace ${options.kubefedNamespace} of context "${host.context}". ` +
          `Run "kubefedctl enable ${name}" first, or pass --enable-type`,
      );
    }
    const generated = generateFederatedType(target, await fetchTemplateSchema(host, target, io), {
      federatedGroup: options.federatedGroup,
      federatedVersion: options.federatedVersion,
      namespace: options.kubefedNamespace,
    });
    if (yaml) documents.push(generated.crd, generated.ftc);
    else await applyFederatedType(host, generated, io);
    ftc = generated.ftc;
  }

  const targetType = targetResourceType(ftc);
  const isNamespace = ftc.metadata.name === NAMESPACES_FTC_NAME;
  const sourceNamespace = targetType.namespaced ? options.namespace : undefined;
  const source = await host.get(targetType, options.name, sourceNamespace);
  if (!source) {
    throw new CliError(`${targetType.kind} "${sourceNamespace ? `${sourceNamespace}/` : ''}${options.name}" not found in context "${host.context}"`);
  }
  if (options.contents && !isNamespace) throw new CliError('--contents is only meaningful when federating a namespace');

  const planned: Array<{ ftc: FederatedTypeConfig; fed: KubeObject; primary: boolean }> = [
    { ftc, fed: federatedObjectFor(source, ftc), primary: true },
  ];
  if (options.contents) {
    for (const other of ftcs) {
      const type = targetResourceType(other);
      if (other.metadata.name === NAMESPACES_FTC_NAME || !type.namespaced) continue;
      let objects: KubeObject[];
      try {
        objects = await host.list(type, { namespace: options.name });
      } catch (err) {
        io.stderr.write(`warning: skipping ${qualifiedResource(type)}: ${(err as Error).message}\n`);
        continue;
      }
      for (const object of objects) {
        const why = skipReason(object, type);
        if (why) io.stderr.write(`skipping ${type.kind} "${display(object)}": ${why}\n`);
        else planned.push({ ftc: other, fed: federatedObjectFor(object, other), primary: false });
      }
    }
  }

  if (yaml) {
    io.stdout.write(toYaml([...documents, ...planned.map((p) => p.fed)]));
    return 0;
  }
  if (isNamespace) io.stdout.write('Resource to federate is a namespace. Given namespace will itself be the container for the federated namespace\n');
  for (const { ftc: typeConfig, fed, primary } of planned) {
    const outcome = await createFederated(host, typeConfig, fed);
    if (outcome === 'exists') {
      const message = `${fed.kind} "${display(fed)}" already exists in context "${host.context}"`;
      if (primary) throw new CliError(`${message}; it is federated already (edit it, or delete it and federate again)`);
      io.stderr.write(`skipping ${message}\n`);
      continue;
    }
    io.stdout.write(`Successfully created ${fed.kind} "${display(fed)}" from ${typeConfig.spec.targetType.kind}\n`);
  }
  if (targetType.namespaced && !isNamespace) await noteUnfederatedNamespace(host, ftcs, options.namespace, io);
  return 0;
}

/** Objects only propagate into federated namespaces; say so when this one is not. */
async function noteUnfederatedNamespace(host: ContextClient, ftcs: readonly FederatedTypeConfig[], namespace: string, io: Io): Promise<void> {
  const namespaces = ftcs.find((f) => f.metadata.name === NAMESPACES_FTC_NAME);
  if (!namespaces) {
    io.stderr.write(`note: the type "namespaces" is not federated, so nothing propagates until it is (kubefedctl enable namespaces)\n`);
    return;
  }
  if (!(await host.get(federatedResourceType(namespaces), namespace, namespace))) {
    io.stderr.write(`note: namespace ${namespace} is not federated; its objects propagate once it is (kubefedctl federate namespace ${namespace})\n`);
  }
}
