// What a member create and the first update after it cost the API server (and etcd): POST vs create-only
// server-side apply, then the ownership patch + apply vs apply alone, on a host-only control plane; two rounds
// in swapped order. Run by hand: KIND=configmap|deployment N=500 npx tsx test/bench/create-cost.ts
import { ControlPlane } from '../harness/control-plane.js';
import { resolveBinDir } from '../harness/binaries.js';
import { kubeConfigFromFile } from '../harness/federation.js';
import { forEachConcurrently, processCpuSeconds, round } from './lib.js';
import { RestClient } from '../../src/kube/rest-client.js';
import { applyOwnershipFor } from '../../src/sync/field-ownership.js';
import { createOnly } from '../../src/execution/perform.js';
import { CoreTypes, type KubeObject, type ResourceType } from '../../src/kube/types.js';

const cm: ResourceType = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
const N = Number(process.env.N ?? 500);

const KIND = process.env.KIND ?? 'configmap';
const deploy: ResourceType = { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true };
const dep = (ns: string, i: number, seq: number): KubeObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: `obj-${i}`, namespace: ns, labels: { app: `obj-${i}`, tier: 'web', 'kubefed.io/managed': 'true' }, annotations: { 'kubefed.io/propagated-hash': `h${seq}`.padEnd(16, '0') } },
  spec: { replicas: 1, selector: { matchLabels: { app: `obj-${i}` } }, template: { metadata: { labels: { app: `obj-${i}`, tier: 'web' } }, spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', ports: [{ containerPort: 8080, name: 'http' }], env: [{ name: 'SERVICE_NAME', value: `obj-${i}` }, { name: 'SEQ', value: String(seq) }], resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } } }] } } },
});
const cmBody = (ns: string, i: number, seq: number): KubeObject => ({
  apiVersion: 'v1', kind: 'ConfigMap',
  metadata: { name: `obj-${i}`, namespace: ns, labels: { app: 'bench', tier: 'config', 'kubefed.io/managed': 'true' }, annotations: { 'kubefed.io/propagated-hash': `h${seq}`.padEnd(16, '0') } },
  data: { 'bench-seq': String(seq), 'app.properties': `service.name=obj-${i}\nlog.level=info\npool.size=16\ntimeout.ms=2500\nretries=3\n`, 'feature-flags.json': '{"newCheckout":false,"darkMode":true,"betaSearch":false}' },
});

const body = KIND === 'deployment' ? dep : cmBody;
const cmType = KIND === 'deployment' ? deploy : cm;
const cp = await ControlPlane.start({ members: 0, binDir: resolveBinDir(['etcd', 'kube-apiserver', 'kubectl']), controllerManagers: false });
try {
  const c = await RestClient.fromKubeConfig(kubeConfigFromFile(cp.clusters.get('host')!.kubeconfigPath), { name: 'host', maxSockets: 16 });
  const procs = cp.managedProcesses();
  const phase = async (name: string, fn: (i: number) => Promise<void>): Promise<void> => {
    const before = procs.map((p) => processCpuSeconds(p.pid) ?? 0);
    const t0 = performance.now();
    await forEachConcurrently(Array.from({ length: N }, (_, i) => i), 16, (i) => fn(i));
    const wall = (performance.now() - t0) / 1000;
    const cpu = procs.map((p, k) => `${p.name} ${round((processCpuSeconds(p.pid) ?? 0) - before[k]!, 2)}`).join(', ');
    console.log(`${name.padEnd(40)} ${N} in ${wall.toFixed(1)} s; CPU ${cpu}`);
  };
  const posted = new Map<string, KubeObject>();
  for (const round_ of [1, 2]) {
    const a = `post-${round_}`;
    const b = `ssa-${round_}`;
    for (const ns of [a, b]) await c.create(CoreTypes.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, 'exp');
    const post = () => phase(`create: POST (${a})`, async (i) => {
      posted.set(`${a}/${i}`, await c.create(cmType, body(a, i, 0), 'kubefed-ts', { fieldValidation: 'Strict' }));
    });
    const ssa = () => phase(`create: apply, rv=never (${b})`, async (i) => {
      await c.apply(cmType, createOnly(body(b, i, 0)), 'kubefed-ts');
    });
    const upPost = () => phase(`1st update: ownership patch + apply (${a})`, async (i) => {
      const live = posted.get(`${a}/${i}`)!;
      const mf = applyOwnershipFor(live, 'kubefed-ts');
      await c.mergePatch(cmType, `obj-${i}`, a, { metadata: { resourceVersion: live.metadata!.resourceVersion, managedFields: mf } }, { fieldManager: 'kubefed-ts' });
      await c.apply(cmType, body(a, i, 1), 'kubefed-ts');
    });
    const upSsa = () => phase(`1st update: apply (${b})`, async (i) => {
      await c.apply(cmType, body(b, i, 1), 'kubefed-ts');
    });
    const up2 = (ns: string) => phase(`2nd update: apply (${ns})`, async (i) => {
      await c.apply(cmType, body(ns, i, 2), 'kubefed-ts');
    });
    if (round_ === 1) { await post(); await ssa(); await upPost(); await upSsa(); await up2(a); await up2(b); }
    else { await ssa(); await post(); await upSsa(); await upPost(); await up2(b); await up2(a); }
  }
  // Sizes as stored
  const one = (await c.get<KubeObject>(cmType, 'obj-1', 'post-1'));
  const two = (await c.get<KubeObject>(cmType, 'obj-1', 'ssa-1'));
  console.log(`stored JSON size: post ${JSON.stringify(one).length}, ssa ${JSON.stringify(two).length}`);
  console.log(JSON.stringify(one.metadata?.managedFields), '\n', JSON.stringify(two.metadata?.managedFields));
  c.close();
} finally {
  await cp.stop();
}
