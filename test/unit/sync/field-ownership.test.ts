import { describe, expect, it } from 'vitest';
import { applyOwnershipFor, KUBEFED_FIELD_MANAGER, memberApplyOwnership, mergeFieldSets } from '../../../src/sync/field-ownership.js';
import type { KubeObject } from '../../../src/kube/types.js';

const withManagedFields = (managedFields: unknown[]): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', managedFields } });

describe('applyOwnershipFor', () => {
  it('has nothing to do when the manager owns nothing through Update', () => {
    expect(applyOwnershipFor(withManagedFields([]), 'kubefed-ts')).toBeUndefined();
    expect(applyOwnershipFor(withManagedFields([{ manager: 'kubefed-ts', operation: 'Apply', fieldsV1: { 'f:data': {} } }]), 'kubefed-ts')).toBeUndefined();
    expect(applyOwnershipFor(withManagedFields([{ manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:data': {} } }]), 'kubefed-ts')).toBeUndefined();
    // A status write through the subresource is not ours to turn into apply ownership of the object.
    expect(applyOwnershipFor(withManagedFields([{ manager: 'kubefed-ts', operation: 'Update', subresource: 'status', fieldsV1: {} }]), 'kubefed-ts')).toBeUndefined();
  });

  it('turns the Update entry of a POST into an Apply entry and leaves the other managers alone', () => {
    const other = { manager: 'someone', operation: 'Update', apiVersion: 'v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:theirs': {} } } };
    const result = applyOwnershipFor(
      withManagedFields([
        { manager: 'kubefed-ts', operation: 'Update', apiVersion: 'v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:a': {} } } },
        other,
      ]),
      'kubefed-ts',
    );
    expect(result).toEqual([
      { manager: 'kubefed-ts', operation: 'Apply', apiVersion: 'v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:a': {} } } },
      other,
    ]);
  });

  it('merges into an Apply entry the manager already has', () => {
    const result = applyOwnershipFor(
      withManagedFields([
        { manager: 'kubefed-ts', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
        { manager: 'kubefed-ts', operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:paused': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } } },
      ]),
      'kubefed-ts',
    );
    expect(result).toEqual([
      {
        manager: 'kubefed-ts',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:replicas': {}, 'f:paused': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } },
      },
    ]);
  });
});

describe('memberApplyOwnership', () => {
  // As KubeFed v0.10.0 leaves a member object: its plain updates under its binary's name, beside the member's own.
  const kubefedEntry = { manager: KUBEFED_FIELD_MANAGER, operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:retired': {} } } };
  const membersOwn = { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:annotations': {} } } };
  const object = (labels: Record<string, string>, annotations: Record<string, string> = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'x', labels, annotations, managedFields: [kubefedEntry, membersOwn] },
  });

  it('takes over KubeFed\'s Update entry on an object KubeFed wrote, so that a key it wrote can be removed later', () => {
    expect(memberApplyOwnership(object({ 'kubefed.io/managed': 'true' }))).toEqual([
      { manager: 'kubefed-ts', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:retired': {} } } },
      membersOwn,
    ]);
  });

  it('leaves a manager of that name alone on objects KubeFed did not write', () => {
    // Not managed: someone else's object (adopted only through a create, which sends ours alone).
    expect(memberApplyOwnership(object({}))).toBeUndefined();
    // Carrying our hash: ours since, and the entry is not KubeFed's to take.
    expect(memberApplyOwnership(object({ 'kubefed.io/managed': 'true' }, { 'kubefed.io/propagated-hash': 'h1' }))).toBeUndefined();
  });
});

describe('mergeFieldSets', () => {
  it('is the union of two field trees', () => {
    expect(mergeFieldSets({ 'f:a': { 'f:b': {} } }, { 'f:a': { 'f:c': {} }, 'f:d': {} })).toEqual({ 'f:a': { 'f:b': {}, 'f:c': {} }, 'f:d': {} });
    expect(mergeFieldSets({}, {})).toEqual({});
  });
});
