// Fault: the host's kube-apiserver restarts while users keep changing federated objects (issue #6,
// scenario 2). Four writers create, update and delete FederatedConfigMaps before, during and after the
// outage, each retrying its current change until the host takes it (as kubectl in a CI loop would); the
// controller's host watches break, back off and resume. Every change must reach the members (a missed
// watch event would leave a member object stale, missing or undeleted), which is checked by comparing
// the members' ConfigMaps, data included, with the state the writers' scripts define.
//
// Size: 40 objects before, ~230 changes across the restart (4 writers), host down for 8 s.
//
// Checked that it fails without the protection: with the informer's relist made silent once synced
// (src/kube/informer.ts relist(): no added/updated/deleted events when the cache was already filled), the
// changes made while the controller's host watch was down are absorbed into the cache without a reconcile,
// and the members miss them (the final comparison times out with stale or missing objects).
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControllerManager } from '../../../src/manager/controller-manager.js';
import { createFed, deleteFed, patchFed, type Obj } from '../../harness/fed-objects.js';
import {
  capturedLogger,
  configMapsIn,
  configMapState,
  createOnce,
  inParallel,
  listFed,
  propagationSummary,
  retrying,
  sortedRecord,
  startFaultManager,
  startOwnFederation,
  type OwnFederation,
} from '../../harness/faults.js';
import { sleep, waitUntil } from '../../harness/federation.js';

const ns = 'hostrestart';
const INITIAL = Array.from({ length: 40 }, (_, i) => `init-${String(i).padStart(2, '0')}`);
/** Never touched by the writers: their member copies must keep their uid. */
const UNTOUCHED = INITIAL.slice(32);
const OUTAGE_MS = 8_000;

let fed: OwnFederation;
let host: KubeConfig;
let member1: KubeConfig;
let member2: KubeConfig;
let manager: ControllerManager;
const logs = capturedLogger();

const fedConfigMap = (name: string, data: Record<string, string>): Obj => ({
  apiVersion: 'types.kubefed.io/v1beta1',
  kind: 'FederatedConfigMap',
  metadata: { name, namespace: ns },
  spec: { template: { data }, placement: { clusters: [{ name: 'member1' }, { name: 'member2' }] } },
});

type Change = { op: 'create' | 'update' | 'delete'; name: string; data?: Record<string, string> };

/**
 * The script of one writer: it owns 8 of the initial objects and its own new ones. It creates new objects,
 * rewrites its initial ones (the last write wins), deletes some of both, and recreates one it deleted, so that
 * every kind of change happens around the outage.
 */
function script(lane: number): Change[] {
  const owned = INITIAL.slice(lane * 8, lane * 8 + 8);
  const changes: Change[] = [];
  for (let round = 0; round < 14; round++) {
    const fresh = `lane${lane}-new-${String(round).padStart(2, '0')}`;
    changes.push({ op: 'create', name: fresh, data: { lane: String(lane), round: String(round) } });
    changes.push({ op: 'update', name: owned[round % owned.length]!, data: { lane: String(lane), rewritten: String(round) } });
    if (round % 3 === 2) changes.push({ op: 'delete', name: `lane${lane}-new-${String(round - 1).padStart(2, '0')}` });
    if (round % 4 === 3) changes.push({ op: 'update', name: fresh, data: { lane: String(lane), round: String(round), updated: 'yes' } });
  }
  changes.push({ op: 'delete', name: owned[7]! }, { op: 'delete', name: owned[6]! });
  // Deleted in round 2 (as new-01), created again with other data.
  changes.push({ op: 'create', name: `lane${lane}-new-01`, data: { lane: String(lane), recreated: 'yes' } });
  return changes;
}

/** The member state the scripts leave behind: name → data. */
function expectedState(): Record<string, Record<string, string>> {
  const state = new Map<string, Record<string, string>>(INITIAL.map((n) => [n, { name: n }]));
  for (let lane = 0; lane < 4; lane++) {
    for (const change of script(lane)) {
      if (change.op === 'delete') state.delete(change.name);
      else state.set(change.name, change.data!);
    }
  }
  return sortedRecord(state.entries());
}

/** When each change was made, and in how many attempts, for the diagnosis of a failure. */
const timeline: string[] = [];

async function apply(change: Change): Promise<void> {
  const what = `${change.op} ${change.name}`;
  let attempts: number;
  if (change.op === 'create') attempts = await retrying(what, () => createOnce(host, 'federatedconfigmaps', fedConfigMap(change.name, change.data!)));
  else if (change.op === 'update') attempts = await retrying(what, () => patchFed(host, 'federatedconfigmaps', change.name, ns, [{ op: 'replace', path: '/spec/template/data', value: change.data }]));
  // deleteFed ignores NotFound itself; a delete cut off by the restart is simply sent again.
  else attempts = await retrying(what, () => deleteFed(host, 'federatedconfigmaps', change.name, ns));
  timeline.push(`${new Date().toISOString()} ${what} (${attempts} attempt${attempts > 1 ? 's' : ''})`);
}

beforeAll(async () => {
  fed = await startOwnFederation();
  ({ host, member1, member2 } = fed);
  manager = await startFaultManager(fed, ns, { log: logs.log });
}, 120_000);

afterAll(async () => {
  await manager?.stop();
  await fed?.cp.stop();
}, 60_000);

describe('the host API server restarted while changes are being made', () => {
  it('propagates the initial objects', async () => {
    await inParallel(INITIAL, 8, (name) => createFed(host, 'federatedconfigmaps', fedConfigMap(name, { name })));
    const initial = sortedRecord(INITIAL.map((n) => [n, { name: n }]));
    for (const kc of [member1, member2]) await expect.poll(() => configMapState(kc, ns), { timeout: 30_000 }).toEqual(initial);
  });

  it('gets every change made before, during and after the outage into both members', async () => {
    const untouchedUids = await Promise.all([member1, member2].map(async (kc) => {
      const all = await configMapsIn(kc, ns);
      return new Map(UNTOUCHED.map((n) => [n, all.get(n)!.uid]));
    }));
    let applied = 0;
    const writers = Promise.all(
      [0, 1, 2, 3].map(async (lane) => {
        for (const change of script(lane)) {
          await apply(change);
          applied++;
          await sleep(40);
        }
      }),
    );
    const total = [0, 1, 2, 3].reduce((n, lane) => n + script(lane).length, 0);
    await waitUntil('a quarter of the changes made', () => applied >= total / 4, 60_000);
    timeline.push(`${new Date().toISOString()} host stopping`);
    await fed.cp.stopCluster('host');
    timeline.push(`${new Date().toISOString()} host stopped`);
    const appliedAtStop = applied;
    await sleep(OUTAGE_MS);
    // Writers were blocked during the outage: nothing can be written to a stopped API server.
    expect(applied - appliedAtStop).toBeLessThanOrEqual(4);
    await fed.cp.startCluster('host');
    timeline.push(`${new Date().toISOString()} host started`);
    await writers;
    expect(applied).toBe(total);

    const want = expectedState();
    for (const kc of [member1, member2]) {
      try {
        await expect.poll(() => configMapState(kc, ns), { timeout: 60_000 }).toEqual(want);
      } catch (err) {
        // Show what the controller did with the objects that differ.
        const have = await configMapState(kc, ns);
        const differ = [...new Set([...Object.keys(have), ...Object.keys(want)])].filter((n) => JSON.stringify(have[n]) !== JSON.stringify(want[n]));
        const changes = timeline.filter((l) => l.includes(' host ') || differ.some((n) => l.endsWith(` ${n}`) || l.includes(` ${n} (`)));
        console.log(`[host-restart] differing objects: ${differ.join(', ')}\n${changes.join('\n')}\n${logs.about(differ)}`);
        throw err;
      }
    }
    // Deleted fed objects are gone from the host (their finalizers resolved), the others report success.
    await expect
      .poll(() => propagationSummary(host, 'federatedconfigmaps', ns), { timeout: 30_000 })
      .toEqual(sortedRecord(Object.keys(want).map((n) => [n, 'True member1,member2'])));
    expect([...(await listFed(host, 'federatedconfigmaps', ns)).keys()].sort()).toEqual(Object.keys(want));
    // Objects nobody changed were not recreated in either member.
    for (const [i, kc] of [member1, member2].entries()) {
      const all = await configMapsIn(kc, ns);
      for (const name of UNTOUCHED) expect(all.get(name)?.uid, name).toBe(untouchedUids[i]!.get(name));
    }
  }, 240_000);
});
