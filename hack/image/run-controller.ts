// The runtime half of hack/image-test.sh: the image's own `node dist/main.js`, run inside a buildah
// container (chroot isolation, the image's user) against a real host kube-apiserver started here, must
// serve /healthz, /readyz and /metrics, take the leader lease on the host, and drain and exit 0 on SIGTERM.
// Everything started here (etcd, the API server, the container's process) is stopped here by pid.
//   usage: tsx hack/image/run-controller.ts CONTAINER      ($IMAGE_BUILDAH: JSON argv of buildah and its store flags)
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { resolveBinDir, repoRoot } from '../../test/harness/binaries.js';
import { ControlPlane, freePort } from '../../test/harness/control-plane.js';
import { kubectl } from '../lib/local-federation.js';

/** The image's USER (Dockerfile): the kubeconfig handed to the container must be readable by it alone. */
const IMAGE_UID = 65532;
const NAMESPACE = 'kube-federation-system';
const READY_TIMEOUT_MS = 90_000;

const t0 = Date.now();
const log = (m: string): void => console.log(`   ${m} [${((Date.now() - t0) / 1000).toFixed(1)} s]`);

async function main(): Promise<void> {
  const container = process.argv[2];
  const buildah = JSON.parse(process.env.IMAGE_BUILDAH ?? '[]') as string[];
  if (!container || buildah.length === 0) throw new Error('usage: IMAGE_BUILDAH=\'["buildah",...]\' tsx hack/image/run-controller.ts CONTAINER');

  const started = Date.now();
  const cp = await ControlPlane.start({ binDir: resolveBinDir(['etcd', 'kube-apiserver', 'kubectl']), members: 0, controllerManagers: false });
  const secretDir = await mkdtemp(path.join(os.tmpdir(), 'kubefed-ts-image-kubeconfig-'));
  let stopContainer: (() => Promise<number | null>) | undefined;
  try {
    log(`host kube-apiserver ${cp.clusters.get('host')!.server} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    kubectl(cp.kubeconfigPath, 'host', ['apply', '--server-side', '-f', path.join(repoRoot, 'crds')]);
    kubectl(cp.kubeconfigPath, 'host', ['wait', '--for=condition=Established', '--timeout=60s', '-f', path.join(repoRoot, 'crds')]);
    kubectl(cp.kubeconfigPath, 'host', ['create', 'namespace', NAMESPACE]);
    log('CRDs installed, namespace created');

    // The container runs as IMAGE_UID on this machine's filesystem (chroot isolation maps no users).
    const kubeconfig = path.join(secretDir, 'kubeconfig');
    await copyFile(path.join(cp.dir, 'kubeconfig-host'), kubeconfig);
    await chown(secretDir, IMAGE_UID, IMAGE_UID);
    await chown(kubeconfig, IMAGE_UID, IMAGE_UID);
    await chmod(kubeconfig, 0o600);

    const [healthPort, metricsPort] = [await freePort(), await freePort()];
    const args = [
      ...buildah.slice(1), 'run', '--isolation', 'chroot', '--volume', `${secretDir}:/etc/kubefed-ts:ro`, container, '--',
      // `buildah run` ignores the ENTRYPOINT: this is it, in full.
      'node', 'dist/main.js',
      '--kubeconfig', '/etc/kubefed-ts/kubeconfig',
      '--health-addr', `127.0.0.1:${healthPort}`,
      '--metrics-addr', `127.0.0.1:${metricsPort}`,
    ];
    // The image must trust the API server through the kubeconfig's CA alone, not this machine's bundle.
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    const child = spawn(buildah[0]!, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    stopContainer = async () => {
      // A SIGTERM to `buildah run` SIGKILLs the command, so it goes to the container's node process itself,
      // as a kubelet would send it: the descendant of our buildah process that is node running dist/main.js
      // (buildah's chroot helpers above it carry the same arguments).
      if (child.exitCode === null && child.signalCode === null) {
        const node = descendants(child.pid!).find((pid) => {
          const [argv0, script] = cmdline(pid);
          return argv0 !== undefined && path.basename(argv0) === 'node' && script === 'dist/main.js';
        });
        if (node === undefined) throw new Error(`no node process under buildah run (pid ${child.pid}):\n${output}`);
        process.kill(node, 'SIGTERM');
      }
      const code = await Promise.race([exited, delay(20_000, undefined, { ref: false }).then(() => 'timeout' as const)]);
      if (code !== 'timeout') return code;
      for (const pid of [...descendants(child.pid!).reverse(), child.pid!]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await exited;
      throw new Error(`the container's controller-manager did not exit within 20 s of SIGTERM:\n${output}`);
    };
    const runStarted = Date.now();
    log(`buildah run (pid ${child.pid}): node dist/main.js, health :${healthPort}, metrics :${metricsPort}`);

    const get = async (port: number, p: string): Promise<{ status: number; body: string } | undefined> => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}${p}`);
        return { status: res.status, body: await res.text() };
      } catch {
        return undefined;
      }
    };
    const waitFor = async (what: string, probe: () => Promise<boolean>): Promise<void> => {
      const deadline = Date.now() + READY_TIMEOUT_MS;
      while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`the container exited (${child.exitCode}) before ${what}:\n${output}`);
        if (await probe()) return;
        await delay(200);
      }
      throw new Error(`no ${what} after ${READY_TIMEOUT_MS / 1000} s:\n${output}`);
    };
    await waitFor('/healthz 200', async () => (await get(healthPort, '/healthz'))?.status === 200);
    log(`/healthz 200 after ${((Date.now() - runStarted) / 1000).toFixed(1)} s`);
    await waitFor('/readyz 200', async () => (await get(healthPort, '/readyz'))?.status === 200);
    log(`/readyz 200 after ${((Date.now() - runStarted) / 1000).toFixed(1)} s`);
    // Ready with leader election on means this replica leads: the lease on the host names it, and so does
    // its own metric.
    await waitFor('kubefed_leader 1 in /metrics', async () => /^kubefed_leader 1$/m.test((await get(metricsPort, '/metrics'))?.body ?? ''));
    const metrics = (await get(metricsPort, '/metrics'))!.body;
    for (const name of ['kubefedcluster_total', 'workqueue_depth', 'process_resident_memory_bytes']) {
      if (!metrics.includes(`# TYPE ${name} `)) throw new Error(`/metrics lacks ${name}:\n${metrics.slice(0, 2000)}`);
    }
    const holder = kubectl(cp.kubeconfigPath, 'host', ['get', 'lease', '-n', NAMESPACE, 'kubefed-controller-manager', '-o', 'jsonpath={.spec.holderIdentity}']);
    if (!holder) throw new Error('the leader Lease on the host names no holder');
    log(`/metrics answers (kubefed_leader 1); lease kube-federation-system/kubefed-controller-manager held by ${holder}`);

    const code = await stopContainer();
    stopContainer = undefined;
    if (code !== 0 || !output.includes('"controller-manager stopped"')) {
      throw new Error(`on SIGTERM the container's controller-manager exited ${code} without draining:\n${output}`);
    }
    log('SIGTERM: drained and exited 0');
  } finally {
    if (stopContainer) await stopContainer().catch((err: unknown) => console.error((err as Error).message));
    await cp.stop();
    await rm(secretDir, { recursive: true, force: true });
    log('host kube-apiserver and etcd stopped');
  }
}

/** Every process below `pid`, children first, from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited meanwhile
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const c of children.get(queue.shift()!) ?? []) {
      found.push(c);
      queue.push(c);
    }
  }
  return found;
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

// Exit at once when done: ControlPlane.stop leaves its 10 s stop-grace timers running.
main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
