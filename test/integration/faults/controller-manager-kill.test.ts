// Fault: the controller-manager process (dist/main.js) is SIGKILLed mid-way through a burst of creations
// and deletions, more changes are made while it is dead, and a new process is started (issue #6,
// scenario 3). Nothing the dead process was doing may be lost: every fed object ends up in both members,
// every deleted fed object's member copies are gone (no orphans: no ConfigMap left in a member, managed or
// unmanaged, whose fed object is gone) and its finalizer released (the fed object is gone from the host),
// and the copies of untouched objects are the same objects as before (uid).
//
// Size: 60 objects before, then 100 created and 40 deleted around the kill, 20 created and 20 deleted while
// no controller runs (the numbers are larger; these keep the file well under a minute).
//
// Checked that it fails without the protection: with the finalizer step skipped (src/sync/controller.ts
// reconcile(): no addFinalizer, straight to syncToClusters), the fed objects deleted while no process runs
// vanish from the host at once (the `waiting` check fails), and past that check the member comparison
// fails too: the new process finds their copies without a fed object and releases them, so they stay
// behind as `unmanaged` ConfigMaps (60 of them across both members).
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFed, deleteFed, federateNamespace, type Obj } from '../../harness/fed-objects.js';
import {
  configMapsIn,
  configMapState,
  FAST_KUBEFED_CONFIG,
  inParallel,
  listFed,
  propagationSummary,
  sortedRecord,
  startControllerManagerFor,
  startOwnFederation,
  waitForControllers,
  type ControllerManagerProcess,
  type OwnFederation,
} from '../../harness/faults.js';
import { waitUntil } from '../../harness/federation.js';
import { httpGet } from '../../harness/processes.js';

const ns = 'cmkill';
const names = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
const A = names('a', 60);
const B = names('b', 100);
const C = names('c', 20);
/** Deleted in the burst, while the first process runs. */
const DELETED_IN_BURST = A.slice(0, 40);
/** Deleted while no process runs: a-040..a-049 were propagated, b-000..b-009 may or may not have been. */
const DELETED_WHILE_DEAD = [...A.slice(40, 50), ...B.slice(0, 10)];
const SURVIVORS = [...A.slice(50), ...B.slice(10), ...C].sort();

let fed: OwnFederation;
let host: KubeConfig;
let member1: KubeConfig;
let member2: KubeConfig;
const processes: ControllerManagerProcess[] = [];

const fedConfigMap = (name: string): Obj => ({
  apiVersion: 'types.kubefed.io/v1beta1',
  kind: 'FederatedConfigMap',
  metadata: { name, namespace: ns },
  spec: { template: { data: { name } }, placement: { clusters: [{ name: 'member1' }, { name: 'member2' }] } },
});

async function startProcess(): Promise<ControllerManagerProcess> {
  const proc = await startControllerManagerFor(fed.cp);
  processes.push(proc);
  await waitForControllers(proc);
  return proc;
}

beforeAll(async () => {
  fed = await startOwnFederation({ kubefedConfig: FAST_KUBEFED_CONFIG });
  ({ host, member1, member2 } = fed);
  await federateNamespace(host, ns);
}, 120_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await fed?.cp.stop();
}, 60_000);

describe('the controller-manager SIGKILLed mid-way through creations and deletions', () => {
  let first: ControllerManagerProcess;

  it('propagates the first objects', async () => {
    first = await startProcess();
    await inParallel(A, 8, (name) => createFed(host, 'federatedconfigmaps', fedConfigMap(name)));
    const want = sortedRecord(A.map((n) => [n, { name: n }]));
    for (const kc of [member1, member2]) await expect.poll(() => configMapState(kc, ns), { timeout: 30_000 }).toEqual(want);
    await expect.poll(() => propagationSummary(host, 'federatedconfigmaps', ns), { timeout: 30_000 }).toEqual(sortedRecord(A.map((n) => [n, 'True member1,member2'])));
  });

  it('converges with a new process: nothing missing, no orphan, every finalizer released', async () => {
    const uidsBefore = await Promise.all([member1, member2].map(async (kc) => new Map([...(await configMapsIn(kc, ns))].map(([n, cm]) => [n, cm.uid]))));
    const burst = Promise.all([
      inParallel(B, 6, (name) => createFed(host, 'federatedconfigmaps', fedConfigMap(name))),
      inParallel(DELETED_IN_BURST, 2, (name) => deleteFed(host, 'federatedconfigmaps', name, ns)),
    ]);
    await waitUntil('member1 holds 20 of the new objects', async () => [...(await configMapsIn(member1, ns)).keys()].filter((n) => n.startsWith('b-')).length >= 20, 60_000);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull(); // killed by the signal, no exit code
    const atKill = await configMapsIn(member2, ns);
    // Mid-way for real: most of the new objects had not reached member2.
    expect(B.filter((n) => atKill.has(n)).length).toBeLessThan(B.length - 20);

    await burst;
    await inParallel(C, 6, (name) => createFed(host, 'federatedconfigmaps', fedConfigMap(name)));
    await inParallel(DELETED_WHILE_DEAD, 4, (name) => deleteFed(host, 'federatedconfigmaps', name, ns));
    // Fed objects that got their finalizer wait, terminating, for a controller.
    const waiting = [...(await listFed(host, 'federatedconfigmaps', ns)).values()].filter((o) => o.metadata.deletionTimestamp);
    expect(waiting.length).toBeGreaterThanOrEqual(10);

    const second = await startProcess();
    expect(second.child.pid).not.toBe(first.child.pid);
    const want = sortedRecord(SURVIVORS.map((n) => [n, { name: n }]));
    // Every ConfigMap in the members, labelled or not: a released orphan would show up as `unmanaged`.
    for (const kc of [member1, member2]) await expect.poll(() => configMapState(kc, ns), { timeout: 60_000 }).toEqual(want);
    await expect
      .poll(() => propagationSummary(host, 'federatedconfigmaps', ns), { timeout: 30_000 })
      .toEqual(sortedRecord(SURVIVORS.map((n) => [n, 'True member1,member2'])));
    for (const fedObject of (await listFed(host, 'federatedconfigmaps', ns)).values()) {
      expect(fedObject.metadata.finalizers, fedObject.metadata.name).toEqual(['kubefed.io/sync-controller']);
    }
    // The objects nobody touched are the very same objects in both members.
    for (const [i, kc] of [member1, member2].entries()) {
      const now = await configMapsIn(kc, ns);
      for (const name of A.slice(50)) expect(now.get(name)?.uid, name).toBe(uidsBefore[i]!.get(name));
    }
    expect((await httpGet(`http://127.0.0.1:${second.healthPort}/healthz`)).status).toBe(200);
    expect(await second.stop('SIGTERM')).toBe(0);
  }, 180_000);
});
