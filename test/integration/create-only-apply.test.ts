// What member creates rely on, checked against the real API server: a server-side apply carrying a
// resourceVersion no object can have creates an object that is not there (owned through Apply only, the
// resourceVersion not kept) and is refused with 409 Conflict, changing nothing, when one is there, for a
// built-in kind and a custom resource alike. The alternatives that would have saved the first update's second
// write are refused or ignored, which is why the create itself carries the ownership.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, isAlreadyExists, isConflict } from '../../src/kube/errors.js';
import { RestClient } from '../../src/kube/rest-client.js';
import { CoreTypes, type KubeObject, type ResourceType } from '../../src/kube/types.js';
import { createOnly, NO_RESOURCE_VERSION, performAction } from '../../src/execution/perform.js';
import { kubeConfigFor } from '../harness/env.js';
import { waitUntil } from '../harness/federation.js';

const ns = `create-only-${Date.now().toString(36)}`;
const group = 'createonly.kubefed-ts.test';
const widgets: ResourceType = { group, version: 'v1', plural: 'widgets', kind: 'Widget', namespaced: true };
const crds: ResourceType = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false };
let member: RestClient;

const configMap = (name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data });
const widget = (name: string, spec: Record<string, string>): KubeObject => ({ apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name, namespace: ns }, spec });
const owners = (o: KubeObject | undefined) => (o?.metadata?.managedFields as Array<{ manager: string; operation: string }> | undefined)?.map((f) => `${f.manager}/${f.operation}`);

async function errorOf(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    return err as ApiError;
  }
  throw new Error('expected the request to fail');
}

beforeAll(async () => {
  member = await RestClient.fromKubeConfig(kubeConfigFor('member1'), { name: 'member1' });
  await member.create(CoreTypes.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, 'kubefed-ts-tests');
  try {
    await member.create(crds, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } } }],
      },
    } as KubeObject, 'kubefed-ts-tests');
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  await waitUntil('Widget served', async () => {
    try {
      await member.list(widgets, { namespace: ns, limit: 1 });
      return true;
    } catch {
      return false;
    }
  });
});

afterAll(async () => {
  await member.delete(CoreTypes.namespace, ns, undefined).catch(() => undefined);
  await member.delete(crds, `widgets.${group}`, undefined).catch(() => undefined);
  member.close();
});

describe.each([
  ['ConfigMap', CoreTypes.configMap, configMap, 'data'],
  ['custom resource', widgets, widget, 'spec'],
] as const)('a create-only apply of a %s', (_name, type, make, field) => {
  it('creates what is not there, owned through Apply only, and keeps no trace of the precondition', async () => {
    const created = await member.apply<KubeObject>(type, createOnly(make('fresh', { a: '1', b: '2' })), 'kubefed-ts');
    expect(owners(created)).toEqual(['kubefed-ts/Apply']);
    expect(created.metadata?.resourceVersion).not.toBe(NO_RESOURCE_VERSION);
    expect((created as Record<string, unknown>)[field]).toEqual({ a: '1', b: '2' });
    // So the first update is one apply, and it prunes a key we stop sending while another manager's key stays.
    await member.mergePatch(type, 'fresh', ns, { [field]: { theirs: 't' } }, { fieldManager: 'someone-else' });
    const updated = await member.apply<KubeObject>(type, make('fresh', { a: '2' }), 'kubefed-ts');
    expect((updated as Record<string, unknown>)[field]).toEqual({ a: '2', theirs: 't' });
  });

  it('is refused with 409 Conflict when the object is there, which stays as it was', async () => {
    const theirs = await member.create<KubeObject>(type, make('taken', { owner: 'someone' }), 'someone');
    const err = await errorOf(member.apply(type, createOnly(make('taken', { owner: 'federation' })), 'kubefed-ts'));
    expect(isConflict(err)).toBe(true);
    const after = await member.get<KubeObject>(type, 'taken', ns);
    expect(after.metadata?.resourceVersion).toBe(theirs.metadata?.resourceVersion);
    expect((after as Record<string, unknown>)[field]).toEqual({ owner: 'someone' });
  });
});

describe('what does not carry apply ownership', () => {
  const entry = { manager: 'kubefed-ts', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } };

  it('managedFields in an apply body are refused', async () => {
    await member.create(CoreTypes.configMap, configMap('mf-apply', { a: '1' }), 'kubefed-ts');
    const body = { ...configMap('mf-apply', { a: '1' }), metadata: { name: 'mf-apply', namespace: ns, managedFields: [entry] } };
    const err = await errorOf(member.apply(CoreTypes.configMap, body, 'kubefed-ts'));
    expect(err.code).toBe(400);
    expect(err.message).toMatch(/managedFields must be nil/);
  });

  it('managedFields naming Apply in a POST body end up as an Update entry', async () => {
    const body = { ...configMap('mf-post', { a: '1' }), metadata: { name: 'mf-post', namespace: ns, managedFields: [entry] } };
    expect(owners(await member.create<KubeObject>(CoreTypes.configMap, body, 'kubefed-ts'))).toEqual(['kubefed-ts/Update']);
  });
});

describe('performAction create', () => {
  it('creates with one request that leaves the object owned through Apply', async () => {
    let requests = 0;
    const counting = await RestClient.fromKubeConfig(kubeConfigFor('member1'), { name: 'member1', observer: { onResponse: () => void requests++ } });
    try {
      const outcome = await performAction(counting, {
        type: CoreTypes.configMap,
        targetKey: `${ns}/performed`,
        action: { kind: 'create', desired: configMap('performed', { a: '1' }), hash: 'h', adoption: { adoptResources: true } },
      });
      expect(outcome).toMatchObject({ kind: 'create', status: '' });
      expect(requests).toBe(1);
      expect(owners(await member.get<KubeObject>(CoreTypes.configMap, 'performed', ns))).toEqual(['kubefed-ts/Apply']);
    } finally {
      counting.close();
    }
  });
});
