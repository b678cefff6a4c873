// For people: `npm run clusters:up` leaves a local federation running (one etcd, a host and two member
// kube-apiservers, a kube-controller-manager each) with kubefed-ts's CRDs installed on the host, and prints
// how to reach it; `npm run clusters:down` stops exactly the processes `up` started; `status` tells.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { resolveBinDir, repoRoot } from '../test/harness/binaries.js';
import { ControlPlane, processRuns, readControlPlaneState, stopFromState } from '../test/harness/control-plane.js';

const stateDir = path.join(
  process.env.KUBEFED_TS_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'kubefed-ts'),
  'local-federation',
);

async function up(): Promise<void> {
  const existing = await readControlPlaneState(stateDir);
  if (existing && existing.processes.every((p) => processRuns(p.pid, p.binary))) {
    console.log('The local federation is already running.');
    printAccess(existing.kubeconfigPath, Object.keys(existing.clusters));
    return;
  }
  if (existing) await stopFromState(existing); // half-dead leftovers of an earlier run
  const binDir = resolveBinDir();
  console.log('Starting etcd and 3 kube-apiservers (host, member1, member2)...');
  const cp = await ControlPlane.start({ binDir, dir: stateDir, ownerPid: null, log: (m) => console.log(`  ${m}`) });
  console.log('Installing the kubefed-ts CRDs on the host...');
  execFileSync(path.join(binDir, 'kubectl'), ['--kubeconfig', cp.kubeconfigPath, '--context', 'host',
    'apply', '--server-side', '-f', path.join(repoRoot, 'crds')], { stdio: 'inherit' });
  execFileSync(path.join(binDir, 'kubectl'), ['--kubeconfig', cp.kubeconfigPath, '--context', 'host',
    'wait', '--for=condition=Established', '--timeout=60s', '-f', path.join(repoRoot, 'crds')], { stdio: 'ignore' });
  printAccess(cp.kubeconfigPath, cp.clusterNames());
}

function printAccess(kubeconfigPath: string, clusters: string[]): void {
  const binDir = resolveBinDir();
  console.log(`
Local federation running: contexts ${clusters.join(', ')}.
  export KUBECONFIG=${kubeconfigPath}
  export PATH=${binDir}:$PATH     # the matching kubectl
  kubectl --context host get crd
  kubectl --context member1 get namespaces
Stop it with: npm run clusters:down`);
}

async function down(): Promise<void> {
  const state = await readControlPlaneState(stateDir);
  if (!state) {
    console.log('No local federation is running.');
    return;
  }
  await stopFromState(state);
  console.log(`Stopped ${state.processes.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}.`);
}

async function status(): Promise<void> {
  const state = await readControlPlaneState(stateDir);
  if (!state) {
    console.log('No local federation is running.');
    return;
  }
  for (const p of state.processes) console.log(`${p.name}\tpid ${p.pid}\t${processRuns(p.pid, p.binary) ? 'running' : 'gone'}`);
  console.log(`KUBECONFIG=${state.kubeconfigPath}`);
}

const commands: Record<string, () => Promise<void>> = { up, down, status };
const command = commands[process.argv[2] ?? ''];
if (!command) {
  console.error('usage: tsx hack/clusters.ts up|down|status');
  process.exit(2);
}
command().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
