// For people: `npm run clusters:up` leaves a local federation running (one etcd, a host and two member
// kube-apiservers, a kube-controller-manager each) with kubefed-ts's CRDs installed on the host, and prints
// how to reach it; `npm run clusters:down` stops exactly the processes it (and the demo) started; `status` tells.
import { downFederation, printAccess, processRuns, readControlPlaneState, stateDir, upFederation } from './lib/local-federation.js';

async function up(): Promise<void> {
  printAccess(await upFederation());
}

async function down(): Promise<void> {
  const state = await downFederation();
  if (!state) console.log('No local federation is running.');
  else console.log(`Stopped ${state.processes.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}.`);
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
