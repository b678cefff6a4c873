import { describe, expect, it } from 'vitest';
import {
  fitName,
  healthCheckRoleName,
  isValidObjectName,
  roleName,
  sanitizeName,
  serviceAccountName,
} from '../../../src/kubefedctl/names.js';

describe('sanitizeName', () => {
  it.each([
    ['host', 'host'],
    ['Host', 'host'],
    ['kind-host', 'kind-host'],
    ['arn:aws:eks:eu-west-1:123456789012:cluster/prod', 'arn-aws-eks-eu-west-1-123456789012-cluster-prod'],
    ['admin@my_cluster', 'admin-my-cluster'],
    ['gke_project_zone_name', 'gke-project-zone-name'],
    ['-weird-', 'weird'],
    ['a..b', 'a.b'],
    ['a-.b', 'a.b'],
    ['///', 'cluster'],
    ['', 'cluster'],
  ])('%j → %j', (input, expected) => {
    const out = sanitizeName(input);
    expect(out).toBe(expected);
    expect(isValidObjectName(out)).toBe(true);
  });
});

describe('object names', () => {
  it('names the service account <cluster>-<host> as KubeFed did', () => {
    expect(serviceAccountName('member1', 'host')).toBe('member1-host');
    expect(serviceAccountName('member1', 'user@host:1')).toBe('member1-user-host-1');
  });

  it('keeps long names valid and distinct with a hash suffix', () => {
    const long = 'a'.repeat(300);
    const fitted = fitName(long);
    expect(fitted.length).toBeLessThanOrEqual(253);
    expect(isValidObjectName(fitted)).toBe(true);
    expect(fitName(`${long}b`)).not.toBe(fitted);
    expect(fitName('short')).toBe('short');
  });

  it('names roles like KubeFed', () => {
    expect(roleName('member1-host')).toBe('kubefed-controller-manager:member1-host');
    expect(healthCheckRoleName('kube-federation-system', 'member1-host')).toBe(
      'kubefed-controller-manager:kube-federation-system:healthcheck-member1-host',
    );
  });

  it.each([
    ['member1', true],
    ['kctl-member1', true],
    ['a.b', true],
    ['Member1', false],
    ['member_1', false],
    ['-a', false],
    ['', false],
  ])('isValidObjectName(%j) = %j', (name, valid) => {
    expect(isValidObjectName(name)).toBe(valid);
  });
});
