import { describe, expect, it } from 'vitest';
import { appliedReplicas, finalSchedule, phasedSchedule, scheduleChanged, withSchedule } from '../../../src/scheduling/schedule.js';

describe('finalSchedule', () => {
  it.each([
    ['plan only', { plan: { a: 3, b: 6 }, overflow: {}, existing: [] }, { a: 3, b: 6 }],
    ['existing clusters kept at 0', { plan: { a: 9 }, overflow: {}, existing: ['b'] }, { a: 9, b: 0 }],
    ['overflow added on top', { plan: { a: 2, b: 5 }, overflow: { a: 1 }, existing: ['a'] }, { a: 3, b: 5 }],
  ])('%s', (_name, input, expected) => {
    expect(finalSchedule(input)).toEqual(expected);
  });
});

describe('phasedSchedule', () => {
  const ready = (...names: string[]) => new Set(names);
  it.each([
    [
      'first placement: everything at once',
      { target: { a: 3, b: 6 }, applied: {}, ready: {}, readyClusters: ready('a', 'b') },
      { schedule: { a: 3, b: 6 }, waitingFor: ['a', 'b'] },
    ],
    [
      'a move grows the new cluster and keeps the old one until the new replicas are ready',
      { target: { a: 3, b: 6 }, applied: { b: 9 }, ready: { b: 9 }, readyClusters: ready('a', 'b') },
      { schedule: { a: 3, b: 9 }, waitingFor: ['a'] },
    ],
    [
      'then shrinks the old cluster',
      { target: { a: 3, b: 6 }, applied: { a: 3, b: 9 }, ready: { a: 3, b: 9 }, readyClusters: ready('a', 'b') },
      { schedule: { a: 3, b: 6 }, waitingFor: [] },
    ],
    [
      'a cluster that is not ready keeps its last written count',
      { target: { b: 9 }, applied: { a: 3, b: 6 }, ready: { b: 6 }, readyClusters: ready('b') },
      { schedule: { a: 3, b: 9 }, waitingFor: ['b'] },
    ],
    [
      'a ready cluster no longer scheduled is dropped once nothing waits',
      { target: { b: 9 }, applied: { a: 3, b: 9 }, ready: { b: 9 }, readyClusters: ready('a', 'b') },
      { schedule: { b: 9 }, waitingFor: [] },
    ],
  ])('%s', (_name, input, expected) => {
    expect(phasedSchedule(input)).toEqual(expected);
  });
});

describe('withSchedule and appliedReplicas', () => {
  it('writes one /spec/replicas override per cluster and keeps the user\'s other overrides', () => {
    const overrides = [
      { clusterName: 'b', clusterOverrides: [{ path: '/spec/replicas', value: 1 }, { path: '/spec/paused', value: true }] },
      { clusterName: 'c', clusterOverrides: [{ path: '/spec/replicas', value: 4 }] },
    ];
    const result = withSchedule(overrides, { a: 3, b: 6 });
    expect(result.clusters).toEqual([{ name: 'a' }, { name: 'b' }]);
    expect(result.overrides).toEqual([
      { clusterName: 'a', clusterOverrides: [{ path: '/spec/replicas', value: 3 }] },
      { clusterName: 'b', clusterOverrides: [{ path: '/spec/paused', value: true }, { path: '/spec/replicas', value: 6 }] },
    ]);
    expect(appliedReplicas(result.overrides)).toEqual({ a: 3, b: 6 });
  });

  it('is stable: the same schedule gives the same spec whatever the input order', () => {
    const one = withSchedule([{ clusterName: 'b', clusterOverrides: [] }, { clusterName: 'a', clusterOverrides: [] }], { b: 1, a: 2 });
    const two = withSchedule([], { a: 2, b: 1 });
    expect(one).toEqual(two);
  });
});

describe('scheduleChanged', () => {
  // As KubeFed's scheduler left a FederatedDeployment: its overrides in Go's map order, member2 first.
  const kubefedOverrides = [
    { clusterName: 'member2', clusterOverrides: [{ path: '/spec/replicas', value: 6 }] },
    { clusterName: 'member1', clusterOverrides: [{ path: '/metadata/labels', value: { region: 'eu' } }, { path: '/spec/replicas', value: 3 }] },
  ];
  const current = { placement: ['member2', 'member1'], overrides: kubefedOverrides };

  it('takes KubeFed\'s schedule as it is, whatever the order of its entries', () => {
    expect(scheduleChanged(current, withSchedule(kubefedOverrides, { member1: 3, member2: 6 }))).toBe(false);
  });

  it.each([
    ['other replicas', { member1: 4, member2: 8 }],
    ['another cluster', { member1: 9 }],
  ])('sees %s', (_what, schedule) => {
    expect(scheduleChanged(current, withSchedule(kubefedOverrides, schedule))).toBe(true);
  });

  it('sees a placement that differs from the schedule', () => {
    expect(scheduleChanged({ ...current, placement: ['member1'] }, withSchedule(kubefedOverrides, { member1: 3, member2: 6 }))).toBe(true);
  });
});
