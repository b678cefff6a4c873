// `npm run conformance`: KubeFed v0.10.0's own e2e suite, unmodified, against kubefed-ts on a local
// federation. Starts real API servers (host, member1), joins both with `kubefedctl join` (the host under
// its context name, as the suite expects; two clusters, as KubeFed's CI ran it), installs the chart's KubeFedConfig, FTCs and
// webhook registrations (by URL), runs dist/main.js, then each spec on its own and in the pass it needs
// (see hack/lib/conformance/expectations.ts), and writes docs/conformance.md. Every process it starts is
// stopped by pid; a reaper stops them too if this process dies.
//
//   tsx hack/conformance.ts [--subset all|ci] [--focus REGEX] [--gate on|off] [--out FILE] [--spec-timeout S]
// (hack/conformance.sh builds what it needs first.)
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import yaml from 'js-yaml';
import { repoRoot, resolveBinDir, resolveKubefedBinDir } from '../test/harness/binaries.js';
import { ControlPlane, freePort, processRuns } from '../test/harness/control-plane.js';
import { causeOf, CI_SUBSET, inCiSubset, PASS_ORDER, passOf, type PassName } from './lib/conformance/expectations.js';
import { KUBEFED_VERSION } from './lib/kubefed-release.js';
import { ProcessGroup } from './lib/process-group.js';
import { renderReport, resultsTable, summarize, type SpecResult } from './lib/conformance/report.js';
import { focusFor, parseDryRun, parseSpecRun, specName, type Spec } from './lib/conformance/specs.js';

const execFileAsync = promisify(execFile);
const CLUSTER_NS = 'kube-federation-system';
const LIMITED_NS = 'kubefed-limited';
/** During the in-memory passes kubefed-ts only serves the webhooks, from a namespace with nothing to reconcile. */
const WEBHOOK_ONLY_NS = 'kubefed-webhook-only';
const RELEASE = 'conformance';
/**
 * The host joined as a member, and one more: KubeFed's CI ran its suite on two clusters, and its scheduling
 * specs skip themselves with any other number.
 */
const CLUSTERS = ['host', 'member1'];

const { values: args } = parseArgs({
  options: {
    subset: { type: 'string', default: 'all' },
    focus: { type: 'string' },
    gate: { type: 'string', default: 'on' },
    out: { type: 'string' },
    'spec-timeout': { type: 'string', default: '600' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
if (args.help) {
  console.log('usage: tsx hack/conformance.ts [--subset all|ci] [--focus REGEX] [--gate on|off] [--out FILE] [--spec-timeout SECONDS]');
  process.exit(0);
}
if (!['all', 'ci'].includes(args.subset!) || !['on', 'off'].includes(args.gate!)) {
  console.error('--subset is all or ci, --gate is on or off');
  process.exit(2);
}
const gateOn = args.gate === 'on';
const specTimeoutMs = Number(args['spec-timeout']) * 1000;
// The full suite rewrites docs/conformance.md; a subset or a focus only prints its table unless told.
const reportFile = args.out ?? (args.subset === 'all' && !args.focus ? path.join(repoRoot, 'docs', 'conformance.md') : undefined);

const log = (message: string): void => console.log(`[conformance] ${message}`);

// Processes we start, listed for a reaper that stops them if this process dies (even by SIGKILL).
const children = new ProcessGroup();

// ---------------------------------------------------------------------------------------------------
// The federation

interface Env {
  binDir: string;
  kubefedBin: string;
  workDir: string;
  logDir: string;
  cp: ControlPlane;
  kubeconfig: string;
  certDir: string;
  caPem: string;
  wrapperDir: string;
  spawnedPidDir: string;
}

function kubectl(env: Env, argv: string[], input?: string): string {
  return execFileSync(path.join(env.binDir, 'kubectl'), ['--kubeconfig', env.kubeconfig, '--context', 'host', ...argv], {
    encoding: 'utf8',
    ...(input === undefined ? { stdio: ['ignore', 'pipe', 'pipe'] } : { input }),
  });
}

/** The chart's objects we need, rendered by the real helm: KubeFedConfig, FTCs and webhook registrations. */
function renderChart(env: Env, namespace: string, scope: 'Cluster' | 'Namespaced', webhookPort: number, withTypes: boolean): { config: string; webhooks: string } {
  const set = [`scope=${scope}`];
  if (gateOn) set.push('kubefedConfig.featureGates.PropagatedVersions=Enabled');
  const render = (template: string): unknown[] =>
    yaml.loadAll(
      execFileSync(
        path.join(env.binDir, 'helm'),
        ['template', RELEASE, path.join(repoRoot, 'charts', 'kubefed-ts'), '--namespace', namespace, '--show-only', template, ...set.flatMap((s) => ['--set', s])],
        { encoding: 'utf8' },
      ),
    ).filter(Boolean);
  const config = [...render('templates/kubefedconfig.yaml'), ...(withTypes ? render('templates/federatedtypeconfigs.yaml') : [])];
  // The registrations point at our local webhook server by URL instead of the chart's Service.
  const caBundle = Buffer.from(env.caPem).toString('base64');
  const webhooks = render('templates/webhook.yaml')
    .filter((o) => /WebhookConfiguration$/.test((o as { kind: string }).kind))
    .map((o) => {
      const registration = o as { webhooks: Array<{ clientConfig: { service?: { path?: string }; url?: string; caBundle?: string } }> };
      for (const hook of registration.webhooks) {
        hook.clientConfig = { url: `https://127.0.0.1:${webhookPort}${hook.clientConfig.service?.path ?? '/'}`, caBundle };
      }
      return registration;
    });
  return { config: config.map((o) => yaml.dump(o)).join('---\n'), webhooks: webhooks.map((o) => yaml.dump(o)).join('---\n') };
}

function deleteWebhookRegistrations(env: Env): void {
  for (const kind of ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations']) {
    kubectl(env, ['delete', kind, '-l', `app.kubernetes.io/instance=${RELEASE}`, '--ignore-not-found']);
  }
}

async function waitFor(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A serving certificate for 127.0.0.1 signed by a CA of its own, for the webhook server (openssl). */
function makeWebhookCert(certDir: string): string {
  mkdirSync(certDir, { recursive: true });
  const ssl = (argv: string[]): void => {
    execFileSync('openssl', argv, { cwd: certDir, stdio: 'ignore' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '30', '-subj', '/CN=kubefed-ts-conformance-webhook-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  writeFileSync(path.join(certDir, 'serving.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl(['req', ...ec, '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', '/CN=127.0.0.1']);
  ssl(['x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tls.crt', '-days', '30', '-extfile', 'serving.ext']);
  return readFileSync(path.join(certDir, 'ca.crt'), 'utf8');
}

/**
 * `controller-manager` on PATH for the specs that spawn one: dist/main.js on free ports, logging to stderr
 * (which the suite reads) in text format: the suite looks for `Using valid KubeFedConfig "ns/name"` with
 * plain quotes, which JSON escapes. Each records its pid so that none outlives its spec.
 */
function writeControllerManagerWrapper(env: Env): void {
  mkdirSync(env.wrapperDir, { recursive: true });
  const file = path.join(env.wrapperDir, 'controller-manager');
  writeFileSync(
    file,
    `#!/bin/sh
# KubeFed's e2e suite spawns \`controller-manager\`: run kubefed-ts's instead (written by hack/conformance.ts).
echo "$$" > "${env.spawnedPidDir}/$$"
exec "${process.execPath}" "${path.join(repoRoot, 'dist', 'main.js')}" --health-addr 127.0.0.1:0 --metrics-addr 127.0.0.1:0 --log-format text "$@"
`,
  );
  chmodSync(file, 0o755);
}

/** Stops controller-managers a spec spawned and left running (its run was stopped, or it forgot). */
async function stopSpawnedControllerManagers(env: Env): Promise<void> {
  for (const entry of readdirSync(env.spawnedPidDir)) {
    const pid = Number(entry);
    if (processRuns(pid, process.execPath)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    rmSync(path.join(env.spawnedPidDir, entry), { force: true });
  }
}

/** Joins every cluster (the host too) into `namespace` with our kubefedctl. */
async function joinClusters(env: Env, namespace: string): Promise<void> {
  for (const cluster of CLUSTERS) {
    await execFileAsync(process.execPath, [
      path.join(repoRoot, 'dist', 'kubefedctl', 'main.js'), 'join', cluster,
      '--cluster-context', cluster, '--host-cluster-context', 'host', '--kubeconfig', env.kubeconfig, '--kubefed-namespace', namespace,
    ]);
  }
}

async function waitForClustersReady(env: Env, namespace: string): Promise<void> {
  await waitFor(`the KubeFedClusters in ${namespace} Ready`, () => {
    const ready = kubectl(env, ['get', 'kubefedclusters', '-n', namespace, '-o', "jsonpath={range .items[*]}{.status.conditions[?(@.type=='Ready')].status}{' '}{end}"]);
    return ready.trim().split(/\s+/).filter((s) => s === 'True').length === CLUSTERS.length;
  });
}

/**
 * The chart's objects for a KubeFed namespace (without its FederatedTypeConfigs when `withTypes` is false:
 * nothing to reconcile), and our controller-manager there, serving the webhooks.
 */
async function startKubefedTs(env: Env, namespace: string, scope: 'Cluster' | 'Namespaced', label: string, withTypes = true): Promise<void> {
  kubectl(env, ['apply', '-f', '-'], yaml.dump({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }));
  const port = await freePort();
  const rendered = renderChart(env, namespace, scope, port, withTypes);
  kubectl(env, ['apply', '--server-side', '--force-conflicts', '--field-manager=conformance', '-f', '-'], rendered.config);
  const child = children.start(
    label,
    process.execPath,
    [
      path.join(repoRoot, 'dist', 'main.js'),
      '--kubeconfig', env.kubeconfig, '--context', 'host', '--kubefed-namespace', namespace,
      '--webhook-addr', `127.0.0.1:${port}`, '--webhook-cert-dir', env.certDir,
      '--health-addr', '127.0.0.1:0', '--metrics-addr', '127.0.0.1:0', '--log-level', 'debug',
    ],
    path.join(env.logDir, `${label}.log`),
  );
  await waitFor(`${label} serving its webhook`, async () => {
    if (child.proc.exitCode !== null) throw new Error(`${label} exited (${child.proc.exitCode}); see ${env.logDir}/${label}.log`);
    return /serving the admission webhook/.test(readFileSync(path.join(env.logDir, `${label}.log`), 'utf8'));
  }, 60_000);
  deleteWebhookRegistrations(env);
  kubectl(env, ['apply', '--server-side', '--force-conflicts', '--field-manager=conformance', '-f', '-'], rendered.webhooks);
}

// ---------------------------------------------------------------------------------------------------
// Passes

interface PassSetup {
  flags: string[];
  start(env: Env): Promise<void>;
  stop(env: Env): Promise<void>;
}

const PASSES: Record<PassName, PassSetup> = {
  external: {
    flags: ['-in-memory-controllers=false', `-kubefed-namespace=${CLUSTER_NS}`],
    async start(env) {
      await startKubefedTs(env, CLUSTER_NS, 'Cluster', 'controller-manager');
      await joinClusters(env, CLUSTER_NS);
      await waitForClustersReady(env, CLUSTER_NS);
    },
    stop: (env) => stopKubefedTs(env, 'controller-manager'),
  },
  limited: {
    flags: ['-in-memory-controllers=false', '-limited-scope=true', `-kubefed-namespace=${LIMITED_NS}`],
    async start(env) {
      await startKubefedTs(env, LIMITED_NS, 'Namespaced', 'controller-manager-limited');
      await joinClusters(env, LIMITED_NS);
      await waitForClustersReady(env, LIMITED_NS);
    },
    stop: (env) => stopKubefedTs(env, 'controller-manager-limited'),
  },
  'in-memory': {
    flags: ['-in-memory-controllers=true', `-kubefed-namespace=${CLUSTER_NS}`],
    start: (env) => startWebhookOnly(env),
    stop: (env) => stopKubefedTs(env, 'webhook-only'),
  },
  // As KubeFed's CI ran them: simulated clusters (namespaces of the host), no readiness wait for real ones.
  'in-memory-limited': {
    flags: ['-in-memory-controllers=true', '-limited-scope=true', '-simulate-federation=true', `-kubefed-namespace=${LIMITED_NS}`],
    start: (env) => startWebhookOnly(env),
    stop: (env) => stopKubefedTs(env, 'webhook-only'),
  },
};

async function stopKubefedTs(env: Env, label: string): Promise<void> {
  deleteWebhookRegistrations(env);
  await children.stop(label);
}

/**
 * kubefed-ts serving only the admission webhooks: its KubeFed namespace holds no cluster and no FTC, so it
 * runs no sync controller (one would share KubeFed's finalizer on every federated object and, having no
 * cluster, release it before KubeFed's controllers deleted anything).
 */
async function startWebhookOnly(env: Env): Promise<void> {
  await startKubefedTs(env, WEBHOOK_ONLY_NS, 'Cluster', 'webhook-only', false);
  // KubeFed's in-process controllers work on the KubeFed namespace as the chart left it (KubeFedConfig,
  // FTCs) with the clusters joined, as in KubeFed's CI; no kubefed-ts controller runs there now.
  kubectl(env, ['apply', '-f', '-'], yaml.dump({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: CLUSTER_NS } }));
  const chart = renderChart(env, CLUSTER_NS, 'Cluster', 0, true);
  kubectl(env, ['apply', '--server-side', '--force-conflicts', '--field-manager=conformance', '-f', '-'], chart.config);
  await joinClusters(env, CLUSTER_NS);
}

async function listSpecs(env: Env): Promise<Spec[]> {
  const { stdout } = await execFileAsync(
    path.join(env.kubefedBin, 'e2e.test'),
    ['-ginkgo.dryRun', '-ginkgo.noColor', '-ginkgo.v', '-ginkgo.seed=1', `-kubeconfig=${env.kubeconfig}`],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return parseDryRun(stdout);
}

async function runSpec(env: Env, spec: Spec, pass: PassName, index: number): Promise<SpecResult> {
  const logFile = path.join(env.logDir, `${String(index).padStart(2, '0')}-${specName(spec).replace(/[^A-Za-z0-9]+/g, '-').slice(0, 80)}.log`);
  const started = Date.now();
  const argv = [
    `-kubeconfig=${env.kubeconfig}`, ...PASSES[pass].flags,
    // KubeFed's CI gave single calls 2 minutes.
    '-single-call-timeout=2m', `-ginkgo.focus=${focusFor(spec)}`, '-ginkgo.noColor', '-ginkgo.v', '-ginkgo.seed=1',
  ];
  const childEnv = { ...process.env, PATH: `${env.wrapperDir}:${env.binDir}:${process.env.PATH ?? ''}`, KUBECONFIG: env.kubeconfig };
  const child = children.start('e2e.test', path.join(env.kubefedBin, 'e2e.test'), argv, logFile, childEnv);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.proc.kill('SIGKILL');
  }, specTimeoutMs);
  const exitCode = await child.done;
  clearTimeout(timer);
  children.forget('e2e.test');
  await stopSpawnedControllerManagers(env);
  const output = readFileSync(logFile, 'utf8');
  const run = parseSpecRun(output, timedOut ? null : exitCode);
  return { spec, pass, run, seconds: (Date.now() - started) / 1000 };
}

// ---------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = Date.now();
  const binDir = resolveBinDir([...['etcd', 'kube-apiserver', 'kubectl', 'kube-controller-manager'], 'helm']);
  const kubefedBin = resolveKubefedBinDir(['e2e.test']);
  for (const file of [path.join(repoRoot, 'dist', 'main.js'), path.join(repoRoot, 'dist', 'kubefedctl', 'main.js')]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run hack/conformance.sh (npm run conformance), which builds it`);
  }
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'kubefed-ts-conformance-'));
  const logDir = path.join(workDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  children.startReaper(workDir);
  log(`logs: ${logDir}`);

  log('starting etcd and the host and member kube-apiservers');
  const cp = await ControlPlane.start({ binDir, members: CLUSTERS.length - 1, log: (m) => log(`  ${m}`) });
  let env: Env | undefined;
  const results: SpecResult[] = [];
  try {
    const certDir = path.join(workDir, 'webhook-certs');
    env = {
      binDir, kubefedBin, workDir, logDir, cp, kubeconfig: cp.kubeconfigPath, certDir, caPem: makeWebhookCert(certDir),
      wrapperDir: path.join(workDir, 'bin'), spawnedPidDir: path.join(workDir, 'spawned'),
    };
    mkdirSync(env.spawnedPidDir, { recursive: true });
    writeControllerManagerWrapper(env);
    log('installing the CRDs');
    kubectl(env, ['apply', '--server-side', '-f', path.join(repoRoot, 'crds')]);
    kubectl(env, ['wait', '--for=condition=Established', '--timeout=60s', '-f', path.join(repoRoot, 'crds')]);

    let specs = await listSpecs(env);
    if (args.subset === 'ci') specs = specs.filter(inCiSubset);
    if (args.focus) {
      const focus = new RegExp(args.focus);
      specs = specs.filter((s) => focus.test(specName(s)));
    }
    if (args.subset === 'ci' && specs.length < CI_SUBSET.length) throw new Error('the CI subset no longer matches the suite\'s spec names');
    log(`${specs.length} specs, PropagatedVersions gate ${gateOn ? 'on' : 'off'}`);

    let index = 0;
    for (const pass of PASS_ORDER) {
      const inPass = specs.filter((s) => passOf(s) === pass);
      if (inPass.length === 0) continue;
      log(`pass ${pass}: ${inPass.length} specs`);
      await PASSES[pass].start(env);
      try {
        for (const spec of inPass) {
          const result = await runSpec(env, spec, pass, ++index);
          results.push(result);
          log(`${result.run.outcome.padEnd(7)} ${Math.round(result.seconds).toString().padStart(4)} s  ${specName(spec)}${result.run.message ? `\n          ${result.run.message}` : ''}`);
        }
      } finally {
        await PASSES[pass].stop(env);
      }
    }
  } finally {
    await children.stopAll();
    if (env) await stopSpawnedControllerManagers(env);
    await cp.stop();
  }

  const context = { gate: gateOn };
  const counts = summarize(results, context);
  console.log(`\n${resultsTable(results, context)}\n`);
  log(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped (${counts.deliberate} deliberate) in ${Math.round((Date.now() - started) / 60000)} min; logs: ${logDir}`);
  if (reportFile) {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    writeFileSync(
      reportFile,
      renderReport(results, { kubefedVersion: KUBEFED_VERSION, gate: gateOn, date: new Date().toISOString().slice(0, 10), commit, totalSeconds: (Date.now() - started) / 1000 }),
    );
    log(`wrote ${path.relative(repoRoot, reportFile)}`);
  }
  // Deliberate differences are expected; anything else that did not pass fails the run (the CI subset).
  const unexpected = results.filter((r) => r.run.outcome === 'failed' && !causeOf(r.spec, r.run, context)?.deliberate);
  process.exitCode = unexpected.length > 0 ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error(`[conformance] ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exitCode = 1;
});
