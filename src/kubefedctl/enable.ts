// `kubefedctl enable`: generates the Federated<Kind> CRD (its spec.template schema being the target's own
// schema) and the FederatedTypeConfig for a target type, and applies them to the host — or prints them.
import {
  buildCrd,
  describeFederatedType,
  federatedTypeConfigFor,
  federatedTypeCrdDefinition,
  NAMESPACES_FTC_NAME,
  ResourceScope,
  type CustomResourceDefinition,
  type FederatedTypeConfig,
  type FederatedTypeDescriptor,
} from '../api/index.js';
import type { KubeObject } from '../kube/types.js';
import type { ContextClient } from './client.js';
import type { ApiResource } from './discovery.js';
import { CliError, isForbiddenError } from './errors.js';
import { findKindSchema, refResolver, templateSchema, type OpenApiDocument, type Schema } from './openapi.js';
import { outcomeOf, type Io } from './output.js';
import { Types } from './resources.js';

export interface FederatedTypeOptions {
  federatedGroup: string;
  federatedVersion: string;
  namespace: string;
}

export interface GeneratedType {
  descriptor: FederatedTypeDescriptor;
  crd: CustomResourceDefinition;
  ftc: FederatedTypeConfig;
}

const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether the target has an integer `spec.replicas` (then the federated type gets `spec.retainReplicas`). */
export function hasIntegerReplicas(template: Schema): boolean {
  const spec = isObject(template.properties) ? template.properties.spec : undefined;
  const props = isObject(spec) && isObject(spec.properties) ? spec.properties : undefined;
  const replicas = props?.replicas;
  return isObject(replicas) && replicas.type === 'integer';
}

/**
 * The Federated<Kind> CRD and the FederatedTypeConfig for a target type. `template` is the structural
 * schema of spec.template (see `templateSchema`); without one the template keeps any field.
 */
export function generateFederatedType(target: ApiResource, template: Schema | undefined, options: FederatedTypeOptions): GeneratedType {
  const ftcName = target.group ? `${target.plural}.${target.group}` : target.plural;
  const isNamespace = ftcName === NAMESPACES_FTC_NAME;
  const base = describeFederatedType({
    group: target.group,
    version: target.version,
    kind: target.kind,
    pluralName: target.plural,
    scope: target.namespaced ? ResourceScope.Namespaced : ResourceScope.Cluster,
    // FederatedNamespace lives in the namespace it federates.
    ...(isNamespace && { federatedScope: ResourceScope.Namespaced }),
    shortNames: target.shortNames.map((s) => `f${s}`),
    retainReplicas: template ? hasIntegerReplicas(template) : false,
  });
  const descriptor: FederatedTypeDescriptor = {
    ...base,
    federated: { ...base.federated, group: options.federatedGroup, version: options.federatedVersion },
  };
  const crd = buildCrd(federatedTypeCrdDefinition(descriptor));
  if (template) {
    const version = crd.spec.versions[0];
    const spec = version?.schema.openAPIV3Schema.properties?.spec;
    const current = spec?.properties?.template;
    if (!spec?.properties || !current) throw new Error('generated CRD has no spec.template');
    spec.properties.template = { ...template, description: current.description } as typeof current;
  }
  return { descriptor, crd, ftc: federatedTypeConfigFor(descriptor, options.namespace) };
}

interface CrdObject extends KubeObject {
  spec?: {
    versions?: Array<{ name: string; schema?: { openAPIV3Schema?: Schema } }>;
    validation?: { openAPIV3Schema?: Schema };
  };
}

interface OpenApiIndex {
  paths?: Record<string, { serverRelativeURL?: string }>;
}

const OPENAPI: ApiResource = {
  group: '',
  version: 'v3',
  plural: 'openapi documents (/openapi/v3)',
  kind: 'OpenAPI',
  namespaced: false,
  singular: '',
  shortNames: [],
  verbs: [],
  preferred: true,
};

/**
 * The target's schema as a template schema: from its CustomResourceDefinition when it is a custom resource
 * (the schema its author wrote, with every x-kubernetes-* key), else from the host's OpenAPI v3 document of
 * its group-version. Undefined (with a warning) when the host publishes none.
 */
export async function fetchTemplateSchema(host: ContextClient, target: ApiResource, io: Io): Promise<Schema | undefined> {
  if (target.group) {
    let crd: CrdObject | undefined;
    try {
      crd = await host.get<CrdObject>(Types.crd, `${target.plural}.${target.group}`);
    } catch (err) {
      if (!isForbiddenError(err)) throw err;
    }
    if (crd) {
      const schema = crd.spec?.versions?.find((v) => v.name === target.version)?.schema?.openAPIV3Schema ?? crd.spec?.validation?.openAPIV3Schema;
      return schema ? templateSchema(schema) : undefined;
    }
  }
  const key = target.group ? `apis/${target.group}/${target.version}` : `api/${target.version}`;
  let doc: OpenApiDocument;
  try {
    const index = await host.getPath<OpenApiIndex>('/openapi/v3', OPENAPI);
    const url = index.paths?.[key]?.serverRelativeURL ?? `/openapi/v3/${key}`;
    doc = await host.getPath<OpenApiDocument>(url, OPENAPI);
  } catch (err) {
    if (err instanceof CliError && /not found|does not serve/.test(err.message)) {
      io.stderr.write(`warning: the host publishes no OpenAPI v3 schema for ${key}; the template of the federated type will accept any field\n`);
      return undefined;
    }
    throw err;
  }
  const found = findKindSchema(doc, target);
  if (!found) {
    io.stderr.write(`warning: the OpenAPI document of ${key} has no schema for kind ${target.kind}; the template of the federated type will accept any field\n`);
    return undefined;
  }
  return templateSchema(found.schema, refResolver(doc));
}

/** Refuses to reuse a federated type that another FTC already federates a different target with. */
export function conflictingTypeConfig(existing: readonly FederatedTypeConfig[], generated: GeneratedType): FederatedTypeConfig | undefined {
  const { federated } = generated.descriptor;
  return existing.find(
    (ftc) =>
      ftc.metadata.name !== generated.ftc.metadata.name &&
      ftc.spec.federatedType.group === federated.group &&
      ftc.spec.federatedType.pluralName === federated.pluralName,
  );
}

/** Applies the CRD (waiting until it is Established) and the FTC; prints what happened, as KubeFed did. */
export async function applyFederatedType(host: ContextClient, generated: GeneratedType, io: Io): Promise<void> {
  const { crd, ftc } = generated;
  const namespace = ftc.metadata.namespace ?? '';
  const ftcs = await host.list<FederatedTypeConfig>(Types.federatedTypeConfig, { namespace });
  const conflict = conflictingTypeConfig(ftcs, generated);
  if (conflict) {
    throw new CliError(
      `the federated type ${crd.metadata.name} is already used by FederatedTypeConfig "${namespace}/${conflict.metadata.name}"; ` +
        `disable that one first (kubefedctl disable ${conflict.metadata.name} --delete-crd) or choose another --federated-group`,
    );
  }
  const crdBefore = await host.get(Types.crd, crd.metadata.name);
  const crdAfter = await host.apply(Types.crd, crd as unknown as KubeObject);
  io.stdout.write(`customresourcedefinition.apiextensions.k8s.io/${crd.metadata.name} ${outcomeOf(crdBefore, crdAfter)}\n`);
  await waitForEstablished(host, crd.metadata.name);
  const ftcBefore = ftcs.find((f) => f.metadata.name === ftc.metadata.name);
  const ftcAfter = await host.apply(Types.federatedTypeConfig, ftc as unknown as KubeObject);
  io.stdout.write(
    `federatedtypeconfig.core.kubefed.io/${ftc.metadata.name} ${outcomeOf(ftcBefore as KubeObject | undefined, ftcAfter)} in namespace ${namespace}\n`,
  );
}

const ESTABLISH_TIMEOUT_MS = 30_000;

async function waitForEstablished(host: ContextClient, name: string): Promise<void> {
  const deadline = Date.now() + ESTABLISH_TIMEOUT_MS;
  for (;;) {
    const crd = await host.get(Types.crd, name);
    const conditions = ((crd?.status as { conditions?: Array<{ type: string; status: string; message?: string }> } | undefined)?.conditions) ?? [];
    if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) return;
    const rejected = conditions.find((c) => c.type === 'NamesAccepted' && c.status === 'False');
    if (rejected) throw new CliError(`the host refused the names of CRD ${name}: ${rejected.message ?? 'NamesAccepted is False'}`);
    if (Date.now() > deadline) {
      throw new CliError(`CRD ${name} was not Established within ${ESTABLISH_TIMEOUT_MS / 1000} s on context "${host.context}"; see kubectl get crd ${name} -o yaml`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
