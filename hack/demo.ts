// The newcomer's local federation, in one go: real host + 2 member API servers, the kubefed-ts
// controller-manager running against them, both members joined with `kubefedctl join`, the default
// federated types enabled, and a sample workload (FederatedNamespace, FederatedConfigMap, FederatedDeployment
// with a ReplicaSchedulingPreference) applied; then it shows what reached each member.
// `--pull-member` (npm run demo -- --pull-member) joins member2 in pull mode instead: the host keeps no
// credential for it, and its agent (dist/agent/main.js) runs as a process beside the controller-manager.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { defaultFederatedTypeConfigs } from '../src/api/index.js';
import { repoRoot } from '../test/harness/binaries.js';
import { kubectl, printAccess, processRuns, startRecordedProcess, upFederation } from './lib/local-federation.js';

const NS = 'kube-federation-system';
const USAGE = 'usage: npm run demo [-- --pull-member]';

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

/** The member's join mode in the running federation, if joined. */
function joinedMode(host: (args: string[]) => string, member: string): 'Push' | 'Pull' | undefined {
  const out = host(['get', 'kubefedclusters', '-n', NS, '--ignore-not-found', '-o', `jsonpath={.items[?(@.metadata.name=="${member}")].spec.syncMode}`]).trim();
  if (out === '') return host(['get', 'kubefedcluster', member, '-n', NS, '--ignore-not-found', '-o', 'name']).trim() ? 'Push' : undefined;
  return out === 'Pull' ? 'Pull' : 'Push';
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--pull-member');
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown.join(' ')}; ${USAGE}`);
  const pullMember = args.includes('--pull-member');
  for (const built of ['dist/main.js', 'dist/kubefedctl/main.js', 'dist/agent/main.js']) {
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

  const kubefedctl = (...argv: string[]): void => {
    process.stdout.write(
      execFileSync(process.execPath, [path.join(repoRoot, 'dist', 'kubefedctl', 'main.js'), ...argv,
        '--host-cluster-context', 'host', '--kubeconfig', kc, '--kubefed-namespace', NS], { encoding: 'utf8' }),
    );
  };
  const agentKubeconfig = path.join(state.dir, 'member2-agent.kubeconfig');
  const agentRunning = state.processes.find((p) => p.name === 'agent-member2');
  step(pullMember ? 'kubefedctl join member1 (push) and member2 (pull)' : 'kubefedctl join member1 and member2');
  if (!pullMember && agentRunning && processRuns(agentRunning.pid, agentRunning.binary)) {
    // member2 becomes a push member: the agent of an earlier --pull-member run goes before its unjoin.
    process.kill(agentRunning.pid, 'SIGTERM');
    console.log(`stopped member2's agent of an earlier --pull-member run (pid ${agentRunning.pid})`);
  }
  for (const member of ['member1', 'member2']) {
    const mode = member === 'member2' && pullMember ? 'Pull' : 'Push';
    // A federation left by an earlier run with the other mode: join refuses to switch in place.
    const joined = joinedMode(host, member);
    if (joined && joined !== mode) {
      console.log(`${member} was joined in ${joined} mode by an earlier run; unjoining it first`);
      // Without the member the RSP would move all replicas to the other one, and with no kubelet here it never
      // scales a cluster down again: it is applied afresh below.
      host(['delete', 'replicaschedulingpreference', 'web', '-n', 'demo', '--ignore-not-found']);
      kubefedctl('unjoin', member, '--cluster-context', member);
    }
    if (mode === 'Pull') kubefedctl('join', member, '--mode', 'pull', '--cluster-context', member, '--agent-kubeconfig-out', agentKubeconfig);
    else kubefedctl('join', member, '--cluster-context', member);
  }
  if (pullMember) {
    step('The pull agent of member2 (dist/agent/main.js), as a process');
    if (agentRunning && processRuns(agentRunning.pid, agentRunning.binary)) {
      console.log(`already running (pid ${agentRunning.pid})`);
    } else {
      const pid = await startRecordedProcess(state, 'agent-member2', [
        path.join(repoRoot, 'dist', 'agent', 'main.js'),
        '--cluster-name', 'member2', '--host-kubeconfig', agentKubeconfig, '--kubeconfig', kc, '--context', 'member2',
        '--kubefed-namespace', NS, '--health-addr', '127.0.0.1:0', '--metrics-addr', '127.0.0.1:0',
      ]);
      console.log(`started (pid ${pid}), logs in ${path.join(state.dir, 'logs', 'agent-member2.log')}`);
    }
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
  console.log(host(['get', 'kubefedclusters', '-n', NS, '-o', 'custom-columns=NAME:.metadata.name,MODE:.spec.syncMode,READY:.status.conditions[?(@.type=="Ready")].status,KUBERNETES:.status.kubernetesVersion,AGENT:.status.agentVersion']).trim());
  if (pullMember) {
    console.log('member2 pulls its work: the host holds no credential for it. Secrets on the host in kube-federation-system:');
    console.log(host(['get', 'secrets', '-n', NS, '-o', 'custom-columns=NAME:.metadata.name,TYPE:.type']).trim());
    console.log(`member2's work and reports on the host, in its own namespace:`);
    console.log(host(['get', 'secrets,configmaps,leases', '-n', 'kubefed-cluster-member2']).trim());
  }
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
