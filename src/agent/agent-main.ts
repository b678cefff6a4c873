// The kubefed-ts pull-mode agent (`kubefed-agent`; main.ts, its entry point, loads it), which runs inside a
// member cluster joined with `kubefedctl join NAME --mode pull`. It holds a scoped credential for its
// cluster's namespace on the host and none of the host holds one for it. It carries out the work the host publishes there, reports back, and
// renews the cluster's heartbeat (docs/pull-mode.md); with leader election (the default) only the replica
// holding the Lease `kubefed-agent` in the member does.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { KubeConfig } from '../kube/kubeconfig.js';
import { pullClusterNamespace } from '../api/index.js';
import { errorMessage } from '../kube/errors.js';
import { RestClient } from '../kube/rest-client.js';
import { LeaderElector } from '../leader/lease.js';
import { startHttpServers } from '../server/http.js';
import { createLogger } from '../util/log.js';
import { GracefulShutdown } from '../util/shutdown.js';
import { HeartbeatWriter } from './heartbeat.js';
import { AgentWork } from './work.js';
import { AgentMetrics } from './metrics.js';
import { AGENT_USAGE, AgentUsageError, parseAgentArgs, type AgentOptions } from './options.js';

const LEADER_LEASE_NAME = 'kubefed-agent';
// client-go's defaults, as the controller-manager's KubeFedConfig has them.
const LEASE_DURATION_MS = 15_000;
const RENEW_DEADLINE_MS = 10_000;
const RETRY_PERIOD_MS = 2_000;
/** How often the member's Kubernetes version is read again (it changes only on an upgrade). */
const VERSION_REFRESH_MS = 5 * 60_000;

function agentVersion(): string {
  try {
    // ../../package.json from both src/agent and dist/agent.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0-unknown';
  } catch {
    return '0.0.0-unknown';
  }
}

function loadKubeConfig(path: string | undefined, context: string | undefined, flag: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (path) kc.loadFromFile(path);
    else kc.loadFromDefault();
    if (context) kc.setCurrentContext(context);
  } catch (err) {
    throw new AgentUsageError(`cannot read ${flag} ${path ?? '(default)'}: ${errorMessage(err)}`);
  }
  if (!kc.getCurrentCluster()?.server) throw new AgentUsageError(`${flag} ${path ?? '(default)'} names no cluster server in its current context`);
  return kc;
}

async function run(options: AgentOptions): Promise<void> {
  const log = createLogger({ level: options.logLevel, name: 'kubefed-agent' }).child({ cluster: options.clusterName });
  const version = agentVersion();
  const identity = options.identity ?? `${process.env.POD_NAME ?? os.hostname()}_${randomUUID().slice(0, 8)}`;
  const hostNamespace = pullClusterNamespace(options.clusterName);
  const hostKc = loadKubeConfig(options.hostKubeconfig, undefined, '--host-kubeconfig');
  const memberKc = loadKubeConfig(options.kubeconfig, options.context, '--kubeconfig');
  const configured = hostKc.getContextObject(hostKc.getCurrentContext())?.namespace;
  if (configured && configured !== hostNamespace) {
    log.warn({ hostNamespace, kubeconfigNamespace: configured }, 'the host kubeconfig names another namespace than this cluster\'s; is --cluster-name right?');
  }

  const metrics = new AgentMetrics(options.clusterName, version);
  const host = await RestClient.fromKubeConfig(hostKc, { name: 'host', userAgent: `kubefed-agent/${version}`, timeoutMs: 15_000 });
  const member = await RestClient.fromKubeConfig(memberKc, { name: options.clusterName, userAgent: `kubefed-agent/${version}`, timeoutMs: 15_000 });

  let kubernetesVersion: string | undefined;
  const readVersion = async (): Promise<void> => {
    try {
      kubernetesVersion = (await member.request<{ gitVersion?: string }>('GET', '/version')).gitVersion ?? kubernetesVersion;
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'could not read the member cluster\'s version');
    }
  };
  const heartbeat = new HeartbeatWriter({
    host,
    namespace: hostNamespace,
    identity,
    agentVersion: version,
    intervalMs: options.heartbeatIntervalMs,
    kubernetesVersion: () => kubernetesVersion,
    log,
    onRenewal: (ok) => metrics.heartbeat(ok),
  });

  const work = new AgentWork({
    cluster: options.clusterName,
    host,
    member,
    hostNamespace,
    log,
    onOutcome: (action, ok) => metrics.workDone(action, ok),
  });

  let elector: LeaderElector | undefined;
  let leading = false;
  const shutdown = new GracefulShutdown({ log });
  let versionTimer: NodeJS.Timeout | undefined;

  const servers = await startHttpServers({
    healthAddr: options.healthAddr,
    metricsAddr: options.metricsAddr,
    registry: metrics.registry,
    readiness: {
      notReadyReason: () => {
        if (shutdown.stopping) return 'shutting down';
        if (!leading) return undefined; // a standby is ready to take over
        if (heartbeat.lastRenewedAt === 0) return heartbeat.lastError ? `cannot renew the heartbeat on the host: ${heartbeat.lastError}` : 'heartbeat not renewed yet';
        if (Date.now() - heartbeat.lastRenewedAt > 3 * options.heartbeatIntervalMs) return `cannot renew the heartbeat on the host: ${heartbeat.lastError ?? 'no answer'}`;
        return undefined;
      },
    },
  });
  log.info(
    { health: servers.health.port, metrics: servers.metrics.port, leaderElect: options.leaderElect, identity, hostNamespace, version },
    'serving health and metrics',
  );

  const startLeading = (): void => {
    leading = true;
    metrics.setLeader(true);
    log.info('renewing the heartbeat on the host');
    // The report state first: the host must not see a fresh heartbeat beside the last run's complete reports.
    void Promise.all([readVersion(), work.begin()])
      .then(() => {
        if (shutdown.stopping) return;
        heartbeat.start();
        versionTimer = setInterval(() => void readVersion(), VERSION_REFRESH_MS);
        versionTimer.unref();
        return work.run();
      })
      .catch((err: unknown) => log.error({ err: errorMessage(err) }, 'could not start carrying out work'));
  };

  if (options.leaderElect) {
    elector = new LeaderElector({
      client: member,
      namespace: options.namespace,
      name: LEADER_LEASE_NAME,
      identity,
      leaseDurationMs: LEASE_DURATION_MS,
      renewDeadlineMs: RENEW_DEADLINE_MS,
      retryPeriodMs: RETRY_PERIOD_MS,
      log,
      onStartedLeading: startLeading,
      // Another replica may be renewing already: stop at once, and let the pod restart as a standby.
      onStoppedLeading: () => {
        metrics.setLeader(false);
        log.error('lost the agent leader lease; exiting');
        process.exit(1);
      },
    });
    elector.start();
  } else {
    startLeading();
  }

  shutdown.onSignals(async () => {
    if (versionTimer) clearInterval(versionTimer);
    // Work in flight finishes and is reported; the heartbeat Lease is left as it is: a standby that takes
    // over keeps the cluster ready.
    await work.stop();
    await heartbeat.stop();
    await elector?.stop(true);
    await servers.close();
    host.close();
    member.close();
  });
}

async function main(): Promise<void> {
  const options = parseAgentArgs(process.argv.slice(2), process.env);
  if (options === 'help') {
    process.stdout.write(AGENT_USAGE);
    return;
  }
  await run(options);
}

main().catch((err: unknown) => {
  const usage = err instanceof AgentUsageError ? ' (run with --help for usage)' : '';
  process.stderr.write(`kubefed-agent: ${errorMessage(err)}${usage}\n`);
  process.exit(1);
});
