// Heap cost of a federated object and of a member object, in process with forced GCs: N FederatedConfigMaps
// placed nowhere (fed-object cost), then placed on every member of 3 (member-object cost). Run by hand:
// N=3000 node --expose-gc --import tsx test/bench/memory-split.ts   (SNAPSHOT=file also writes a heap snapshot)
import v8 from 'node:v8';
import { resolveBinDir } from '../harness/binaries.js';
import { BenchFederation } from './federation.js';
import { forEachConcurrently, logger, sleep, waitFor } from './lib.js';
import { fedObject, fedTypeOf } from './objects.js';
import { waitQuiet } from './throughput.js';
import { CoreTypes } from '../../src/kube/types.js';

const N = Number(process.env.N ?? 3000);
const log = logger('mem');
const gc = (globalThis as { gc?: () => void }).gc!;
const heap = async (): Promise<number> => {
  for (let i = 0; i < 4; i++) { gc(); await sleep(250); }
  return process.memoryUsage().heapUsed;
};
const MiB = 2 ** 20;
const fed = await BenchFederation.start({ members: 3, binDir: resolveBinDir(['etcd', 'kube-apiserver', 'kubectl']), kinds: ['configmap'], enabled: true, log });
try {
  await fed.startManager();
  const ns = 'mem';
  await fed.federateNamespace(ns);
  await waitQuiet(fed, 60_000);
  const type = fedTypeOf('configmap');
  const h0 = await heap();
  log(`heap with the manager running, no objects: ${(h0 / MiB).toFixed(1)} MiB`);
  await forEachConcurrently(Array.from({ length: N }, (_, i) => i), 16, async (i) => {
    const obj = fedObject('configmap', ns, i, []);
    await fed.host.create(type.federated, obj, 'bench');
  });
  await sleep(3000);
  await waitQuiet(fed, 600_000);
  const h1 = await heap();
  log(`+${N} fed objects placed nowhere: ${((h1 - h0) / MiB).toFixed(1)} MiB, ${((h1 - h0) / N).toFixed(0)} B per fed object`);
  await forEachConcurrently(Array.from({ length: N }, (_, i) => i), 16, async (i) => {
    await fed.host.mergePatch(type.federated, fedObject('configmap', ns, i, []).metadata!.name!, ns, { spec: { placement: { clusters: fed.memberNames.map((name) => ({ name })) } } });
  });
  for (const client of fed.members.values()) {
    await waitFor('member objects', async () => (await client.list(type.target, { namespace: ns, labelSelector: 'kubefed.io/managed=true' })).items.length >= N, 900_000, 3000);
  }
  await sleep(5000);
  await waitQuiet(fed, 600_000);
  const h2 = await heap();
  log(`+${3 * N} member objects: ${((h2 - h1) / MiB).toFixed(1)} MiB, ${((h2 - h1) / (3 * N)).toFixed(0)} B per member object`);
  if (process.env.SNAPSHOT) log(`snapshot: ${v8.writeHeapSnapshot(process.env.SNAPSHOT)}`);
  void CoreTypes;
} finally {
  await fed.stop();
}
