// A local federation of real Kubernetes control planes, as controller-runtime's envtest does it: one etcd,
// and one kube-apiserver per cluster (a host and N members, each under its own etcd prefix), optionally a
// kube-controller-manager per cluster for namespace deletion, garbage collection and service-account
// tokens. No kubelet runs, so no pod ever starts. Every process is started here and stopped here by pid;
// a reaper process stops them too when the owner dies without cleaning up (an interrupted test run).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { generateClusterCerts, type ClusterCerts } from './certs.js';
import { captureDir, recordSecrets, secretsInAuditLog, secretsInKubeconfig, type RecordedSecret } from './log-capture.js';

export interface ControlPlaneOptions {
  /** Number of member clusters, named member1..memberN. Default 2. */
  members?: number;
  /** Folder with kube-apiserver, etcd, kubectl (and kube-controller-manager). */
  binDir: string;
  /** Run a kube-controller-manager per cluster (namespace, GC, token controllers). Default true. */
  controllerManagers?: boolean;
  /** Work folder; a fresh temp folder when absent. Removed on stop unless `keepDir`. */
  dir?: string;
  /**
   * Stop everything when this process exits, even by SIGKILL (a reaper process watches it).
   * Default: the current process. `null` leaves the control plane running for people (`clusters:up`).
   */
  ownerPid?: number | null;
  log?: (message: string) => void;
  /**
   * Record every token the clusters ever hold and the kubeconfigs' client keys for the credential scan
   * of the test logs (log-capture.ts): the API servers write an audit log of Secret writes and
   * TokenRequests, read on stop. Default: when test logs are captured ($KUBEFED_TEST_LOG_DIR).
   */
  recordSecrets?: boolean;
  /** Extra kube-apiserver flags for the members only (the host keeps the defaults), e.g. to fit many on 2 cores. */
  memberApiServerArgs?: string[];
}

export interface LocalCluster {
  name: string;
  server: string;
  port: number;
  certs: ClusterCerts;
  /** A kubeconfig holding only this cluster, as context `name`. */
  kubeconfigPath: string;
}

export interface ManagedProcess {
  name: string;
  pid: number;
  binary: string;
}

export interface ControlPlaneState {
  dir: string;
  kubeconfigPath: string;
  etcdUrl: string;
  clusters: Record<string, { server: string; kubeconfigPath: string }>;
  processes: ManagedProcess[];
  reaperPid?: number;
}

const READY_TIMEOUT_MS = 90_000;
/**
 * Audit only what carries tokens: writes of Secrets (a token controller filling one in is an update) and
 * TokenRequests, with request and response; nothing else, so that auditing costs the servers nothing.
 */
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived, ResponseStarted]
rules:
  - level: RequestResponse
    verbs: [create, update, patch]
    resources:
      - group: ""
        resources: [secrets, serviceaccounts/token]
  - level: None
`;
const STOP_GRACE_MS = 10_000;
const here = path.dirname(fileURLToPath(import.meta.url));

export class ControlPlane {
  readonly clusters = new Map<string, LocalCluster>();
  readonly dir: string;
  readonly kubeconfigPath: string;
  private readonly procs = new Map<string, ChildProcess & { pid: number }>();
  private readonly binaries = new Map<string, string>();
  private etcdUrl = '';
  private reaperPid: number | undefined;
  private stopped = false;

  private constructor(
    private readonly opts: Required<Omit<ControlPlaneOptions, 'dir' | 'ownerPid' | 'log'>> & {
      ownerPid: number | null;
      log: (message: string) => void;
    },
    dir: string,
  ) {
    this.dir = dir;
    this.kubeconfigPath = path.join(dir, 'kubeconfig');
  }

  /** Starts etcd, then every API server (and controller-manager) in parallel, and waits for /readyz. */
  static async start(options: ControlPlaneOptions): Promise<ControlPlane> {
    const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'kubefed-ts-cp-')));
    await mkdir(path.join(dir, 'logs'), { recursive: true });
    const cp = new ControlPlane(
      {
        members: options.members ?? 2,
        binDir: options.binDir,
        controllerManagers: options.controllerManagers ?? true,
        recordSecrets: options.recordSecrets ?? captureDir() !== undefined,
        memberApiServerArgs: options.memberApiServerArgs ?? [],
        ownerPid: options.ownerPid === undefined ? process.pid : options.ownerPid,
        log: options.log ?? (() => {}),
      },
      dir,
    );
    for (const b of ['etcd', 'kube-apiserver', 'kubectl']) {
      if (!existsSync(path.join(options.binDir, b))) {
        throw new Error(`${b} not found in ${options.binDir}: run 'npm run binaries' (hack/build-binaries.sh) first`);
      }
    }
    try {
      if (cp.opts.ownerPid !== null) await cp.startReaper(cp.opts.ownerPid);
      await cp.startAll();
    } catch (err) {
      await cp.stop();
      throw err;
    }
    return cp;
  }

  clusterNames(): string[] {
    return [...this.clusters.keys()];
  }

  state(): ControlPlaneState {
    return {
      dir: this.dir,
      kubeconfigPath: this.kubeconfigPath,
      etcdUrl: this.etcdUrl,
      clusters: Object.fromEntries(
        [...this.clusters.values()].map((c) => [c.name, { server: c.server, kubeconfigPath: c.kubeconfigPath }]),
      ),
      processes: this.managedProcesses(),
      ...(this.reaperPid ? { reaperPid: this.reaperPid } : {}),
    };
  }

  managedProcesses(): ManagedProcess[] {
    return [...this.procs.entries()].map(([name, p]) => ({ name, pid: p.pid, binary: this.binaries.get(name)! }));
  }

  /** Stops one cluster's API server (and controller-manager), e.g. to simulate a member outage. */
  async stopCluster(name: string): Promise<void> {
    this.requireCluster(name);
    await Promise.all([this.stopProcess(`kube-controller-manager-${name}`), this.stopProcess(`kube-apiserver-${name}`)]);
  }

  /** Starts a stopped cluster again on the same port with the same certificates and data. */
  async startCluster(name: string): Promise<void> {
    const cluster = this.requireCluster(name);
    await this.startApiServer(cluster);
    if (this.opts.controllerManagers) await this.startControllerManager(cluster);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // Controller-managers and API servers first, so nothing is left writing to etcd when it stops.
    const names = [...this.procs.keys()];
    await Promise.all(names.filter((n) => n.startsWith('kube-controller-manager-')).map((n) => this.stopProcess(n)));
    await Promise.all(names.filter((n) => n.startsWith('kube-apiserver-')).map((n) => this.stopProcess(n)));
    await this.stopProcess('etcd');
    if (this.opts.recordSecrets) await this.recordSecrets();
    await rm(this.dir, { recursive: true, force: true });
    if (this.reaperPid) {
      try {
        process.kill(this.reaperPid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }

  /** Records for the credential scan every token in the audit logs and the kubeconfigs' client keys. */
  private async recordSecrets(): Promise<void> {
    const source = `control plane ${path.basename(this.dir)}`;
    const found: RecordedSecret[] = [];
    const read = async (file: string): Promise<string | undefined> => readFile(file, 'utf8').catch(() => undefined);
    for (const c of this.clusters.values()) {
      const audit = await read(this.auditLogPath(c));
      if (audit) found.push(...secretsInAuditLog(audit, `${source} ${c.name}`));
    }
    for (const file of [this.kubeconfigPath, ...[...this.clusters.values()].map((c) => c.kubeconfigPath)]) {
      const text = await read(file);
      if (text) found.push(...secretsInKubeconfig(yaml.load(text), `${source} ${path.basename(file)}`));
    }
    recordSecrets(found);
  }

  private auditLogPath(c: LocalCluster): string {
    return path.join(this.dir, 'logs', `audit-${c.name}.log`);
  }

  private requireCluster(name: string): LocalCluster {
    const cluster = this.clusters.get(name);
    if (!cluster) throw new Error(`no cluster named ${name}`);
    return cluster;
  }

  private async startAll(): Promise<void> {
    const names = ['host', ...Array.from({ length: this.opts.members }, (_, i) => `member${i + 1}`)];
    const [etcdPorts, certs] = await Promise.all([
      Promise.all([freePort(), freePort()]),
      Promise.all(names.map((n) => generateClusterCerts(path.join(this.dir, 'pki', n), n))),
    ]);
    await this.startEtcd(etcdPorts[0], etcdPorts[1]);
    for (const [i, name] of names.entries()) {
      const port = await freePort();
      const cluster: LocalCluster = {
        name,
        port,
        server: `https://127.0.0.1:${port}`,
        certs: certs[i]!,
        kubeconfigPath: path.join(this.dir, `kubeconfig-${name}`),
      };
      this.clusters.set(name, cluster);
      await writeFile(cluster.kubeconfigPath, kubeconfigYaml([cluster], name), { mode: 0o600 });
    }
    await writeFile(this.kubeconfigPath, kubeconfigYaml([...this.clusters.values()], 'host'), { mode: 0o600 });
    if (this.opts.recordSecrets) await writeFile(this.auditPolicyPath(), AUDIT_POLICY);
    await Promise.all([...this.clusters.values()].map((c) => this.startApiServer(c)));
    if (this.opts.controllerManagers) {
      await Promise.all([...this.clusters.values()].map((c) => this.startControllerManager(c)));
    }
  }

  private async startEtcd(clientPort: number, peerPort: number): Promise<void> {
    this.etcdUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    await this.spawnManaged('etcd', 'etcd', [
      '--name=kubefed-ts',
      `--data-dir=${path.join(this.dir, 'etcd')}`,
      `--listen-client-urls=${this.etcdUrl}`,
      `--advertise-client-urls=${this.etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=kubefed-ts=${peerUrl}`,
      // Test data is disposable: skipping fsync makes etcd writes an order of magnitude faster.
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ]);
    await this.waitFor('etcd', () => httpOk(`${this.etcdUrl}/health`));
  }

  private async startApiServer(c: LocalCluster): Promise<void> {
    const name = `kube-apiserver-${c.name}`;
    await this.spawnManaged(name, 'kube-apiserver', [
      `--etcd-servers=${this.etcdUrl}`,
      `--etcd-prefix=/kubefed-ts/${c.name}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${c.port}`,
      `--cert-dir=${path.join(c.certs.dir, 'generated')}`,
      `--tls-cert-file=${c.certs.servingCertPath}`,
      `--tls-private-key-file=${c.certs.servingKeyPath}`,
      `--client-ca-file=${c.certs.caCertPath}`,
      '--authorization-mode=RBAC',
      '--service-cluster-ip-range=10.0.0.0/24',
      '--disable-admission-plugins=ServiceAccount',
      '--allow-privileged=true',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${c.certs.serviceAccountKeyPath}`,
      `--service-account-signing-key-file=${c.certs.serviceAccountKeyPath}`,
      '--enable-priority-and-fairness=false',
      ...(this.opts.recordSecrets
        ? [`--audit-policy-file=${this.auditPolicyPath()}`, `--audit-log-path=${this.auditLogPath(c)}`, '--audit-log-format=json']
        : []),
      '--v=0',
      ...(c.name === 'host' ? [] : this.opts.memberApiServerArgs),
    ]);
    await this.waitFor(name, () => httpsOk(c, '/readyz'));
  }

  private async startControllerManager(c: LocalCluster): Promise<void> {
    const name = `kube-controller-manager-${c.name}`;
    await this.spawnManaged(name, 'kube-controller-manager', [
      `--kubeconfig=${c.kubeconfigPath}`,
      '--leader-elect=false',
      '--secure-port=0',
      // Only controllers that make sense without nodes: namespaces are deleted, owned objects are
      // garbage-collected, service-account token Secrets are filled in, Deployments make ReplicaSets.
      '--controllers=namespace-controller,garbage-collector-controller,serviceaccount-controller,' +
        'serviceaccount-token-controller,deployment-controller,replicaset-controller',
      `--service-account-private-key-file=${c.certs.serviceAccountKeyPath}`,
      `--root-ca-file=${c.certs.caCertPath}`,
      '--v=0',
    ]);
  }

  private async spawnManaged(name: string, binaryName: string, args: string[]): Promise<void> {
    const binary = path.join(this.opts.binDir, binaryName);
    if (!existsSync(binary)) throw new Error(`${binaryName} not found in ${this.opts.binDir}: run 'npm run binaries'`);
    const logFd = openSync(path.join(this.dir, 'logs', `${name}.log`), 'a');
    // Detached: a terminal's Ctrl-C must not kill servers behind the reaper's back; output goes straight
    // to a log file so the child never blocks on a pipe nobody reads.
    const child = spawn(binary, args, { detached: true, stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    if (child.pid === undefined) throw new Error(`could not start ${binary}`);
    child.unref();
    this.procs.set(name, child as ChildProcess & { pid: number });
    this.binaries.set(name, binary);
    this.opts.log(`started ${name} (pid ${child.pid})`);
    await this.writeStateFile();
  }

  private async stopProcess(name: string): Promise<void> {
    const child = this.procs.get(name);
    if (!child) return;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const timedOut = await Promise.race([exited.then(() => false), delay(STOP_GRACE_MS).then(() => true)]);
    if (timedOut) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    }
    this.procs.delete(name);
    this.opts.log(`stopped ${name} (pid ${child.pid})`);
    if (!this.stopped) await this.writeStateFile();
  }

  private async waitFor(name: string, probe: () => Promise<boolean>): Promise<void> {
    const child = this.procs.get(name)!;
    // Many API servers starting at once on a small machine (20 members) need longer than a few.
    const timeoutMs = READY_TIMEOUT_MS * Math.max(1, Math.ceil(this.clusters.size / 10));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${this.logTail(name)}`);
      }
      if (await probe()) return;
      await delay(100);
    }
    throw new Error(`${name} not ready after ${timeoutMs / 1000}s:\n${this.logTail(name)}`);
  }

  private logTail(name: string): string {
    try {
      return readFileSync(path.join(this.dir, 'logs', `${name}.log`), 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '(no log)';
    }
  }

  private auditPolicyPath(): string {
    return path.join(this.dir, 'audit-policy.yaml');
  }

  private stateFilePath(): string {
    return path.join(this.dir, 'state.json');
  }

  private stateWrites: Promise<void> = Promise.resolve();

  /**
   * One write at a time, each to a temporary file renamed into place: the reaper and tests read this file
   * while servers start in parallel, and must never see a half-written one.
   */
  private writeStateFile(): Promise<void> {
    const write = async (): Promise<void> => {
      const tmp = `${this.stateFilePath()}.tmp`;
      await writeFile(tmp, JSON.stringify(this.state(), null, 2));
      await rename(tmp, this.stateFilePath());
    };
    this.stateWrites = this.stateWrites.then(write, write);
    return this.stateWrites;
  }

  private async startReaper(ownerPid: number): Promise<void> {
    await this.writeStateFile();
    const reaper = spawn(process.execPath, [path.join(here, 'reaper.mjs'), String(ownerPid), this.stateFilePath()], {
      detached: true,
      stdio: 'ignore',
    });
    reaper.unref();
    this.reaperPid = reaper.pid;
  }
}

/** Reads the state file a control plane left for people (`clusters:up`). */
export async function readControlPlaneState(dir: string): Promise<ControlPlaneState | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8')) as ControlPlaneState;
  } catch {
    return undefined;
  }
}

/** True when `pid` is alive and still runs `binary` (a pid may be reused by an unrelated process). */
export function processRuns(pid: number, binary: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === binary;
  } catch {
    return false;
  }
}

/** Stops the processes a state file lists, by pid, and removes the folder. For `clusters:down`. */
export async function stopFromState(state: ControlPlaneState): Promise<void> {
  // Clients of the API servers first (controller-managers, the demo's kubefed-ts), then the servers, then etcd.
  const order = (p: ManagedProcess): number => (p.name.startsWith('kube-apiserver') ? 1 : p.name === 'etcd' ? 2 : 0);
  for (const rank of [0, 1, 2]) {
    const batch = state.processes.filter((p) => order(p) === rank && processRuns(p.pid, p.binary));
    for (const p of batch) process.kill(p.pid, 'SIGTERM');
    const deadline = Date.now() + STOP_GRACE_MS;
    while (Date.now() < deadline && batch.some((p) => processRuns(p.pid, p.binary))) await delay(100);
    for (const p of batch) if (processRuns(p.pid, p.binary)) process.kill(p.pid, 'SIGKILL');
  }
  await rm(state.dir, { recursive: true, force: true });
}

function kubeconfigYaml(clusters: LocalCluster[], current: string): string {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: clusters.map((c) => ({
      name: c.name,
      cluster: { server: c.server, 'certificate-authority-data': b64(c.certs.caCertPem) },
    })),
    users: clusters.map((c) => ({
      name: `${c.name}-admin`,
      user: { 'client-certificate-data': b64(c.certs.adminCertPem), 'client-key-data': b64(c.certs.adminKeyPem) },
    })),
    contexts: clusters.map((c) => ({ name: c.name, context: { cluster: c.name, user: `${c.name}-admin` } })),
    'current-context': current,
  });
}

/**
 * A port nothing listens on, below the kernel's ephemeral range: a port from that range (what listening on
 * port 0 hands out) can be taken by any outgoing connection between this check and the server's bind, which
 * happened with 10 member API servers and thousands of client connections. Ports are not handed out twice
 * by one process.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = FREE_PORT_MIN + Math.floor(Math.random() * (ephemeralRangeStart() - FREE_PORT_MIN));
    if (handedOut.has(port)) continue;
    if (await canListen(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port found below the ephemeral range');
}

const FREE_PORT_MIN = 10_000;
const handedOut = new Set<number>();

function ephemeralRangeStart(): number {
  try {
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(start) && start > FREE_PORT_MIN + 1000 ? start : 32_768;
  } catch {
    return 32_768;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

function httpsOk(c: LocalCluster, urlPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get(
      `${c.server}${urlPath}`,
      {
        ca: c.certs.caCertPem,
        cert: c.certs.adminCertPem,
        key: c.certs.adminKeyPem,
        timeout: 2000,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
