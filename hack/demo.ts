// The newcomer's local federation, in one go: real host + 2 member API servers, the kubefed-ts
// controller-manager running against them, both members joined with `kubefedctl join`, the default
// federated types enabled, and a sample workload (FederatedNamespace, FederatedConfigMap, FederatedDeployment
// with a ReplicaSchedulingPreference) applied; then it shows what reached each member.
import { existsSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { defaultFederatedTypeConfigs } from '../src/api/index.js';
import { repoRoot } from '../test/harness/binaries.js';
import { kubectl, printAccess, processRuns, startRecordedProcess, upFederation } from './lib/local-federation.js';

const NS = 'kube-federation-system';

function step(message: string): void {
  console.log(`\n==> ${message}`);
}

async function waitFor(what: string, probe: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (probe()) return;
    } catch {
      // not there yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function main(): Promise<void> {
  for (const built of ['dist/main.js', 'dist/kubefedctl/main.js']) {
    if (!existsSync(path.join(repoRoot, built))) throw new Error(`${built} is missing: run npm run build (hack/demo.sh does)`);
  }
  step('Local clusters');
  const state = await upFederation();
  const kc = state.kubeconfigPath;
  const host = (args: string[], input?: string) => kubectl(kc, 'host', args, false, input);

  step('The KubeFed namespace and the default federated types on the host');
  host(['apply', '-f', '-'], yaml.dump({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }));
  host(['apply', '--server-side', '-f', '-'], defaultFederatedTypeConfigs(NS).map((ftc) => yaml.dump(ftc)).join('---\n'));

  step('The kubefed-ts controller-manager');
  const running = state.processes.find((p) => p.name === 'controller-manager');
  if (running && processRuns(running.pid, running.binary)) {
    console.log(`already running (pid ${running.pid})`);
  } else {
    const pid = await startRecordedProcess(state, 'controller-manager', [
      path.join(repoRoot, 'dist', 'main.js'),
      '--kubeconfig', kc, '--context', 'host', '--kubefed-namespace', NS,
      '--health-addr', '127.0.0.1:0', '--metrics-addr', '127.0.0.1:0', '--leader-elect', 'false',
    ]);
    console.log(`started (pid ${pid}), logs in ${path.join(state.dir, 'logs', 'controller-manager.log')}`);
  }

  step('kubefedctl join member1 and member2');
  for (const member of ['member1', 'member2']) {
    kubectl(kc, 'host', ['version', '--client'], false); // fail early if kubectl is missing
    const { execFileSync } = await import('node:child_process');
    process.stdout.write(
      execFileSync(process.execPath, [path.join(repoRoot, 'dist', 'kubefedctl', 'main.js'), 'join', member,
        '--cluster-context', member, '--host-cluster-context', 'host', '--kubeconfig', kc, '--kubefed-namespace', NS], { encoding: 'utf8' }),
    );
  }
  await waitFor('both KubeFedClusters Ready', () =>
    host(['get', 'kubefedclusters', '-n', NS, '-o', "jsonpath={range .items[*]}{.status.conditions[?(@.type=='Ready')].status}{' '}{end}"]).trim() === 'True True',
  );

  step('The sample workload (examples/demo.yaml)');
  console.log(host(['apply', '-f', path.join(repoRoot, 'examples', 'demo.yaml')]).trim());
  const replicas = (member: string) => kubectl(kc, member, ['get', 'deployment', 'web', '-n', 'demo', '-o', 'jsonpath={.spec.replicas}']).trim();
  await waitFor('the Deployment in both members with 3 and 6 replicas', () => replicas('member1') === '3' && replicas('member2') === '6');
  await waitFor('the ConfigMap in both members', () => kubectl(kc, 'member2', ['get', 'configmap', 'greeting', '-n', 'demo']).length > 0);

  step('What the members run');
  for (const member of ['member1', 'member2']) {
    console.log(`--- ${member}`);
    console.log(kubectl(kc, member, ['get', 'deployment/web', 'configmap/greeting', '-n', 'demo', '-L', 'kubefed.io/managed']).trim());
    console.log(`greeting: ${kubectl(kc, member, ['get', 'configmap', 'greeting', '-n', 'demo', '-o', 'jsonpath={.data.message}'])}`);
  }
  step('What the host says');
  console.log(host(['get', 'kubefedclusters', '-n', NS]).trim());
  console.log(host(['get', 'federation', '-n', 'demo']).trim());
  const fed = JSON.parse(host(['get', 'federateddeployment', 'web', '-n', 'demo', '-o', 'json'])) as {
    status?: { clusters?: Array<{ name: string; status?: string }> };
  };
  for (const c of fed.status?.clusters ?? []) console.log(`federateddeployment web in ${c.name}: ${c.status || 'in the desired state'}`);
  console.log('(no kubelet runs in the local clusters, so pods never start and the RSP waits for ready replicas)');
  printAccess(state);
}

main().catch((err: unknown) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
