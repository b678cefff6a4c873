// A corpus of malformed inputs for the controller-manager, generated in code (issue #6, scenario 6): each
// entry is one object to create on the host and what must become of it, either a refusal by the API server
// (CRD schema, CEL rule, name validation, size limits), with a message naming the problem, or acceptance
// followed by a precise outcome on the object itself (a propagation status per cluster, a KubeFedCluster
// condition, an RSP Scheduled reason, an FTC controller state, or an Event where KubeFed writes no status).
import type { Obj } from './fed-objects.js';

export type Expectation =
  /** The API server refuses the object; its message must match. */
  | { rejected: RegExp }
  /** A fed object: its `propagationSummary` line, exactly (`True member1` / `False/CheckClusters member1:X,member2`). */
  | { propagation: string }
  /** A KubeFedCluster: `Ready=<status>/<reason> <message>` must match. */
  | { cluster: RegExp }
  /** A ReplicaSchedulingPreference: `<status>/<reason> <message>` of its Scheduled condition must match. */
  | { scheduled: RegExp }
  /** A FederatedTypeConfig: its status.propagationController. */
  | { typeConfig: string }
  /** Only an Event (KubeFed writes no status here): `reason: message` of one Event must match, and no status is written. */
  | { event: RegExp };

export interface CorpusEntry {
  /** Unique; also the object's name unless the body says otherwise. */
  id: string;
  inputClass: string;
  group: string;
  version: string;
  plural: string;
  namespace: string;
  body: Obj;
  /** Secrets to create first (for KubeFedClusters), as name → data (base64 values). */
  secrets?: Record<string, Record<string, string>>;
  expect: Expectation;
}

export interface CorpusContext {
  /** The federated namespace the fed objects and RSPs live in. */
  ns: string;
  kubefedNs: string;
  /** member2's API server URL, its port and its CA bundle (base64 PEM). */
  member2: { server: string; port: number; caBundle: string };
  /** The host's CA bundle (base64 PEM): a real CA, but not member2's. */
  hostCaBundle: string;
  /** A service-account token that member1 accepts (and member2 does not). */
  member1Token: string;
  /** A token member2 accepts. */
  member2Token: string;
  /** The host's API server URL, and a token of a host service account that may do nothing. */
  host: { server: string; nobodyToken: string };
  /** A port nothing listens on. */
  closedPort: number;
  /** Accepts TCP connections and never answers. */
  blackholePort: number;
  /** Plain HTTP that answers 404 to everything. */
  notFoundPort: number;
  /** Plain HTTP that answers `ok` on /readyz and `{}` to everything else: claims health, serves no API. */
  impostorPort: number;
}

const TYPES = { group: 'types.kubefed.io', version: 'v1beta1' };
const CORE = { group: 'core.kubefed.io', version: 'v1beta1' };
const SCHEDULING = { group: 'scheduling.kubefed.io', version: 'v1alpha1' };
const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Sets `value` at a dotted path (numeric segments index arrays) in a deep copy of `object`. */
function withValue(object: Obj, dotted: string, value: unknown): Obj {
  const copy = structuredClone(object);
  const keys = dotted.split('.');
  let node: Obj = copy;
  for (const [i, key] of keys.slice(0, -1).entries()) {
    if (node[key] === undefined) node[key] = /^\d+$/.test(keys[i + 1]!) ? [] : {};
    node = node[key];
  }
  node[keys[keys.length - 1]!] = value;
  return copy;
}

export function buildCorpus(ctx: CorpusContext): CorpusEntry[] {
  const { ns } = ctx;
  const entries: CorpusEntry[] = [];
  const seen = new Set<string>();
  const add = (entry: CorpusEntry): void => {
    if (seen.has(entry.id)) throw new Error(`corpus id ${entry.id} used twice`);
    seen.add(entry.id);
    entries.push(entry);
  };
  const both = [{ name: 'member1' }, { name: 'member2' }];
  const fedBody = (kind: string, name: string, spec: Obj, namespace = ns): Obj => ({
    apiVersion: 'types.kubefed.io/v1beta1',
    kind,
    metadata: { name, namespace },
    spec,
  });
  const fed = (inputClass: string, id: string, plural: string, kind: string, spec: Obj, expect: Expectation, name = id): void =>
    add({ id, inputClass, ...TYPES, plural, namespace: ns, body: fedBody(kind, name, spec), expect });
  const cm = (inputClass: string, id: string, spec: Obj, expect: Expectation): void =>
    fed(inputClass, id, 'federatedconfigmaps', 'FederatedConfigMap', spec, expect);
  const okSpec: Obj = { template: { data: { a: '1' } }, placement: { clusters: both } };

  // --- A FederatedNamespace must be named like its namespace. KubeFed (and kubefed-ts) only record an
  // Event; these come first so that the Event rate limit cannot swallow them.
  for (const name of ['not-the-namespace', 'other']) {
    add({
      id: `fedns-${name}`,
      inputClass: 'invalid name: FederatedNamespace not named like its namespace',
      ...TYPES,
      plural: 'federatednamespaces',
      namespace: ns,
      body: fedBody('FederatedNamespace', name, { placement: { clusters: both } }),
      expect: { event: /^InvalidName: The name of a federated namespace must match the name of its containing namespace/ },
    });
  }

  // --- Wrong types: the CRD's structural schema refuses them, naming the field.
  const wrongTypes: Array<[string, unknown[], RegExp]> = [
    ['spec', ['x', 1, [], true], /spec: Invalid value: .*must be of type object/],
    ['spec.template', ['x', 1, [1], true], /spec\.template: Invalid value: .*must be of type object/],
    ['spec.placement', ['x', 1, [], false], /spec\.placement: Invalid value: .*must be of type object/],
    ['spec.placement.clusters', ['member1', {}, 1], /spec\.placement\.clusters: Invalid value: .*must be of type array/],
    ['spec.placement.clusters.0', ['member1', 1, null], /spec\.placement\.clusters\[0\]: Invalid value: .*must be of type object/],
    ['spec.placement.clusters.0.name', [1, true, {}, []], /spec\.placement\.clusters\[0\]\.name: Invalid value: .*must be of type string/],
    ['spec.placement.clusterSelector', ['all', [], 7], /spec\.placement\.clusterSelector: Invalid value: .*must be of type object/],
    ['spec.placement.clusterSelector.matchLabels', ['a=b', [1]], /spec\.placement\.clusterSelector\.matchLabels: Invalid value: .*must be of type object/],
    ['spec.placement.clusterSelector.matchLabels.region', [1, true], /spec\.placement\.clusterSelector\.matchLabels\.region: Invalid value: .*must be of type string/],
    ['spec.placement.clusterSelector.matchExpressions', [{}, 'region in (eu)'], /spec\.placement\.clusterSelector\.matchExpressions: Invalid value: .*must be of type array/],
    ['spec.overrides', ['x', {}, 3], /spec\.overrides: Invalid value: .*must be of type array/],
    ['spec.overrides.0', ['member1', 5], /spec\.overrides\[0\]: Invalid value: .*must be of type object/],
    ['spec.overrides.0.clusterName', [1, ['member1']], /spec\.overrides\[0\]\.clusterName: Invalid value: .*must be of type string/],
    ['spec.overrides.0.clusterOverrides', ['x', {}], /spec\.overrides\[0\]\.clusterOverrides: Invalid value: .*must be of type array/],
    ['spec.overrides.0.clusterOverrides.0', ['/data/a', 1], /spec\.overrides\[0\]\.clusterOverrides\[0\]: Invalid value: .*must be of type object/],
    ['spec.overrides.0.clusterOverrides.0.path', [1, ['/data/a'], { p: 1 }], /spec\.overrides\[0\]\.clusterOverrides\[0\]\.path: Invalid value: .*must be of type string/],
    ['spec.overrides.0.clusterOverrides.0.op', [1, ['add']], /spec\.overrides\[0\]\.clusterOverrides\[0\]\.op: Invalid value: .*must be of type string/],
  ];
  for (const [field, values, message] of wrongTypes) {
    values.forEach((value, i) => {
      const base = field.startsWith('spec.overrides.0.clusterOverrides.0.')
        ? { ...okSpec, overrides: [{ clusterName: 'member1', clusterOverrides: [{ op: 'replace', path: '/data/a', value: '2' }] }] }
        : okSpec;
      cm('wrong type', `type-${field.replaceAll('.', '-').toLowerCase()}-${i}`, withValue({ spec: base }, field, value).spec, { rejected: message });
    });
  }
  // Required fields missing.
  cm('wrong type', 'type-cluster-without-name', { ...okSpec, placement: { clusters: [{}] } }, { rejected: /spec\.placement\.clusters\[0\]\.name: Required value/ });
  cm('wrong type', 'type-override-without-path', { ...okSpec, overrides: [{ clusterName: 'member1', clusterOverrides: [{ op: 'add', value: 'x' }] }] }, { rejected: /spec\.overrides\[0\]\.clusterOverrides\[0\]\.path: Required value/ });
  cm('wrong type', 'type-expression-without-key', { ...okSpec, placement: { clusterSelector: { matchExpressions: [{ operator: 'Exists' }] } } }, { rejected: /matchExpressions\[0\]\.key: Required value/ });
  cm('wrong type', 'type-expression-without-operator', { ...okSpec, placement: { clusterSelector: { matchExpressions: [{ key: 'region' }] } } }, { rejected: /matchExpressions\[0\]\.operator: Required value/ });
  for (const [i, value] of ['yes', 1, {}].entries()) {
    fed('wrong type', `type-retainreplicas-${i}`, 'federateddeployments', 'FederatedDeployment', { ...okSpec, retainReplicas: value }, { rejected: /spec\.retainReplicas: Invalid value: .*must be of type boolean/ });
  }
  // Metadata the API server itself validates.
  cm('wrong type', 'type-label-not-string', okSpec, { rejected: /metadata\.labels|cannot unmarshal|must be of type string|Invalid value/ });
  entries[entries.length - 1]!.body.metadata.labels = { a: 1 };
  cm('wrong type', 'type-annotation-not-string', okSpec, { rejected: /metadata\.annotations|cannot unmarshal|must be of type string|Invalid value/ });
  entries[entries.length - 1]!.body.metadata.annotations = { a: true };

  // --- Override ops outside add/remove/replace: refused by the CRD's pattern.
  for (const [i, op] of ['move', 'copy', 'test', 'ADD', 'Replace', 'delete', 'add ', ' remove', 'merge', 'upsert', 'REMOVE', 'replace\n'].entries()) {
    cm('bad override op', `op-${i}`, { ...okSpec, overrides: [{ clusterName: 'member1', clusterOverrides: [{ op, path: '/data/a', value: '2' }] }] }, {
      rejected: /spec\.overrides\[0\]\.clusterOverrides\[0\]\.op: Invalid value: .*should match '\^\(add\|remove\|replace\)\?\$'/,
    });
  }

  // --- Override paths that would change the object's identity: refused by a CEL rule.
  for (const path of ['/metadata/name', '/metadata/namespace', '/metadata/generateName', '/kind', '/apiVersion']) {
    for (const op of ['replace', 'add']) {
      cm('forbidden override path', `forbidden-${op}${path.replaceAll('/', '-').toLowerCase()}`, { ...okSpec, overrides: [{ clusterName: 'member2', clusterOverrides: [{ op, path, value: 'x' }] }] }, {
        rejected: /spec\.overrides\[0\]\.clusterOverrides\[0\]\.path: Invalid value: .*path must not be one of/,
      });
    }
  }
  cm('forbidden override path', 'forbidden-path-too-long', { ...okSpec, overrides: [{ clusterName: 'member1', clusterOverrides: [{ path: `/data/${'x'.repeat(1100)}`, value: '1' }] }] }, {
    rejected: /spec\.overrides\[0\]\.clusterOverrides\[0\]\.path: Too long: may not be (longer|more) than 1024/,
  });
  cm('huge object', 'huge-501-overrides', { ...okSpec, overrides: [{ clusterName: 'member1', clusterOverrides: Array.from({ length: 501 }, (_, i) => ({ path: `/data/k${i}`, op: 'add', value: 'v' })) }] }, {
    rejected: /spec\.overrides\[0\]\.clusterOverrides: Too many: 501: must have at most 500 items/,
  });
  cm('huge object', 'huge-1001-override-clusters', { ...okSpec, overrides: Array.from({ length: 1001 }, (_, i) => ({ clusterName: `c${i}` })) }, {
    rejected: /spec\.overrides: Too many: 1001: must have at most 1000 items/,
  });

  // --- Override paths the schema cannot judge: accepted, and that cluster alone gets ApplyOverridesFailed.
  const badOverride = (id: string, clusterOverrides: unknown[], template: Obj = { data: { a: '1' } }): void =>
    cm('bad override path', `override-${id}`, { template, placement: { clusters: both }, overrides: [{ clusterName: 'member2', clusterOverrides }] }, {
      propagation: 'False/CheckClusters member1,member2:ApplyOverridesFailed',
    });
  badOverride('no-leading-slash', [{ path: 'data/a', value: 'x' }]);
  badOverride('empty-path', [{ path: '', value: 'x' }]);
  badOverride('fragment-path', [{ path: '#/data/a', value: 'x' }]);
  badOverride('bare-word', [{ op: 'remove', path: 'data' }]);
  badOverride('tilde-2', [{ path: '/data/~2', value: 'x' }]);
  badOverride('trailing-tilde', [{ op: 'add', path: '/data/a~', value: 'x' }]);
  badOverride('tilde-x', [{ op: 'add', path: '/~x', value: 'x' }]);
  badOverride('remove-missing', [{ op: 'remove', path: '/data/missing' }]);
  badOverride('replace-replicas-of-configmap', [{ path: '/spec/replicas', value: 3 }]);
  badOverride('remove-missing-label', [{ op: 'remove', path: '/metadata/labels/none' }]);
  badOverride('add-under-string', [{ op: 'add', path: '/data/a/b', value: 'x' }]);
  badOverride('add-under-missing-parent', [{ op: 'add', path: '/nothing/here', value: 'x' }]);
  badOverride('add-deep-missing', [{ op: 'add', path: '/metadata/annotations/x/y', value: 'x' }]);
  badOverride('metadata-renamed', [{ path: '/metadata', value: { name: 'someone-else' } }]);
  badOverride('metadata-emptied', [{ path: '/metadata', value: {} }]);
  badOverride('labels-a-list', [{ op: 'add', path: '/metadata/labels', value: ['a'] }]);
  badOverride('labels-a-string', [{ op: 'add', path: '/metadata/labels', value: 'a=b' }]);
  badOverride('same-path-twice', [{ op: 'add', path: '/data/b', value: 'x' }, { op: 'add', path: '/data/b', value: 'y' }]);
  // Listed with the bad paths they were once taken for, but fine for KubeFed's json-patch
  // (src/sync/overrides.ts): replace creates a missing key, and an absent value writes null, which the
  // member takes as no value. They propagate, as they did in KubeFed.
  const keptOverride = (id: string, clusterOverrides: unknown[]): void =>
    cm('bad override path', `override-${id}`, { template: { data: { a: '1' } }, placement: { clusters: both }, overrides: [{ clusterName: 'member2', clusterOverrides }] }, {
      propagation: 'True member1,member2',
    });
  keptOverride('replace-missing', [{ op: 'replace', path: '/data/missing', value: 'x' }]);
  keptOverride('add-without-value', [{ op: 'add', path: '/data/new' }]);
  keptOverride('replace-without-value', [{ path: '/data/a' }]);
  cm('bad override path', 'override-cluster-twice', {
    ...okSpec,
    overrides: [{ clusterName: 'member2', clusterOverrides: [{ path: '/data/a', value: '2' }] }, { clusterName: 'member2', clusterOverrides: [] }],
  }, { propagation: 'False/CheckClusters member1,member2:ApplyOverridesFailed' });
  const ports = { template: { spec: { ports: [{ port: 80 }] } }, placement: { clusters: both } };
  for (const [id, override] of [
    ['index-out-of-range', { path: '/spec/ports/5', value: { port: 81 } }],
    ['index-not-a-number', { path: '/spec/ports/first/port', value: 81 }],
    ['dash-with-replace', { op: 'replace', path: '/spec/ports/-', value: { port: 81 } }],
  ] as const) {
    fed('bad override path', `override-svc-${id}`, 'federatedservices', 'FederatedService', { ...ports, overrides: [{ clusterName: 'member1', clusterOverrides: [override] }] }, {
      propagation: 'False/CheckClusters member1:ApplyOverridesFailed,member2',
    });
  }

  // --- Templates the member API servers refuse: CreationFailed in every cluster, not retried until changed.
  const refused = 'False/CheckClusters member1:CreationFailed,member2:CreationFailed';
  const refusedTemplate = (id: string, template: Obj): void => cm('refused by the member', `member-refuses-${id}`, { template, placement: { clusters: both } }, { propagation: refused });
  refusedTemplate('number-value', { data: { a: 5 } });
  refusedTemplate('bool-value', { data: { a: true } });
  refusedTemplate('object-value', { data: { a: { b: 'c' } } });
  refusedTemplate('list-value', { data: { a: ['b'] } });
  for (const [i, key] of ['a b', 'x/y', '..', 'ä', 'a:b', 'a*b'].entries()) refusedTemplate(`bad-key-${i}`, { data: { [key]: 'v' } });
  refusedTemplate('binary-not-base64', { binaryData: { b: '%%%' } });
  refusedTemplate('key-in-data-and-binary', { data: { a: '1' }, binaryData: { a: 'MQ==' } });
  refusedTemplate('unknown-field', { bogus: { nested: 1 }, data: { a: '1' } });
  refusedTemplate('immutable-a-string', { immutable: 'yes', data: { a: '1' } });
  refusedTemplate('api-version-v2', { apiVersion: 'v2', data: { a: '1' } });
  refusedTemplate('api-version-other-group', { apiVersion: 'bogus.example.com/v1', data: { a: '1' } });
  refusedTemplate('label-key-invalid', { metadata: { labels: { 'a b': 'x' } }, data: { a: '1' } });
  refusedTemplate('label-value-too-long', { metadata: { labels: { a: 'x'.repeat(64) } }, data: { a: '1' } });
  refusedTemplate('annotation-key-invalid', { metadata: { annotations: { 'a b/c d': 'x' } }, data: { a: '1' } });
  const secret = (id: string, template: Obj): void =>
    fed('refused by the member', `member-refuses-secret-${id}`, 'federatedsecrets', 'FederatedSecret', { template, placement: { clusters: both } }, { propagation: refused });
  secret('data-not-base64', { data: { token: 'not base64!' } });
  secret('tls-without-keys', { type: 'kubernetes.io/tls', data: { a: 'MQ==' } });
  secret('string-data-number', { stringData: { a: 1 } });
  const service = (id: string, spec: Obj, name = `member-refuses-svc-${id}`): void =>
    fed('refused by the member', `member-refuses-svc-${id}`, 'federatedservices', 'FederatedService', { template: { spec }, placement: { clusters: both } }, { propagation: refused }, name);
  service('port-zero', { ports: [{ port: 0 }] });
  service('port-too-big', { ports: [{ port: 70000 }] });
  service('protocol-icmp', { ports: [{ port: 80, protocol: 'ICMP' }] });
  service('type-bogus', { type: 'Bogus', ports: [{ port: 80 }] });
  service('no-ports', { type: 'ClusterIP' });
  const deployment = (id: string, spec: Obj): void =>
    fed('refused by the member', `member-refuses-deploy-${id}`, 'federateddeployments', 'FederatedDeployment', { template: { spec }, placement: { clusters: both } }, { propagation: refused });
  const pod = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
  deployment('no-selector', { template: pod });
  deployment('selector-mismatch', { selector: { matchLabels: { app: 'y' } }, template: pod });
  deployment('negative-replicas', { replicas: -1, selector: { matchLabels: { app: 'x' } }, template: pod });
  deployment('no-containers', { selector: { matchLabels: { app: 'x' } }, template: { metadata: pod.metadata, spec: { containers: [] } } });

  // --- Names: refused by the host, or valid for the host and refused by the member for the target kind.
  for (const [i, name] of ['UPPER', 'under_score', '-lead', 'trail-', 'sp ace', 'dot..dot', 'ünï', 'a'.repeat(254)].entries()) {
    fed('invalid name', `name-host-refuses-${i}`, 'federatedconfigmaps', 'FederatedConfigMap', okSpec, {
      rejected: /metadata\.name: Invalid value: .*(a lowercase RFC 1123 subdomain|must be no more than 253 characters)/,
    }, name);
  }
  for (const [i, name] of ['1svc', 'svc.dot', `s${'x'.repeat(63)}`].entries()) {
    fed('invalid name', `name-member-refuses-${i}`, 'federatedservices', 'FederatedService', { template: { spec: { ports: [{ port: 80 }] } }, placement: { clusters: both } }, {
      propagation: refused,
    }, name);
  }
  fed('invalid name', 'name-at-the-limit', 'federatedconfigmaps', 'FederatedConfigMap', okSpec, { propagation: 'True member1,member2' }, `n${'x'.repeat(252)}`);

  // --- Unknown clusters and placements that cannot be evaluated.
  const withUnknown = (id: string, clusters: Obj[], expected: string): void =>
    cm('unknown cluster', `cluster-${id}`, { template: { data: { a: '1' } }, placement: { clusters } }, { propagation: expected });
  withUnknown('nowhere', [{ name: 'member1' }, { name: 'nowhere' }], 'False/CheckClusters member1,nowhere:ClusterNotReady');
  withUnknown('member3', [{ name: 'member1' }, { name: 'member3' }], 'False/CheckClusters member1,member3:ClusterNotReady');
  withUnknown('upper-case', [{ name: 'member1' }, { name: 'MEMBER2' }], 'False/CheckClusters MEMBER2:ClusterNotReady,member1');
  withUnknown('trailing-space', [{ name: 'member1' }, { name: 'member2 ' }], 'False/CheckClusters member1,member2 :ClusterNotReady');
  withUnknown('only-unknown', [{ name: 'ghost' }], 'False/CheckClusters ghost:ClusterNotReady');
  withUnknown('listed-twice', [{ name: 'member1' }, { name: 'member1' }], 'True member1');
  withUnknown('not-ready', [{ name: 'member1' }, { name: 'bad-token' }], 'False/CheckClusters bad-token:ClusterNotReady,member1');
  withUnknown('impostor', [{ name: 'member1' }, { name: 'impostor' }], 'False/CheckClusters impostor:CachedRetrievalFailed,member1');
  cm('unknown cluster', 'cluster-override-for-unknown', { ...okSpec, overrides: [{ clusterName: 'nowhere', clusterOverrides: [{ path: '/data/a', value: '2' }] }] }, { propagation: 'True member1,member2' });
  cm('unknown cluster', 'cluster-selector-matches-none', { template: { data: { a: '1' } }, placement: { clusterSelector: { matchLabels: { region: 'mars' } } } }, { propagation: 'True ' });
  const badSelector = (id: string, clusterSelector: Obj): void =>
    cm('unknown cluster', `selector-${id}`, { template: { data: { a: '1' } }, placement: { clusterSelector } }, { propagation: 'False/ComputePlacementFailed ' });
  badSelector('bogus-operator', { matchExpressions: [{ key: 'region', operator: 'Near', values: ['eu'] }] });
  badSelector('in-without-values', { matchExpressions: [{ key: 'region', operator: 'In' }] });
  badSelector('exists-with-values', { matchExpressions: [{ key: 'region', operator: 'Exists', values: ['eu'] }] });
  badSelector('invalid-key', { matchExpressions: [{ key: 'a b', operator: 'Exists' }] });
  badSelector('invalid-label-value', { matchLabels: { region: 'e u' } });

  // --- Unknown kinds.
  for (const plural of ['federatedbogus', 'federatedpods']) {
    add({ id: `kind-${plural}`, inputClass: 'unknown kind', ...TYPES, plural, namespace: ns, body: fedBody('FederatedBogus', `kind-${plural}`, okSpec), expect: { rejected: /the server could not find the requested resource|404/ } });
  }
  cm('unknown kind', 'kind-template-says-secret', { template: { kind: 'Secret', data: { a: '1' } }, placement: { clusters: both } }, { propagation: 'True member1,member2' });
  const ftc = (id: string, name: string, target: Obj, federated: Obj, expect: Expectation): void =>
    add({
      id,
      inputClass: 'unknown kind',
      ...CORE,
      plural: 'federatedtypeconfigs',
      namespace: ctx.kubefedNs,
      body: { apiVersion: 'core.kubefed.io/v1beta1', kind: 'FederatedTypeConfig', metadata: { name, namespace: ctx.kubefedNs }, spec: { targetType: target, propagation: 'Enabled', federatedType: federated } },
      expect,
    });
  ftc('kind-ftc-widgets', 'widgets.bogus.example.com', { group: 'bogus.example.com', version: 'v1', kind: 'Widget', pluralName: 'widgets', scope: 'Namespaced' },
    { group: 'types.kubefed.io', version: 'v1beta1', kind: 'FederatedWidget', pluralName: 'federatedwidgets', scope: 'Namespaced' }, { typeConfig: 'NotRunning' });
  ftc('kind-ftc-pods', 'pods', { version: 'v1', kind: 'Pod', pluralName: 'pods', scope: 'Namespaced' },
    { group: 'types.kubefed.io', version: 'v1beta1', kind: 'FederatedPod', pluralName: 'federatedpods', scope: 'Namespaced' }, { typeConfig: 'NotRunning' });
  ftc('kind-ftc-misnamed', 'not-the-plural', { version: 'v1', kind: 'Node', pluralName: 'nodes', scope: 'Cluster' },
    { group: 'types.kubefed.io', version: 'v1beta1', kind: 'FederatedNode', pluralName: 'federatednodes', scope: 'Cluster' }, { rejected: /metadata\.name/ });
  const rsp = (inputClass: string, id: string, spec: Obj, expect: Expectation): void =>
    add({ id, inputClass, ...SCHEDULING, plural: 'replicaschedulingpreferences', namespace: ns, body: { apiVersion: 'scheduling.kubefed.io/v1alpha1', kind: 'ReplicaSchedulingPreference', metadata: { name: id, namespace: ns }, spec }, expect });
  for (const [i, targetKind] of ['FederatedConfigMap', 'Deployment', 'FederatedBogus', ''].entries()) {
    rsp('unknown kind', `rsp-kind-${i}`, { targetKind, totalReplicas: 3 }, { scheduled: /^False\/UnsupportedTargetKind spec\.targetKind ".*" is not one of FederatedDeployment, FederatedReplicaSet/ });
  }

  // --- ReplicaSchedulingPreference contradictions.
  rsp('rsp contradiction', 'rsp-min-above-max', { targetKind: 'FederatedDeployment', totalReplicas: 3, clusters: { member1: { minReplicas: 5, maxReplicas: 2 } } }, { rejected: /spec\.clusters\[member1\]\.minReplicas: Invalid value: .*minReplicas must not be greater than maxReplicas/ });
  rsp('rsp contradiction', 'rsp-min-above-max-any', { targetKind: 'FederatedDeployment', totalReplicas: 3, clusters: { '*': { minReplicas: 1, maxReplicas: 0 } } }, { rejected: /spec\.clusters\[\*\]\.minReplicas: Invalid value: .*minReplicas must not be greater than maxReplicas/ });
  rsp('rsp contradiction', 'rsp-negative-total', { targetKind: 'FederatedDeployment', totalReplicas: -1 }, { rejected: /spec\.totalReplicas: Invalid value: -1: .*greater than or equal to 0/ });
  rsp('rsp contradiction', 'rsp-total-a-string', { targetKind: 'FederatedDeployment', totalReplicas: 'three' }, { rejected: /spec\.totalReplicas: Invalid value: .*must be of type integer/ });
  rsp('rsp contradiction', 'rsp-total-fraction', { targetKind: 'FederatedDeployment', totalReplicas: 2.5 }, { rejected: /spec\.totalReplicas: Invalid value: .*must be of type integer/ });
  for (const field of ['weight', 'minReplicas', 'maxReplicas']) {
    rsp('rsp contradiction', `rsp-negative-${field.toLowerCase()}`, { targetKind: 'FederatedDeployment', totalReplicas: 3, clusters: { member1: { [field]: -1 } } }, { rejected: new RegExp(`spec\\.clusters\\.member1\\.${field}: Invalid value: -1: .*greater than or equal to 0`) });
  }
  rsp('rsp contradiction', 'rsp-without-target-kind', { totalReplicas: 3 }, { rejected: /spec\.targetKind: Required value/ });
  rsp('rsp contradiction', 'rsp-target-missing', { targetKind: 'FederatedDeployment', totalReplicas: 3 }, { scheduled: /^False\/TargetNotFound FederatedDeployment corpus\/rsp-target-missing does not exist/ });
  rsp('rsp contradiction', 'rsp-replicaset-missing', { targetKind: 'FederatedReplicaSet', totalReplicas: 3 }, { scheduled: /^False\/TargetNotFound FederatedReplicaSet corpus\/rsp-replicaset-missing does not exist/ });

  // --- Huge objects, around the host's limits (etcd takes requests up to 1.5 MiB; a ConfigMap holds at most 1 MiB).
  const data = (bytes: number): Record<string, string> => ({ big: 'x'.repeat(bytes) });
  cm('huge object', 'huge-900k', { template: { data: data(900 * 1024) }, placement: { clusters: both } }, { propagation: 'True member1,member2' });
  cm('huge object', 'huge-1100k', { template: { data: data(1100 * 1024) }, placement: { clusters: both } }, { propagation: refused });
  cm('huge object', 'huge-1400k', { template: { data: data(1400 * 1024) }, placement: { clusters: both } }, { propagation: refused });
  // etcd's 1.5 MiB request limit is behind the API server's 2 MiB gRPC message limit, which refuses first.
  cm('huge object', 'huge-2m', { template: { data: data(2 * 1024 * 1024) }, placement: { clusters: both } }, { rejected: /ResourceExhausted desc = trying to send message larger than max/ });
  cm('huge object', 'huge-4m', { template: { data: data(4 * 1024 * 1024) }, placement: { clusters: both } }, { rejected: /request is too large|Request entity too large|limit is 3145728/i });
  cm('huge object', 'huge-5000-keys', { template: { data: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, `v${i}`])) }, placement: { clusters: both } }, { propagation: 'True member1,member2' });
  let deep: Obj = { leaf: 'x' };
  for (let i = 0; i < 60; i++) deep = { d: deep };
  cm('huge object', 'huge-deep-nesting', { template: { data: { a: '1' }, deep }, placement: { clusters: both } }, { propagation: refused });

  // --- KubeFedClusters with a bad CA, endpoint or token.
  const kfc = (id: string, spec: Obj, expect: Expectation, secrets?: Record<string, Record<string, string>>, name = id): void =>
    add({
      id,
      inputClass: 'bad KubeFedCluster',
      ...CORE,
      plural: 'kubefedclusters',
      namespace: ctx.kubefedNs,
      body: { apiVersion: 'core.kubefed.io/v1beta1', kind: 'KubeFedCluster', metadata: { name, namespace: ctx.kubefedNs }, spec },
      ...(secrets ? { secrets } : {}),
      expect,
    });
  const tokenSecret = (id: string, token: string): Record<string, Record<string, string>> => ({ [`${id}-secret`]: { token: b64(token) } });
  const good = { apiEndpoint: ctx.member2.server, caBundle: ctx.member2.caBundle };
  const unreachable = (detail: string): Expectation => ({ cluster: new RegExp(`^Ready=False/ClusterNotReachable cluster is not reachable: .*${detail}`, 'i') });
  const malformed = (detail: string): Expectation => ({ cluster: new RegExp(`^Ready=False/ClusterConfigMalformed cluster's configuration may be malformed: .*${detail}`) });
  kfc('bad-ca-garbage', { ...good, caBundle: b64('not a certificate'), secretRef: { name: 'bad-ca-garbage-secret' } }, unreachable('certificate|PEM|unable'), tokenSecret('bad-ca-garbage', ctx.member2Token));
  kfc('bad-ca-other-ca', { ...good, caBundle: ctx.hostCaBundle, secretRef: { name: 'bad-ca-other-ca-secret' } }, unreachable('certificate'), tokenSecret('bad-ca-other-ca', ctx.member2Token));
  kfc('bad-ca-not-base64', { ...good, caBundle: 'not base64!', secretRef: { name: 'x' } }, { rejected: /spec\.caBundle: Invalid value: .*(byte|base64)/ });
  // With TLS verification off a garbage CA does not matter. (The host, with a token that may do nothing: a
  // second KubeFedCluster for member2 would make two sync loops fight over member2's objects.)
  kfc('bad-ca-skipped', { apiEndpoint: ctx.host.server, caBundle: b64('not a certificate'), disabledTLSValidations: ['*'], secretRef: { name: 'bad-ca-skipped-secret' } }, { cluster: /^Ready=True\/ClusterReady \/healthz responded with ok/ }, tokenSecret('bad-ca-skipped', ctx.host.nobodyToken));
  kfc('bad-endpoint-closed-port', { apiEndpoint: `https://127.0.0.1:${ctx.closedPort}`, secretRef: { name: 'bad-endpoint-closed-port-secret' } }, unreachable('ECONNREFUSED'), tokenSecret('bad-endpoint-closed-port', ctx.member2Token));
  kfc('bad-endpoint-blackhole', { apiEndpoint: `https://127.0.0.1:${ctx.blackholePort}`, secretRef: { name: 'bad-endpoint-blackhole-secret' } }, unreachable('timed out'), tokenSecret('bad-endpoint-blackhole', ctx.member2Token));
  // Plain http endpoints: client-node refuses to send a token over http unless TLS checks are disabled.
  const insecure = { disabledTLSValidations: ['*'] };
  kfc('bad-endpoint-http-not-allowed', { apiEndpoint: `http://127.0.0.1:${ctx.notFoundPort}`, secretRef: { name: 'bad-endpoint-http-not-allowed-secret' } }, malformed('HTTP protocol is not allowed when skipTLSVerify is not set or false'), tokenSecret('bad-endpoint-http-not-allowed', ctx.member2Token));
  kfc('bad-endpoint-not-kubernetes', { apiEndpoint: `http://127.0.0.1:${ctx.notFoundPort}`, ...insecure, secretRef: { name: 'bad-endpoint-not-kubernetes-secret' } }, unreachable('404 page not found'), tokenSecret('bad-endpoint-not-kubernetes', ctx.member2Token));
  kfc('impostor', { apiEndpoint: `http://127.0.0.1:${ctx.impostorPort}`, ...insecure, secretRef: { name: 'impostor-secret' } }, { cluster: /^Ready=True\/ClusterReady/ }, tokenSecret('impostor', ctx.member2Token));
  kfc('bad-endpoint-http-to-https', { apiEndpoint: `http://127.0.0.1:${ctx.member2.port}`, ...insecure, secretRef: { name: 'bad-endpoint-http-to-https-secret' } }, unreachable('Client sent an HTTP request to an HTTPS server'), tokenSecret('bad-endpoint-http-to-https', ctx.member2Token));
  kfc('bad-endpoint-unparsable', { apiEndpoint: 'https://[::1', secretRef: { name: 'bad-endpoint-unparsable-secret' } }, malformed('Invalid URL'), tokenSecret('bad-endpoint-unparsable', ctx.member2Token));
  kfc('bad-endpoint-port-out-of-range', { apiEndpoint: 'https://127.0.0.1:99999', secretRef: { name: 'bad-endpoint-port-out-of-range-secret' } }, malformed('Invalid URL'), tokenSecret('bad-endpoint-port-out-of-range', ctx.member2Token));
  kfc('bad-endpoint-spaces', { apiEndpoint: 'not a url at all', secretRef: { name: 'bad-endpoint-spaces-secret' } }, malformed('Invalid URL'), tokenSecret('bad-endpoint-spaces', ctx.member2Token));
  kfc('bad-endpoint-ftp', { apiEndpoint: 'ftp://127.0.0.1:21', secretRef: { name: 'x' } }, { rejected: /spec\.apiEndpoint: Invalid value: .*apiEndpoint must use the http or https scheme/ });
  kfc('bad-endpoint-empty', { apiEndpoint: '', secretRef: { name: 'x' } }, { rejected: /spec\.apiEndpoint: Invalid value: "": .*at least 1 chars long/ });
  kfc('bad-token', { ...good, secretRef: { name: 'bad-token-secret' } }, unreachable('Unauthorized'), tokenSecret('bad-token', 'not-a-real-token'));
  kfc('bad-token-other-cluster', { ...good, secretRef: { name: 'bad-token-other-cluster-secret' } }, unreachable('Unauthorized'), tokenSecret('bad-token-other-cluster', ctx.member1Token));
  kfc('bad-token-newline', { ...good, secretRef: { name: 'bad-token-newline-secret' } }, unreachable('Invalid character in header'), tokenSecret('bad-token-newline', 'abc\ndef'));
  kfc('bad-token-empty', { ...good, secretRef: { name: 'bad-token-empty-secret' } }, malformed('has no data key "token"'), { 'bad-token-empty-secret': { token: '' } });
  kfc('bad-token-key-missing', { ...good, secretRef: { name: 'bad-token-key-missing-secret' } }, malformed('has no data key "token"'), { 'bad-token-key-missing-secret': { tokn: b64(ctx.member2Token) } });
  kfc('bad-token-secret-missing', { ...good, secretRef: { name: 'no-such-secret' } }, malformed('secret kube-federation-system/no-such-secret not found'));
  kfc('bad-secret-name', { ...good, secretRef: { name: 'Bad_Name' } }, { rejected: /spec\.secretRef\.name: Invalid value: .*should match/ });
  kfc('bad-tls-list', { ...good, disabledTLSValidations: ['*', 'SubjectName'], secretRef: { name: 'x' } }, { rejected: /spec\.disabledTLSValidations: Invalid value: .*when \* is specified, it is expected to be the only option in list/ });
  kfc('bad-tls-value', { ...good, disabledTLSValidations: ['Everything'], secretRef: { name: 'x' } }, { rejected: /spec\.disabledTLSValidations\[0\]: Unsupported value: "Everything"/ });
  kfc('bad-proxy-scheme', { ...good, proxyURL: 'ftp://127.0.0.1:21', secretRef: { name: 'x' } }, { rejected: /spec\.proxyURL: Invalid value: .*proxyURL must use the http, https or socks5 scheme/ });
  kfc('bad-proxy-closed', { ...good, proxyURL: `socks5://127.0.0.1:${ctx.closedPort}`, secretRef: { name: 'bad-proxy-closed-secret' } }, unreachable('ECONNREFUSED|connect|socks|proxy'), tokenSecret('bad-proxy-closed', ctx.member2Token));
  kfc('bad-kfc-name', { ...good, secretRef: { name: 'x' } }, { rejected: /metadata\.name: Invalid value: .*a lowercase RFC 1123 subdomain/ }, undefined, 'Bad.Name_');

  return entries;
}
