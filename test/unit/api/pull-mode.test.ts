// KubeFedCluster.spec.syncMode: Push (the default, KubeFed's meaning) needs apiEndpoint and secretRef; Pull
// needs neither. And the names pull mode shares between host, kubefedctl and agent.
import { describe, expect, it } from 'vitest';
import {
  KubeFedClusterSchema,
  KubeFedConfigSpecSchema,
  pullClusterNamespace,
  reportedVersion,
  syncModeOf,
} from '../../../src/api/index.js';

const kfc = (spec: Record<string, unknown>) => ({
  apiVersion: 'core.kubefed.io/v1beta1',
  kind: 'KubeFedCluster',
  metadata: { name: 'edge-1', namespace: 'kube-federation-system' },
  spec,
});

/** The issues of a parse, as `path: message`. */
function issues(value: unknown): string[] {
  const result = KubeFedClusterSchema.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('KubeFedCluster syncMode', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['Pull with nothing else', { syncMode: 'Pull' }, []],
    ['Pull with an endpoint and secret (allowed, unused)', { syncMode: 'Pull', apiEndpoint: 'https://10.0.0.1', secretRef: { name: 's' } }, []],
    ['Push with both', { syncMode: 'Push', apiEndpoint: 'https://10.0.0.1', secretRef: { name: 's' } }, []],
    ['no syncMode with both (a KubeFed manifest)', { apiEndpoint: 'https://10.0.0.1', secretRef: { name: 's' } }, []],
    ['Push without secretRef', { syncMode: 'Push', apiEndpoint: 'https://10.0.0.1' }, ['spec.secretRef: secretRef is required when syncMode is Push']],
    ['no syncMode without apiEndpoint', { secretRef: { name: 's' } }, ['spec.apiEndpoint: apiEndpoint is required when syncMode is Push']],
    [
      'no syncMode, nothing',
      {},
      ['spec.apiEndpoint: apiEndpoint is required when syncMode is Push', 'spec.secretRef: secretRef is required when syncMode is Push'],
    ],
  ])('%s', (_, spec, expected) => {
    expect(issues(kfc(spec))).toEqual(expected);
  });

  it('refuses an unknown mode, naming the field', () => {
    expect(issues(kfc({ syncMode: 'Both' }))[0]).toMatch(/^spec\.syncMode: /);
  });

  it('defaults to Push when parsed, and reads a stored object without the field as Push', () => {
    expect(KubeFedClusterSchema.parse(kfc({ apiEndpoint: 'https://10.0.0.1', secretRef: { name: 's' } })).spec.syncMode).toBe('Push');
    expect(syncModeOf({ spec: {} })).toBe('Push');
    expect(syncModeOf({ spec: { syncMode: 'Pull' } })).toBe('Pull');
    expect(syncModeOf({})).toBe('Push');
  });
});

describe('KubeFedConfig pullHeartbeatGracePeriod', () => {
  it('defaults to 40s and refuses what is not a positive duration', () => {
    expect(KubeFedConfigSpecSchema.parse({ scope: 'Cluster' }).clusterHealthCheck.pullHeartbeatGracePeriod).toBe('40s');
    expect(KubeFedConfigSpecSchema.parse({ scope: 'Cluster', clusterHealthCheck: { pullHeartbeatGracePeriod: '1m' } }).clusterHealthCheck.pullHeartbeatGracePeriod).toBe('1m');
    expect(KubeFedConfigSpecSchema.safeParse({ scope: 'Cluster', clusterHealthCheck: { pullHeartbeatGracePeriod: '0s' } }).success).toBe(false);
    expect(KubeFedConfigSpecSchema.safeParse({ scope: 'Cluster', clusterHealthCheck: { pullHeartbeatGracePeriod: 'soon' } }).success).toBe(false);
  });
});

describe('pullClusterNamespace', () => {
  const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

  it.each([
    ['edge-1', 'kubefed-cluster-edge-1'],
    ['a', 'kubefed-cluster-a'],
    ['x'.repeat(47), `kubefed-cluster-${'x'.repeat(47)}`],
  ])('%s keeps its name when it fits a namespace', (name, expected) => {
    expect(pullClusterNamespace(name)).toBe(expected);
  });

  it.each([
    ['a dotted name', 'edge.eu-west.example.com'],
    ['a name one too long', 'x'.repeat(48)],
    ['a 253-character name', `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(70)}`],
    ['a name of dots and digits', '1.2.3'],
  ])('%s becomes a valid namespace, prefixed, with a hash', (_, name) => {
    const ns = pullClusterNamespace(name);
    expect(ns.length).toBeLessThanOrEqual(63);
    expect(ns).toMatch(LABEL);
    expect(ns.startsWith('kubefed-cluster-')).toBe(true);
    expect(ns).toMatch(/-[0-9a-f]{10}$/);
    expect(pullClusterNamespace(name)).toBe(ns);
  });

  it('gives names that differ only in dots or beyond 63 characters different namespaces', () => {
    expect(pullClusterNamespace('a.b')).not.toBe(pullClusterNamespace('a-b'));
    expect(pullClusterNamespace(`${'x'.repeat(60)}1`)).not.toBe(pullClusterNamespace(`${'x'.repeat(60)}2`));
  });
});

describe('reportedVersion', () => {
  it.each<[unknown, string | undefined]>([
    ['v1.35.4', 'v1.35.4'],
    [' 0.1.0 ', '0.1.0'],
    ['', undefined],
    ['v1 with spaces', undefined],
    ['x'.repeat(65), undefined],
    ['bell\u0007', undefined],
    [42, undefined],
    [undefined, undefined],
  ])('%j → %j', (value, expected) => {
    expect(reportedVersion(value)).toBe(expected);
  });
});
