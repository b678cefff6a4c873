import { describe, expect, it } from 'vitest';
import { resolveResource, resourcesOf, type ApiResource } from '../../../src/kubefedctl/discovery.js';

const resources: ApiResource[] = [
  ...resourcesOf(
    {
      resources: [
        { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', shortNames: ['ns'] },
        { name: 'namespaces/status', singularName: '', namespaced: false, kind: 'Namespace' },
        { name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap', shortNames: ['cm'] },
        { name: 'events', singularName: 'event', namespaced: true, kind: 'Event', shortNames: ['ev'] },
      ],
    },
    '',
    'v1',
    true,
  ),
  ...resourcesOf({ resources: [{ name: 'deployments', singularName: 'deployment', namespaced: true, kind: 'Deployment', shortNames: ['deploy'] }] }, 'apps', 'v1', true),
  ...resourcesOf({ resources: [{ name: 'events', singularName: 'event', namespaced: true, kind: 'Event', shortNames: ['ev'] }] }, 'events.k8s.io', 'v1', true),
  ...resourcesOf({ resources: [{ name: 'gadgets', singularName: 'gadget', namespaced: true, kind: 'Gadget', shortNames: ['gdg'] }] }, 'example.kubefed.io', 'v1', true),
  ...resourcesOf({ resources: [{ name: 'gadgets', singularName: 'gadget', namespaced: true, kind: 'Gadget' }] }, 'example.kubefed.io', 'v1alpha1', false),
  ...resourcesOf({ resources: [{ name: 'gadgets', singularName: 'gadget', namespaced: true, kind: 'Gadget' }] }, 'other.example.com', 'v1', true),
  ...resourcesOf({ resources: [{ name: 'widgets', singularName: 'widget', namespaced: false, kind: 'Widget' }] }, 'example.kubefed.io', 'v2beta1', false),
];

const id = (r: ApiResource) => `${r.plural}.${r.group || 'core'}/${r.version}`;

describe('resourcesOf', () => {
  it('leaves subresources out and fills singular and scope', () => {
    const core = resources.filter((r) => r.group === '');
    expect(core.map((r) => r.plural)).toEqual(['namespaces', 'configmaps', 'events']);
    expect(core[0]).toMatchObject({ singular: 'namespace', namespaced: false, shortNames: ['ns'], preferred: true });
  });
});

describe('resolveResource', () => {
  it.each([
    ['configmaps', 'configmaps.core/v1'],
    ['configmap', 'configmaps.core/v1'],
    ['ConfigMap', 'configmaps.core/v1'],
    ['cm', 'configmaps.core/v1'],
    ['ns', 'namespaces.core/v1'],
    ['deployments.apps', 'deployments.apps/v1'],
    ['Deployment.apps', 'deployments.apps/v1'],
    ['deploy', 'deployments.apps/v1'],
    ['DEPLOYMENT', 'deployments.apps/v1'],
    ['gadgets.example.kubefed.io', 'gadgets.example.kubefed.io/v1'],
    ['gdg.example.kubefed.io', 'gadgets.example.kubefed.io/v1'],
    ['gdg', 'gadgets.example.kubefed.io/v1'],
    // Served by the core group and events.k8s.io: the core group wins, as in KubeFed.
    ['events', 'events.core/v1'],
    ['events.events.k8s.io', 'events.events.k8s.io/v1'],
  ])('%s → %s', (query, expected) => {
    expect(id(resolveResource(resources, query))).toBe(expected);
  });

  it('uses the given version instead of the preferred one', () => {
    expect(id(resolveResource(resources, 'gadgets.example.kubefed.io', 'v1alpha1'))).toBe('gadgets.example.kubefed.io/v1alpha1');
  });

  it('reports ambiguity between non-core groups with the full names to use', () => {
    expect(() => resolveResource(resources, 'gadget')).toThrow(
      '"gadget" is ambiguous: it names gadgets.example.kubefed.io, gadgets.other.example.com; use one of those full names',
    );
  });

  it('reports an unknown type', () => {
    expect(() => resolveResource(resources, 'frobs')).toThrow('the host cluster does not serve a resource type "frobs"');
  });

  it('points at --version when the type exists only in a non-preferred version', () => {
    expect(() => resolveResource(resources, 'widgets')).toThrow(/served in version v2beta1; pass --version/);
  });
});
