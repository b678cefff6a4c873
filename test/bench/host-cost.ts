// What one request costs the host API server, by kind of request, to explain the throughput figures: the
// controller's protocol writes two updates of a custom resource (the finalizer, the status) per federated
// object on the host, against one create per member. Each request kind is sent N times (32 in flight, like
// the controller's writers) and the host kube-apiserver's own CPU time (/proc/<pid>/stat) is divided by N.
// Requests go through the controller-manager's own host client (a ServiceAccount token, as deployed), and
// the status update once more with the admin client certificate, whose chain the API server verifies on
// every request where a token's verification is cached.
import { readFileSync } from 'node:fs';
import { SYNC_CONTROLLER_FINALIZER } from '../../src/api/index.js';
import { CoreTypes, type KubeObject } from '../../src/kube/types.js';
import { FIELD_MANAGER } from '../../src/sync/controller.js';
import { BenchFederation } from './federation.js';
import { forEachConcurrently, round } from './lib.js';
import { fedTypeOf } from './objects.js';

export interface HostCostRow {
  request: string;
  requests: number;
  /** Host kube-apiserver CPU milliseconds per request. */
  hostCpuMsPerRequest: number;
  etcdCpuMsPerRequest: number;
  seconds: number;
}

export interface HostCostResult {
  rows: HostCostRow[];
  /** Custom-resource status update against a ConfigMap create, host CPU per request. */
  statusUpdateToMemberCreate: number;
}

const CONCURRENCY = 32;

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export async function runHostCost(fed: BenchFederation, requests: number, log: (m: string) => void): Promise<HostCostResult> {
  const processes = fed.cp.managedProcesses();
  const hostPid = processes.find((p) => p.name === 'kube-apiserver-host')!.pid;
  const etcdPid = processes.find((p) => p.name === 'etcd')!.pid;
  const controllerHost = fed.manager!.host;
  const admin = fed.host;
  const federated = fedTypeOf('configmap').federated;
  const ns = 'host-cost';
  await fed.ensureNamespace(admin, ns);
  const data = { key: 'x'.repeat(100) };
  const indices = Array.from({ length: requests }, (_, i) => i);
  const rows: HostCostRow[] = [];
  const measure = async (request: string, send: (i: number) => Promise<unknown>): Promise<void> => {
    const host0 = cpuSeconds(hostPid);
    const etcd0 = cpuSeconds(etcdPid);
    const t0 = performance.now();
    await forEachConcurrently(indices, CONCURRENCY, async (i) => {
      await send(i);
    });
    const row = {
      request,
      requests,
      hostCpuMsPerRequest: round(((cpuSeconds(hostPid) - host0) * 1000) / requests, 2),
      etcdCpuMsPerRequest: round(((cpuSeconds(etcdPid) - etcd0) * 1000) / requests, 2),
      seconds: round((performance.now() - t0) / 1000, 2),
    };
    rows.push(row);
    log(`host cost: ${request}: ${row.hostCpuMsPerRequest} ms host CPU per request`);
  };
  const status = (n: number) => ({
    observedGeneration: 1,
    conditions: [{ type: 'Propagation', status: 'True', lastTransitionTime: `2026-01-01T00:00:${String(n % 60).padStart(2, '0')}Z` }],
    clusters: fed.memberNames.map((name) => ({ name })),
  });
  const fedObject = (i: number): KubeObject => ({
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedConfigMap',
    metadata: { name: `cost-${i}`, namespace: ns },
    spec: { template: { data }, placement: { clusters: fed.memberNames.map((name) => ({ name })) } },
  });

  await measure('ConfigMap create (what a member gets per object)', (i) =>
    controllerHost.create(CoreTypes.configMap, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cost-${i}`, namespace: ns }, data }, FIELD_MANAGER, { fieldValidation: 'Strict' }),
  );
  await measure('FederatedConfigMap create', (i) => controllerHost.create(federated, fedObject(i), FIELD_MANAGER));
  await measure('FederatedConfigMap finalizer merge PATCH (the controller\'s 1st host write)', (i) =>
    controllerHost.mergePatch(federated, `cost-${i}`, ns, { metadata: { finalizers: [SYNC_CONTROLLER_FINALIZER] } }),
  );
  await measure('FederatedConfigMap status merge PATCH (the controller\'s 2nd host write)', (i) =>
    controllerHost.mergePatch(federated, `cost-${i}`, ns, { status: status(1) }, { subresource: 'status', fieldManager: FIELD_MANAGER }),
  );
  await measure('the same status PATCH again (no change: nothing stored)', (i) =>
    controllerHost.mergePatch(federated, `cost-${i}`, ns, { status: status(1) }, { subresource: 'status', fieldManager: FIELD_MANAGER }),
  );
  await measure('status PATCH with the admin client certificate', (i) =>
    admin.mergePatch(federated, `cost-${i}`, ns, { status: status(2) }, { subresource: 'status', fieldManager: FIELD_MANAGER }),
  );
  await measure('FederatedConfigMap GET', (i) => controllerHost.get(federated, `cost-${i}`, ns));
  // The objects as stored, for the writes that send a whole object (with its resourceVersion).
  const current = new Map<number, KubeObject>();
  const readAll = () =>
    forEachConcurrently(indices, CONCURRENCY, async (i) => {
      current.set(i, await controllerHost.get(federated, `cost-${i}`, ns));
    });
  await readAll();
  await measure('status PUT (whole object, resourceVersion precondition)', async (i) => {
    const obj = current.get(i)!;
    current.set(i, await controllerHost.replace(federated, { ...obj, status: status(3) }, { subresource: 'status', fieldManager: FIELD_MANAGER }));
  });
  await measure('status JSON PATCH (replace /status)', (i) =>
    controllerHost.jsonPatch(federated, `cost-${i}`, ns, [{ op: 'replace', path: '/status', value: status(4) }], { subresource: 'status', fieldManager: FIELD_MANAGER }),
  );
  await measure('status apply PATCH', (i) =>
    controllerHost.apply(federated, { apiVersion: federated.group + '/' + federated.version, kind: 'FederatedConfigMap', metadata: { name: `cost-${i}`, namespace: ns }, status: status(5) } as KubeObject, FIELD_MANAGER, { subresource: 'status' }),
  );
  await readAll();
  await measure('main-resource PUT (label change)', async (i) => {
    const obj = current.get(i)!;
    await controllerHost.replace(federated, { ...obj, metadata: { ...obj.metadata, labels: { x: 'y' } } }, { fieldManager: FIELD_MANAGER });
  });
  await measure('ConfigMap merge PATCH (a native update, for comparison)', (i) =>
    controllerHost.mergePatch(CoreTypes.configMap, `cost-${i}`, ns, { metadata: { labels: { x: 'y' } } }, { fieldManager: FIELD_MANAGER }),
  );
  const perRequest = (prefix: string): number => rows.find((r) => r.request.startsWith(prefix))!.hostCpuMsPerRequest;
  return { rows, statusUpdateToMemberCreate: round(perRequest('FederatedConfigMap status') / perRequest('ConfigMap create'), 2) };
}
