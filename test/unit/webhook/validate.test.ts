import { describe, expect, it } from 'vitest';
import { defaultFederatedTypeConfigs } from '../../../src/api/default-types.js';
import { defaultKubeFedConfigSpec } from '../../../src/api/kubefedconfig.js';
import {
  validateFederatedObject,
  validateFederatedTypeConfig,
  validateKubeFedCluster,
  validateKubeFedConfig,
  validateReplicaSchedulingPreference,
  type AdmissionDecision,
  type AdmissionInput,
  type AdmissionValidator,
} from '../../../src/webhook/validate.js';

// A throwaway self-signed CA made with openssl for these tests (no key is kept anywhere).
const CA_PEM = `-----BEGIN CERTIFICATE-----
MIIBqzCCAVGgAwIBAgIUcgacGF9QsLznqFslCAw/LQOoiaYwCgYIKoZIzj0EAwIw
KjEoMCYGA1UEAwwfa3ViZWZlZC10cy13ZWJob29rLXVuaXQtdGVzdC1jYTAgFw0y
NjExMjMxODEzMjJaGA8yMTI2MTAzMDE4MTMyMlowKjEoMCYGA1UEAwwfa3ViZWZl
ZC10cy13ZWJob29rLXVuaXQtdGVzdC1jYTBZMBMGByqGSM49AgEGCCqGSM49AwEH
A0IABFGoYReXkQsKuNbU2alHP/acIax3pimgs2SXCclqRURZwQGRdTZp4UpY0+vO
w1mCJLZj9ERNCHUaPhldHzYgibmjUzBRMB0GA1UdDgQWBBRYuxAyiuVIHyNRoqis
sXCgYoSHQzAfBgNVHSMEGDAWgBRYuxAyiuVIHyNRoqissXCgYoSHQzAPBgNVHRMB
Af8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIG95oHvJWn10lfUi3VXq+y68hYYi
OS3Pc5bxwjepfaQ/AiEAoIjNGBQKQGkm0tvpjMKkjWL1LsYXsHI1hOQ4ZYMW0/M=
-----END CERTIFICATE-----
`;
const base64 = (text: string) => Buffer.from(text).toString('base64');

type Json = Record<string, unknown>;

const create = (object: unknown): AdmissionInput => ({ operation: 'CREATE', object });
const update = (object: unknown, oldObject: unknown): AdmissionInput => ({ operation: 'UPDATE', object, oldObject });

/** The fields a denial names, in order: each error is `field: message`, errors are joined with "; ". */
function deniedFields(decision: AdmissionDecision): string[] {
  if (decision.allowed) throw new Error('expected a denial, got allowed');
  return decision.message.split(/; (?=(?:spec|metadata|status)[.[:])/).map((error) => error.slice(0, error.indexOf(': ')));
}

function expectDenied(decision: AdmissionDecision, fields: string[], messagePart?: string): void {
  expect(decision).toMatchObject({ allowed: false, code: 403 });
  expect(deniedFields(decision)).toEqual(fields);
  if (messagePart !== undefined && !decision.allowed) expect(decision.message).toContain(messagePart);
}

// ---------------------------------------------------------------------------------------------------------

const kfc = (spec: Json, status?: Json): Json => ({
  apiVersion: 'core.kubefed.io/v1beta1',
  kind: 'KubeFedCluster',
  metadata: { name: 'member1', namespace: 'kube-federation-system' },
  spec,
  ...(status && { status }),
});
const goodKfcSpec: Json = { apiEndpoint: 'https://10.0.0.1:6443', caBundle: base64(CA_PEM), secretRef: { name: 'member1-token' } };
const withKfc = (changes: Json) => kfc({ ...goodKfcSpec, ...changes });

describe('validateKubeFedCluster', () => {
  it.each<[string, Json]>([
    ['https URL with port and CA', kfc(goodKfcSpec)],
    ['bare host:port (https assumed)', withKfc({ apiEndpoint: 'member1.example.com:6443' })],
    ['bare IP', withKfc({ apiEndpoint: '10.0.0.1' })],
    ['http URL', withKfc({ apiEndpoint: 'http://127.0.0.1:8080' })],
    ['bracketed IPv6', withKfc({ apiEndpoint: 'https://[fd00::1]:6443' })],
    ['URL with a path (API server behind a proxy)', withKfc({ apiEndpoint: 'https://rancher.example.com/k8s/clusters/c-1' })],
    ['no caBundle (system roots)', kfc({ apiEndpoint: 'https://x.example.com', secretRef: { name: 'x' } })],
    ['two CA certificates', withKfc({ caBundle: base64(CA_PEM + CA_PEM) })],
    ['* alone', withKfc({ disabledTLSValidations: ['*'] })],
    ['two named TLS validations', withKfc({ disabledTLSValidations: ['SubjectName', 'ValidityPeriod'] })],
    ['socks5 proxy', withKfc({ proxyURL: 'socks5://proxy.example.com:1080' })],
    ['http proxy with credentials', withKfc({ proxyURL: 'http://user:secret@proxy:3128' })],
    ['empty proxyURL (KubeFed serialises it so)', withKfc({ proxyURL: '' })],
    ['syncMode Push, spelled out', withKfc({ syncMode: 'Push' })],
    ['syncMode Pull with neither apiEndpoint nor secretRef (the agent reaches the host)', kfc({ syncMode: 'Pull' })],
  ])('allows %s', (_name, object) => {
    expect(validateKubeFedCluster(create(object))).toEqual({ allowed: true });
  });

  it.each<[string, Json, string[], string]>([
    ['empty apiEndpoint', withKfc({ apiEndpoint: '' }), ['spec.apiEndpoint'], 'required'],
    ['apiEndpoint with ftp scheme', withKfc({ apiEndpoint: 'ftp://x.example.com' }), ['spec.apiEndpoint'], 'unsupported scheme "ftp"'],
    ['apiEndpoint port out of range', withKfc({ apiEndpoint: 'https://x.example.com:99999' }), ['spec.apiEndpoint'], 'port "99999"'],
    ['apiEndpoint port 0', withKfc({ apiEndpoint: 'x.example.com:0' }), ['spec.apiEndpoint'], 'port "0"'],
    ['apiEndpoint port not a number', withKfc({ apiEndpoint: 'https://x.example.com:https' }), ['spec.apiEndpoint'], 'port "https"'],
    ['apiEndpoint without host', withKfc({ apiEndpoint: 'https://:6443' }), ['spec.apiEndpoint'], 'has no host'],
    ['apiEndpoint unbracketed IPv6', withKfc({ apiEndpoint: 'fd00::1:6443' }), ['spec.apiEndpoint'], 'brackets'],
    ['apiEndpoint with credentials', withKfc({ apiEndpoint: 'https://admin:pw@x.example.com' }), ['spec.apiEndpoint'], 'credentials'],
    ['apiEndpoint with a query', withKfc({ apiEndpoint: 'https://x.example.com/?a=b' }), ['spec.apiEndpoint'], 'query'],
    ['apiEndpoint with spaces', withKfc({ apiEndpoint: 'https://x example.com' }), ['spec.apiEndpoint'], 'whitespace'],
    ['apiEndpoint unparsable host', withKfc({ apiEndpoint: 'https://ex<am>ple.com' }), ['spec.apiEndpoint'], 'cannot be parsed'],
    ['caBundle not base64', withKfc({ caBundle: 'not base64!' }), ['spec.caBundle'], 'base64'],
    ['caBundle without a certificate', withKfc({ caBundle: base64('hello') }), ['spec.caBundle'], 'no PEM certificate'],
    [
      'caBundle with a broken certificate',
      withKfc({ caBundle: base64('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n') }),
      ['spec.caBundle'],
      'cannot be parsed',
    ],
    ['secretRef missing', kfc({ apiEndpoint: 'https://x.example.com' }), ['spec.secretRef'], 'required'],
    ['syncMode Push without apiEndpoint and secretRef', kfc({ syncMode: 'Push' }), ['spec.apiEndpoint', 'spec.secretRef'], 'required'],
    ['an unknown syncMode', withKfc({ syncMode: 'Both' }), ['spec.syncMode'], '"Both"'],
    ['syncMode Pull with a malformed apiEndpoint', kfc({ syncMode: 'Pull', apiEndpoint: 'ftp://x' }), ['spec.apiEndpoint'], 'unsupported scheme "ftp"'],
    ['secretRef.name not a DNS subdomain', withKfc({ secretRef: { name: 'Member_1' } }), ['spec.secretRef.name'], 'RFC 1123 subdomain'],
    ['secretRef.name empty', withKfc({ secretRef: { name: '' } }), ['spec.secretRef.name'], 'required'],
    [
      '* with another TLS validation',
      withKfc({ disabledTLSValidations: ['*', 'SubjectName'] }),
      ['spec.disabledTLSValidations'],
      'when * is specified, it is expected to be the only option in list',
    ],
    ['unknown TLS validation', withKfc({ disabledTLSValidations: ['Hostname'] }), ['spec.disabledTLSValidations[0]'], '"Hostname"'],
    ['duplicate TLS validation', withKfc({ disabledTLSValidations: ['SubjectName', 'SubjectName'] }), ['spec.disabledTLSValidations[1]'], 'more than once'],
    ['proxyURL with ftp scheme', withKfc({ proxyURL: 'ftp://proxy:21' }), ['spec.proxyURL'], 'unsupported scheme "ftp"'],
    ['proxyURL without scheme', withKfc({ proxyURL: 'proxy.example.com:3128' }), ['spec.proxyURL'], 'no scheme'],
    ['proxyURL bad port', withKfc({ proxyURL: 'http://proxy:70000' }), ['spec.proxyURL'], 'port "70000"'],
    [
      'several errors at once',
      kfc({ apiEndpoint: 'gopher://x', secretRef: { name: 'A' }, proxyURL: 'ftp://p' }),
      ['spec.apiEndpoint', 'spec.secretRef.name', 'spec.proxyURL'],
      '; ',
    ],
    ['no spec', { apiVersion: 'core.kubefed.io/v1beta1', kind: 'KubeFedCluster', metadata: { name: 'x' } }, ['spec'], 'required'],
  ])('rejects %s', (_name, object, fields, messagePart) => {
    expectDenied(validateKubeFedCluster(create(object)), fields, messagePart);
  });

  const goodStatus = { conditions: [{ type: 'Ready', status: 'True', lastProbeTime: '2024-05-01T10:00:00Z', reason: 'ClusterReady' }] };

  it('judges only the status on the status subresource', () => {
    const badSpecGoodStatus = kfc({ apiEndpoint: 'ftp://x' }, goodStatus);
    expect(validateKubeFedCluster({ operation: 'UPDATE', subResource: 'status', object: badSpecGoodStatus, oldObject: kfc(goodKfcSpec) })).toEqual({
      allowed: true,
    });
  });

  it.each<[string, Json, string[]]>([
    ['unknown condition type', { conditions: [{ ...goodStatus.conditions[0], type: 'Healthy' }] }, ['status.conditions[0].type']],
    ['unknown condition status', { conditions: [{ ...goodStatus.conditions[0], status: 'Yes' }] }, ['status.conditions[0].status']],
    ['missing lastProbeTime', { conditions: [{ type: 'Ready', status: 'True' }] }, ['status.conditions[0].lastProbeTime']],
    ['malformed lastTransitionTime', { conditions: [{ ...goodStatus.conditions[0], lastTransitionTime: 'yesterday' }] }, ['status.conditions[0].lastTransitionTime']],
    ['no conditions', {}, ['status.conditions']],
  ])('rejects a status with %s', (_name, status, fields) => {
    const decision = validateKubeFedCluster({ operation: 'UPDATE', subResource: 'status', object: kfc(goodKfcSpec, status), oldObject: kfc(goodKfcSpec) });
    expectDenied(decision, fields);
  });
});

// ---------------------------------------------------------------------------------------------------------

const [deploymentsFtc] = defaultFederatedTypeConfigs('kube-federation-system').filter((ftc) => ftc.metadata.name === 'deployments.apps');
const ftc = (change: (spec: Json) => Json = (spec) => spec, name = 'deployments.apps'): Json => {
  const base = structuredClone(deploymentsFtc) as unknown as Json;
  return { ...base, metadata: { ...(base.metadata as Json), name }, spec: change(base.spec as Json) };
};
const withTarget = (changes: Json) => (spec: Json) => ({ ...spec, targetType: { ...(spec.targetType as Json), ...changes } });
const withFederated = (changes: Json) => (spec: Json) => ({ ...spec, federatedType: { ...(spec.federatedType as Json), ...changes } });

describe('validateFederatedTypeConfig', () => {
  it.each(defaultFederatedTypeConfigs('kube-federation-system').map((config) => [config.metadata.name, config] as const))(
    'allows the default FTC %s',
    (_name, config) => {
      expect(validateFederatedTypeConfig(create(config))).toEqual({ allowed: true });
    },
  );

  it('allows a status type and status collection', () => {
    const object = ftc((spec) => ({
      ...spec,
      statusCollection: 'Enabled',
      statusType: { group: 'core.kubefed.io', version: 'v1alpha1', kind: 'FederatedDeploymentStatus', pluralName: 'federateddeploymentstatuses', scope: 'Namespaced' },
    }));
    expect(validateFederatedTypeConfig(create(object))).toEqual({ allowed: true });
  });

  it.each<[string, Json, string[], string]>([
    ['name without the group', ftc(undefined, 'deployments'), ['metadata.name'], 'must be "deployments.apps", the pluralName[.group] of spec.targetType (got "deployments")'],
    ['name of another type', ftc(undefined, 'replicasets.apps'), ['metadata.name'], 'must be "deployments.apps"'],
    ['core-group name with a trailing dot', ftc(withTarget({ group: '', pluralName: 'configmaps', kind: 'ConfigMap', version: 'v1' }), 'configmaps.'), ['metadata.name'], 'must be "configmaps"'],
    ['target version not a DNS label', ftc(withTarget({ version: 'V1' })), ['spec.targetType.version'], '"V1"'],
    ['target kind not a name', ftc(withTarget({ kind: '1Deployment' })), ['spec.targetType.kind'], '"1Deployment"'],
    ['target pluralName missing', ftc(withTarget({ pluralName: '' })), ['spec.targetType.pluralName'], 'required'],
    ['target group not a DNS subdomain', ftc(withTarget({ group: 'Apps' })), ['spec.targetType.group'], '"Apps"'],
    ['target scope unknown', ftc(withTarget({ scope: 'Global' })), ['spec.targetType.scope'], 'Cluster, Namespaced'],
    ['federated group without a dot', ftc(withFederated({ group: 'types' })), ['spec.federatedType.group'], 'at least one dot'],
    ['federated group missing', ftc(withFederated({ group: undefined })), ['spec.federatedType.group'], 'required'],
    ['propagation unknown', ftc((spec) => ({ ...spec, propagation: 'On' })), ['spec.propagation'], '"On"'],
    ['statusCollection unknown', ftc((spec) => ({ ...spec, statusCollection: 'Yes' })), ['spec.statusCollection'], '"Yes"'],
    [
      'status type group without a dot',
      ftc((spec) => ({ ...spec, statusType: { group: 'status', version: 'v1', kind: 'S', pluralName: 'ses', scope: 'Namespaced' } })),
      ['spec.statusType.group'],
      'at least one dot',
    ],
    [
      'several errors at once',
      ftc((spec) => ({ ...withFederated({ version: '' })(spec), propagation: 'Sometimes' }), 'wrong'),
      ['spec.propagation', 'spec.federatedType.version', 'metadata.name'],
      'required',
    ],
  ])('rejects %s', (_name, object, fields, messagePart) => {
    expectDenied(validateFederatedTypeConfig(create(object)), fields, messagePart);
  });

  const storedStatus = { observedGeneration: 1, propagationController: 'Running' };
  const statusUpdate = (status: unknown): AdmissionInput => ({
    operation: 'UPDATE',
    subResource: 'status',
    object: { ...ftc(), status },
    oldObject: { ...ftc(), status: storedStatus },
  });

  it('allows a good status, even when the spec has problems', () => {
    expect(validateFederatedTypeConfig(statusUpdate({ observedGeneration: 2, propagationController: 'Running' }))).toEqual({ allowed: true });
    const badName = { ...ftc(undefined, 'wrong'), status: { observedGeneration: 1, propagationController: 'NotRunning', statusController: 'NotRunning' } };
    expect(validateFederatedTypeConfig({ operation: 'UPDATE', subResource: 'status', object: badName, oldObject: badName })).toEqual({ allowed: true });
  });

  it.each<[string, unknown, string[]]>([
    ['negative observedGeneration', { observedGeneration: -1, propagationController: 'Running' }, ['status.observedGeneration']],
    ['unknown propagationController', { observedGeneration: 1, propagationController: 'Started' }, ['status.propagationController']],
    ['missing propagationController', { observedGeneration: 1 }, ['status.propagationController']],
    ['unknown statusController', { observedGeneration: 1, propagationController: 'Running', statusController: 'Up' }, ['status.statusController']],
    ['no status', undefined, ['status']],
  ])('rejects a status with %s', (_name, status, fields) => {
    expectDenied(validateFederatedTypeConfig(statusUpdate(status)), fields);
  });
});

// ---------------------------------------------------------------------------------------------------------

const kubeFedConfig = (changes: Json = {}): Json => {
  const spec = defaultKubeFedConfigSpec('Cluster') as unknown as Json;
  const merged: Json = { ...spec };
  for (const [key, value] of Object.entries(changes)) {
    merged[key] = typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...(spec[key] as Json), ...value } : value;
  }
  return { apiVersion: 'core.kubefed.io/v1beta1', kind: 'KubeFedConfig', metadata: { name: 'kubefed', namespace: 'kube-federation-system' }, spec: merged };
};

describe('validateKubeFedConfig', () => {
  it.each<[string, Json]>([
    ['the defaults', kubeFedConfig()],
    ['Namespaced scope', kubeFedConfig({ scope: 'Namespaced' })],
    ['KubeFed leader-election defaults with a configmaps lock', kubeFedConfig({ leaderElect: { leaseDuration: '15s', renewDeadline: '10s', retryPeriod: '5s', resourceLock: 'configmaps' } })],
    ['renewDeadline just above 1.2 × retryPeriod', kubeFedConfig({ leaderElect: { leaseDuration: '3s', renewDeadline: '2.5s', retryPeriod: '2s' } })],
    ['only scope (the CRD defaults the rest)', { apiVersion: 'core.kubefed.io/v1beta1', kind: 'KubeFedConfig', metadata: { name: 'kubefed' }, spec: { scope: 'Cluster' } }],
  ])('allows %s', (_name, object) => {
    expect(validateKubeFedConfig(create(object))).toEqual({ allowed: true });
  });

  it.each<[string, Json, string[], string]>([
    ['unknown scope', kubeFedConfig({ scope: 'Global' }), ['spec.scope'], '"Global"'],
    ['leaseDuration equal to renewDeadline', kubeFedConfig({ leaderElect: { leaseDuration: '10s', renewDeadline: '10s' } }), ['spec.leaderElect.leaseDuration'], 'must be greater than renewDeadline (10s)'],
    ['renewDeadline equal to 1.2 × retryPeriod', kubeFedConfig({ leaderElect: { leaseDuration: '3s', renewDeadline: '2.4s', retryPeriod: '2s' } }), ['spec.leaderElect.renewDeadline'], '1.2 × 2s = 2.4s'],
    ['renewDeadline below retryPeriod', kubeFedConfig({ leaderElect: { renewDeadline: '1s', retryPeriod: '5s' } }), ['spec.leaderElect.renewDeadline'], 'must be greater than 1.2 × retryPeriod'],
    [
      'leaseDuration below the default renewDeadline when the rest is left out',
      { apiVersion: 'core.kubefed.io/v1beta1', kind: 'KubeFedConfig', metadata: { name: 'kubefed' }, spec: { scope: 'Cluster', leaderElect: { leaseDuration: '5s' } } },
      ['spec.leaderElect.leaseDuration'],
      'renewDeadline (10s)',
    ],
    ['zero availableDelay', kubeFedConfig({ controllerDuration: { availableDelay: '0s' } }), ['spec.controllerDuration.availableDelay'], 'greater than 0'],
    ['negative cacheSyncTimeout', kubeFedConfig({ controllerDuration: { cacheSyncTimeout: '-1m' } }), ['spec.controllerDuration.cacheSyncTimeout'], 'greater than 0'],
    ['malformed duration', kubeFedConfig({ clusterHealthCheck: { period: 'often' } }), ['spec.clusterHealthCheck.period'], 'not a duration'],
    ['zero pull heartbeat grace period', kubeFedConfig({ clusterHealthCheck: { pullHeartbeatGracePeriod: '0s' } }), ['spec.clusterHealthCheck.pullHeartbeatGracePeriod'], 'greater than 0'],
    ['malformed pull heartbeat grace period', kubeFedConfig({ clusterHealthCheck: { pullHeartbeatGracePeriod: 'soon' } }), ['spec.clusterHealthCheck.pullHeartbeatGracePeriod'], 'not a duration'],
    ['unknown resource lock', kubeFedConfig({ leaderElect: { resourceLock: 'pods' } }), ['spec.leaderElect.resourceLock'], '"pods"'],
    [
      'duplicate feature gate',
      kubeFedConfig({ featureGates: [{ name: 'PushReconciler', configuration: 'Enabled' }, { name: 'PushReconciler', configuration: 'Disabled' }] }),
      ['spec.featureGates[1].name'],
      'appears more than once',
    ],
    ['unknown feature gate', kubeFedConfig({ featureGates: [{ name: 'Teleport', configuration: 'Enabled' }] }), ['spec.featureGates[0].name'], '"Teleport"'],
    ['bad gate configuration', kubeFedConfig({ featureGates: [{ name: 'PushReconciler', configuration: 'On' }] }), ['spec.featureGates[0].configuration'], '"On"'],
    ['zero failureThreshold', kubeFedConfig({ clusterHealthCheck: { failureThreshold: 0 } }), ['spec.clusterHealthCheck.failureThreshold'], 'at least 1'],
    ['zero sync workers', kubeFedConfig({ syncController: { maxConcurrentReconciles: 0 } }), ['spec.syncController.maxConcurrentReconciles'], 'at least 1'],
    ['unknown adoptResources', kubeFedConfig({ syncController: { adoptResources: 'Always' } }), ['spec.syncController.adoptResources'], '"Always"'],
    ['zero status workers', kubeFedConfig({ statusController: { maxConcurrentReconciles: 0 } }), ['spec.statusController.maxConcurrentReconciles'], 'at least 1'],
    [
      'several errors at once',
      kubeFedConfig({ controllerDuration: { availableDelay: '0s', unavailableDelay: 'later' }, leaderElect: { leaseDuration: '1s' } }),
      ['spec.controllerDuration.availableDelay', 'spec.controllerDuration.unavailableDelay', 'spec.leaderElect.leaseDuration'],
      '; ',
    ],
  ])('rejects %s', (_name, object, fields, messagePart) => {
    expectDenied(validateKubeFedConfig(create(object)), fields, messagePart);
  });

  it('refuses to change the scope on UPDATE', () => {
    expectDenied(validateKubeFedConfig(update(kubeFedConfig({ scope: 'Namespaced' }), kubeFedConfig())), ['spec.scope'], 'is immutable: it was "Cluster"');
  });

  it('allows other changes on UPDATE with the same scope', () => {
    const changed = kubeFedConfig({ clusterHealthCheck: { period: '30s' } });
    expect(validateKubeFedConfig(update(changed, kubeFedConfig()))).toEqual({ allowed: true });
  });
});

// ---------------------------------------------------------------------------------------------------------

const rsp = (spec: Json): Json => ({
  apiVersion: 'scheduling.kubefed.io/v1alpha1',
  kind: 'ReplicaSchedulingPreference',
  metadata: { name: 'web', namespace: 'apps' },
  spec: { targetKind: 'FederatedDeployment', totalReplicas: 10, ...spec },
});

describe('validateReplicaSchedulingPreference', () => {
  it.each<[string, Json]>([
    ['no cluster preferences', rsp({})],
    ['FederatedReplicaSet with weights, min and max', rsp({ targetKind: 'FederatedReplicaSet', rebalance: true, clusters: { '*': { weight: 1 }, member1: { minReplicas: 1, maxReplicas: 3, weight: 2 } } })],
    ['min equal to max', rsp({ clusters: { member1: { minReplicas: 3, maxReplicas: 3 } } })],
    ['zero replicas', rsp({ totalReplicas: 0 })],
    ['dotted cluster name', rsp({ clusters: { 'eu.member-1': { weight: 1 } } })],
  ])('allows %s', (_name, object) => {
    expect(validateReplicaSchedulingPreference(create(object))).toEqual({ allowed: true });
  });

  it.each<[string, Json, string[], string]>([
    ['min above max', rsp({ clusters: { a: { minReplicas: 4, maxReplicas: 3 } } }), ['spec.clusters["a"].minReplicas'], 'spec.clusters["a"].minReplicas: must not exceed maxReplicas (3)'],
    ['negative totalReplicas', rsp({ totalReplicas: -1 }), ['spec.totalReplicas'], 'must not be negative'],
    ['fractional totalReplicas', rsp({ totalReplicas: 1.5 }), ['spec.totalReplicas'], 'integer'],
    ['totalReplicas beyond int32', rsp({ totalReplicas: 2 ** 31 }), ['spec.totalReplicas'], 'at most 2147483647'],
    ['missing totalReplicas', rsp({ totalReplicas: undefined }), ['spec.totalReplicas'], 'required'],
    ['negative weight', rsp({ clusters: { '*': { weight: -1 } } }), ['spec.clusters["*"].weight'], 'must not be negative'],
    ['negative minReplicas', rsp({ clusters: { a: { minReplicas: -2 } } }), ['spec.clusters["a"].minReplicas'], 'must not be negative'],
    ['targetKind FederatedService', rsp({ targetKind: 'FederatedService' }), ['spec.targetKind'], 'must be FederatedDeployment or FederatedReplicaSet (got "FederatedService")'],
    ['targetKind missing', rsp({ targetKind: '' }), ['spec.targetKind'], 'required'],
    ['cluster key not a name', rsp({ clusters: { 'Member 1': { weight: 1 } } }), ['spec.clusters["Member 1"]'], 'keys must be "*"'],
    ['rebalance not a boolean', rsp({ rebalance: 'yes' }), ['spec.rebalance'], 'true or false'],
    [
      'several errors at once',
      rsp({ targetKind: 'FederatedJob', clusters: { a: { minReplicas: 5, maxReplicas: 1, weight: -3 } } }),
      ['spec.targetKind', 'spec.clusters["a"].weight', 'spec.clusters["a"].minReplicas'],
      '; ',
    ],
  ])('rejects %s', (_name, object, fields, messagePart) => {
    expectDenied(validateReplicaSchedulingPreference(create(object)), fields, messagePart);
  });
});

// ---------------------------------------------------------------------------------------------------------

const fed = (spec: Json): Json => ({
  apiVersion: 'types.kubefed.io/v1beta1',
  kind: 'FederatedDeployment',
  metadata: { name: 'web', namespace: 'apps' },
  spec: { template: { spec: { replicas: 1 } }, ...spec },
});
const overrideOf = (...clusterOverrides: Json[]): Json => fed({ overrides: [{ clusterName: 'member1', clusterOverrides }] });

describe('validateFederatedObject', () => {
  it.each<[string, Json]>([
    ['no placement or overrides', fed({})],
    ['clusters and a selector', fed({ placement: { clusters: [{ name: 'member1' }], clusterSelector: { matchLabels: { region: 'eu' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold'] }] } } })],
    ['empty selector', fed({ placement: { clusterSelector: {} } })],
    [
      'overrides for two clusters',
      fed({
        retainReplicas: true,
        overrides: [
          { clusterName: 'member1', clusterOverrides: [{ path: '/spec/replicas', value: 3 }, { op: 'add', path: '/metadata/labels/tier', value: 'gold' }] },
          { clusterName: 'member2', clusterOverrides: [{ op: 'remove', path: '/spec/template/spec/nodeSelector' }, { path: '/spec/replicas', value: 1 }] },
        ],
      }),
    ],
    ['replacing all labels', overrideOf({ op: 'replace', path: '/metadata/labels', value: { a: 'b' } })],
    ['a key that merely contains a slash', overrideOf({ op: 'add', path: '/metadata~1name', value: 'x' })],
    ['an annotation whose key ends in "name"', overrideOf({ op: 'add', path: '/metadata/annotations/name', value: 'x' })],
    ['a null value', overrideOf({ op: 'replace', path: '/spec/paused', value: null })],
    // KubeFed wrote null for add and replace without a value (and the API server drops a null value).
    ['replace without a value', overrideOf({ op: 'replace', path: '/spec/replicas' })],
    ['empty op without a value', overrideOf({ path: '/spec/replicas' })],
    ['a negative array index', overrideOf({ path: '/spec/template/spec/containers/-1/image', value: 'nginx' })],
    ['no clusterOverrides', fed({ overrides: [{ clusterName: 'member1' }] })],
  ])('allows %s', (_name, object) => {
    expect(validateFederatedObject(create(object))).toEqual({ allowed: true });
  });

  const first = 'spec.overrides[0].clusterOverrides[0]';
  it.each<[string, Json, string[], string]>([
    ['replace of /metadata (covers the name)', overrideOf({ op: 'replace', path: '/metadata', value: { name: 'other' } }), [`${first}.path`], '"/metadata" covers /metadata/name, /metadata/namespace, /metadata/generateName'],
    ['remove of /metadata', overrideOf({ op: 'remove', path: '/metadata' }), [`${first}.path`], 'covers /metadata/name'],
    ['the whole object', overrideOf({ op: 'replace', path: '', value: {} }), [`${first}.path`], '(the whole object) covers'],
    ['/metadata/name', overrideOf({ path: '/metadata/name', value: 'other' }), [`${first}.path`], '/metadata/name may not be overridden'],
    ['/metadata/namespace', overrideOf({ op: 'add', path: '/metadata/namespace', value: 'other' }), [`${first}.path`], '/metadata/namespace may not be overridden'],
    ['/metadata/generateName', overrideOf({ op: 'remove', path: '/metadata/generateName' }), [`${first}.path`], 'may not be overridden'],
    ['/kind', overrideOf({ path: '/kind', value: 'StatefulSet' }), [`${first}.path`], '/kind may not be overridden'],
    ['/apiVersion', overrideOf({ path: '/apiVersion', value: 'apps/v1beta2' }), [`${first}.path`], '/apiVersion may not be overridden'],
    ['a path inside /metadata/name', overrideOf({ path: '/metadata/name/0', value: 'x' }), [`${first}.path`], 'lies inside /metadata/name'],
    ['unknown op', overrideOf({ op: 'move', path: '/spec/replicas', value: 1 }), [`${first}.op`], 'unsupported op "move"'],
    ['op with the wrong case', overrideOf({ op: 'Replace', path: '/spec/replicas', value: 1 }), [`${first}.op`], 'unsupported op "Replace"'],
    ['a path that is not a JSON pointer', overrideOf({ path: 'spec/replicas', value: 1 }), [`${first}.path`], 'must start with "/"'],
    ['a bad ~ escape', overrideOf({ path: '/metadata/labels/a~2b', value: 'x' }), [`${first}.path`], '"~" must be followed by 0 or 1'],
    ['a missing path', overrideOf({ op: 'remove' }), [`${first}.path`], 'required'],
    [
      'duplicate clusterName',
      fed({ overrides: [{ clusterName: 'member1', clusterOverrides: [] }, { clusterName: 'member2' }, { clusterName: 'member1' }] }),
      ['spec.overrides[2].clusterName'],
      'cluster "member1" appears more than once (also spec.overrides[0].clusterName)',
    ],
    [
      'duplicate path within a cluster',
      overrideOf({ path: '/spec/replicas', value: 1 }, { op: 'add', path: '/spec/replicas', value: 2 }),
      ['spec.overrides[0].clusterOverrides[1].path'],
      `"/spec/replicas" appears more than once for cluster "member1" (also ${first}.path)`,
    ],
    ['missing clusterName', fed({ overrides: [{ clusterOverrides: [{ path: '/spec/replicas', value: 1 }] }] }), ['spec.overrides[0].clusterName'], 'required'],
    [
      'invalid selector operator',
      fed({ placement: { clusterSelector: { matchExpressions: [{ key: 'region', operator: 'in', values: ['eu'] }] } } }),
      ['spec.placement.clusterSelector.matchExpressions[0].operator'],
      'unknown operator "in"',
    ],
    [
      'In without values',
      fed({ placement: { clusterSelector: { matchExpressions: [{ key: 'region', operator: 'In' }] } } }),
      ['spec.placement.clusterSelector.matchExpressions[0].values'],
      'must be non-empty',
    ],
    ['invalid matchLabels key', fed({ placement: { clusterSelector: { matchLabels: { 'bad key': 'x' } } } }), ['spec.placement.clusterSelector.matchLabels'], 'invalid label key'],
    ['a placement cluster without a name', fed({ placement: { clusters: [{}] } }), ['spec.placement.clusters[0].name'], 'required'],
    ['a template that is not an object', fed({ template: 'Deployment' }), ['spec.template'], 'must be an object'],
    [
      'several errors at once',
      fed({
        placement: { clusterSelector: { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] } },
        overrides: [{ clusterName: 'member1', clusterOverrides: [{ op: 'replace', path: '/metadata', value: {} }, { op: 'copy', path: '/spec' }] }],
      }),
      ['spec.placement.clusterSelector.matchExpressions[0].values', `${first}.path`, 'spec.overrides[0].clusterOverrides[1].op'],
      '; ',
    ],
  ])('rejects %s', (_name, object, fields, messagePart) => {
    expectDenied(validateFederatedObject(create(object)), fields, messagePart);
  });
});

// ---------------------------------------------------------------------------------------------------------

const VALIDATORS: Array<[string, AdmissionValidator]> = [
  ['KubeFedCluster', validateKubeFedCluster],
  ['FederatedTypeConfig', validateFederatedTypeConfig],
  ['KubeFedConfig', validateKubeFedConfig],
  ['ReplicaSchedulingPreference', validateReplicaSchedulingPreference],
  ['federated object', validateFederatedObject],
];

describe('every validator', () => {
  it.each(VALIDATORS)('%s: allows DELETE and CONNECT whatever the object', (_kind, validate) => {
    expect(validate({ operation: 'DELETE', object: null, oldObject: { spec: 'garbage' } })).toEqual({ allowed: true });
    expect(validate({ operation: 'CONNECT', object: 42 })).toEqual({ allowed: true });
  });

  it.each(VALIDATORS)('%s: answers 400 when CREATE carries no object', (_kind, validate) => {
    expect(validate({ operation: 'CREATE' })).toMatchObject({ allowed: false, code: 400 });
    expect(validate({ operation: 'UPDATE', object: ['not', 'an', 'object'] })).toMatchObject({ allowed: false, code: 400 });
  });

  it.each(VALIDATORS)('%s: rejects a CREATE without spec, naming it', (_kind, validate) => {
    expectDenied(validate(create({ metadata: { name: 'x' } })), ['spec'], 'required');
  });

  it.each(VALIDATORS)('%s: allows other subresources', (_kind, validate) => {
    expect(validate({ operation: 'UPDATE', subResource: 'scale', object: {} })).toEqual({ allowed: true });
  });

  it('does not judge status writes of federated objects', () => {
    expect(validateFederatedObject({ operation: 'UPDATE', subResource: 'status', object: { spec: 'garbage' } })).toEqual({ allowed: true });
  });
  it('does not judge KubeFedConfig or RSP status writes (they have no status subresource)', () => {
    expect(validateKubeFedConfig({ operation: 'UPDATE', subResource: 'status', object: {} })).toEqual({ allowed: true });
    expect(validateReplicaSchedulingPreference({ operation: 'UPDATE', subResource: 'status', object: {} })).toEqual({ allowed: true });
  });
});

describe('ratcheting on UPDATE', () => {
  const stored = overrideOf({ op: 'replace', path: '/metadata', value: {} });

  it('allows an update that keeps an error the stored object already had (e.g. removing a finalizer)', () => {
    const withFinalizerRemoved = { ...stored, metadata: { ...(stored.metadata as Json), finalizers: [] } };
    expect(validateFederatedObject(update(withFinalizerRemoved, stored))).toEqual({ allowed: true });
  });

  it('still refuses the errors an update introduces, naming only those', () => {
    const spec = stored.spec as Json;
    const worse = { ...stored, spec: { ...spec, overrides: [...(spec.overrides as Json[]), { clusterName: 'member2', clusterOverrides: [{ path: '/kind', value: 'X' }] }] } };
    expectDenied(validateFederatedObject(update(worse, stored)), ['spec.overrides[1].clusterOverrides[0].path'], '/kind may not be overridden');
  });

  it('judges CREATE in full', () => {
    expectDenied(validateFederatedObject(create(stored)), [`spec.overrides[0].clusterOverrides[0].path`]);
  });
});
