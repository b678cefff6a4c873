// The local federation people run (`npm run clusters:up`, `npm run demo`): real etcd, kube-apiservers and
// kube-controller-managers left running in the background, and the state file that lets `clusters:down`
// stop exactly those processes (plus the demo's controller-manager) by pid.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveBinDir, repoRoot } from '../../test/harness/binaries.js';
import {
  ControlPlane,
  processRuns,
  readControlPlaneState,
  stopFromState,
  type ControlPlaneState,
} from '../../test/harness/control-plane.js';

export const stateDir = path.join(
  process.env.KUBEFED_TS_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'kubefed-ts'),
  'local-federation',
);

/** Starts the clusters unless they already run; installs the CRDs on the host. */
export async function upFederation(log: (message: string) => void = console.log): Promise<ControlPlaneState> {
  const existing = await readControlPlaneState(stateDir);
  // The demo's own processes (the controller-manager, a pull member's agent) may be gone: the clusters still are.
  const servers = existing?.processes.filter((p) => p.name !== 'controller-manager' && !p.name.startsWith('agent-')) ?? [];
  if (existing && servers.length > 0 && servers.every((p) => processRuns(p.pid, p.binary))) {
    log('The local federation is already running.');
    return existing;
  }
  if (existing) await stopFromState(existing); // half-dead leftovers of an earlier run
  const binDir = resolveBinDir();
  log('Starting etcd, 3 kube-apiservers (host, member1, member2) and their kube-controller-managers...');
  const cp = await ControlPlane.start({ binDir, dir: stateDir, ownerPid: null, log: (m) => log(`  ${m}`) });
  log('Installing the kubefed-ts CRDs on the host...');
  kubectl(cp.kubeconfigPath, 'host', ['apply', '--server-side', '-f', path.join(repoRoot, 'crds')], true);
  kubectl(cp.kubeconfigPath, 'host', ['wait', '--for=condition=Established', '--timeout=60s', '-f', path.join(repoRoot, 'crds')]);
  return cp.state();
}

export async function downFederation(): Promise<ControlPlaneState | undefined> {
  const state = await readControlPlaneState(stateDir);
  if (state) await stopFromState(state);
  return state;
}

export function kubectl(kubeconfigPath: string, context: string, args: string[], inherit = false, input?: string): string {
  const out = execFileSync(path.join(resolveBinDir(['kubectl']), 'kubectl'), ['--kubeconfig', kubeconfigPath, '--context', context, ...args], {
    encoding: 'utf8',
    stdio: [input === undefined ? 'ignore' : 'pipe', inherit ? 'inherit' : 'pipe', 'pipe'],
    ...(input === undefined ? {} : { input }),
  });
  return out ?? '';
}

/**
 * Starts a long-running process in the background, logging to the state folder, and records it in the
 * state file so that `clusters:down` stops it with the rest.
 */
export async function startRecordedProcess(state: ControlPlaneState, name: string, args: string[]): Promise<number> {
  const logPath = path.join(state.dir, 'logs', `${name}.log`);
  const fd = openSync(logPath, 'a');
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd], cwd: repoRoot });
  closeSync(fd);
  child.unref();
  state.processes = [...state.processes.filter((p) => p.name !== name), { name, pid: child.pid!, binary: process.execPath }];
  const file = path.join(state.dir, 'state.json');
  await writeFile(`${file}.tmp`, JSON.stringify(state, null, 2));
  await rename(`${file}.tmp`, file);
  return child.pid!;
}

export function printAccess(state: ControlPlaneState): void {
  const binDir = resolveBinDir();
  console.log(`
Local federation: contexts ${Object.keys(state.clusters).join(', ')}.
  export KUBECONFIG=${state.kubeconfigPath}
  export PATH=${binDir}:$PATH     # the matching kubectl (and helm)
  kubectl --context host get kubefedclusters -n kube-federation-system
  kubectl --context member1 get namespaces
Logs: ${path.join(state.dir, 'logs')}
Stop everything: npm run clusters:down`);
}

export { processRuns, readControlPlaneState };
