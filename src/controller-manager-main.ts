// The kubefed-ts controller-manager, loaded by main.ts (the entry point). Accepts KubeFed's flags, serves
// /healthz, /readyz and /metrics, and with leader election (the default) reconciles only while it holds
// the Lease `kubefed-controller-manager` in the KubeFed namespace; other replicas wait as standbys.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig } from './kube/kubeconfig.js';
import { DEFAULT_KUBEFED_NAMESPACE } from './api/index.js';
import { RestClient } from './kube/rest-client.js';
import { LeaderElector } from './leader/lease.js';
import { loadKubeFedConfig, logKubeFedConfig } from './manager/config.js';
import { ControllerManager } from './manager/controller-manager.js';
import { Metrics } from './metrics/metrics.js';
import { parseListenAddress, startHttpServers } from './server/http.js';
import { CacheFederationView } from './ui/cache-view.js';
import { replicaSource, startStatusPage } from './ui/server.js';
import { startWebhookServer, SyncedTypesWatch } from './webhook/index.js';
import { createLogger } from './util/log.js';
import { GracefulShutdown } from './util/shutdown.js';
import { startHeapCompaction } from './manager/heap-compaction.js';

const usage = `Usage: controller-manager [flags]

  --kubeconfig PATH          kubeconfig of the host cluster (default: in-cluster config, then $KUBECONFIG, then ~/.kube/config)
  --context NAME             context of the kubeconfig to use (default: its current context)
  --kubefed-namespace NS     namespace of the KubeFed control plane (default: ${DEFAULT_KUBEFED_NAMESPACE}, or $KUBEFED_NAMESPACE)
  --kubefed-config PATH      read the KubeFedConfig from this YAML file instead of the host cluster
  --health-addr ADDR         serve /healthz and /readyz here (default :8080)
  --metrics-addr ADDR        serve /metrics here (default :9090)
  --webhook-addr ADDR        serve the admission webhook (HTTPS) here, e.g. :8443 (default: off)
  --webhook-cert-dir DIR     tls.crt and tls.key of the webhook (default /tmp/k8s-webhook-server/serving-certs)
  --ui-addr ADDR             serve the read-only federation status page here, e.g. :8081 (default: off)
  --leader-elect BOOL        run only while holding the leader lease (default true)
  --leader-elect-identity ID identity in the lease (default: $POD_NAME or hostname, plus a random suffix)
  --log-level LEVEL          trace, debug, info (default), warn, error
  --log-format FORMAT        json (default) or text (time LEVEL message key=value), or $KUBEFED_LOG_FORMAT
  -h, --help                 show this help
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      'kubefed-namespace': { type: 'string' },
      'kubefed-config': { type: 'string' },
      'health-addr': { type: 'string', default: ':8080' },
      'metrics-addr': { type: 'string', default: ':9090' },
      'webhook-addr': { type: 'string', default: '' },
      'webhook-cert-dir': { type: 'string', default: '/tmp/k8s-webhook-server/serving-certs' },
      'ui-addr': { type: 'string', default: '' },
      'leader-elect': { type: 'string', default: 'true' },
      'leader-elect-identity': { type: 'string' },
      'log-level': { type: 'string' },
      'log-format': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const format = values['log-format'] ?? process.env.KUBEFED_LOG_FORMAT ?? 'json';
  if (format !== 'json' && format !== 'text') throw new Error(`--log-format must be json or text, not ${JSON.stringify(format)}`);
  const log = createLogger({ level: values['log-level'] ?? process.env.KUBEFED_LOG_LEVEL ?? 'info', format });
  const namespace = values['kubefed-namespace'] ?? process.env.KUBEFED_NAMESPACE ?? DEFAULT_KUBEFED_NAMESPACE;
  const leaderElect = values['leader-elect'] !== 'false';
  const identity = values['leader-elect-identity'] ?? `${process.env.POD_NAME ?? os.hostname()}_${randomUUID().slice(0, 8)}`;

  const kc = new KubeConfig();
  if (values.kubeconfig) kc.loadFromFile(values.kubeconfig);
  else kc.loadFromDefault();
  if (values.context) kc.setCurrentContext(values.context);

  const metrics = new Metrics();
  let manager: ControllerManager | undefined;
  let statusView: CacheFederationView | undefined;
  let elector: LeaderElector | undefined;
  let starting: Promise<void> | undefined;
  const shutdown = new GracefulShutdown({ log, message: 'shutting down: draining in-flight work' });

  const servers = await startHttpServers({
    healthAddr: values['health-addr']!,
    metricsAddr: values['metrics-addr']!,
    registry: metrics.registry,
    readiness: {
      notReadyReason: () => {
        if (shutdown.stopping) return 'shutting down';
        if (elector && !elector.isLeader()) return undefined; // a standby is ready to take over
        return manager ? undefined : 'controllers starting';
      },
    },
  });
  log.info({ health: servers.health.port, metrics: servers.metrics.port, leaderElect, identity }, 'serving health and metrics');
  const host = await RestClient.fromKubeConfig(kc, { name: 'host', userAgent: 'kubefed-ts/controller-manager', observer: metrics.requestObserver() });
  const config = await loadKubeFedConfig(host, namespace, values['kubefed-config']);
  logKubeFedConfig(log, namespace, config);
  startHeapCompaction(log);

  // Every replica serves the webhook, leader or not: admission must not depend on the election. Each
  // watches the FTCs to know which types run, for the finalizer it adds to new federated objects.
  const syncedTypes = values['webhook-addr'] ? new SyncedTypesWatch(host, namespace, log) : undefined;
  syncedTypes?.start();
  const webhook = syncedTypes
    ? await startWebhookServer({
        ...parseListenAddress(values['webhook-addr']!),
        certPath: path.join(values['webhook-cert-dir']!, 'tls.crt'),
        keyPath: path.join(values['webhook-cert-dir']!, 'tls.key'),
        log,
        syncFinalizer: { lookup: syncedTypes.lookup, onlyNamespace: config.scope === 'Namespaced' ? namespace : undefined },
        observer: metrics.webhookObserver(),
      })
    : undefined;
  if (webhook) log.info({ port: webhook.port }, 'serving the admission webhook');

  // Every replica serves the page, but only the leader has caches: a standby answers 503 saying so.
  const statusPage = values['ui-addr']
    ? await startStatusPage(values['ui-addr'], {
        kubefedNamespace: namespace,
        log,
        source: () => replicaSource({ stopping: shutdown.stopping, standby: !!elector && !elector.isLeader(), view: statusView }),
      })
    : undefined;
  if (statusPage) log.info({ port: statusPage.port }, 'serving the status page');

  const startControllers = (): void => {
    metrics.setLeader(true);
    starting = ControllerManager.start({ hostKubeConfig: kc, namespace, config, log, metrics }).then(
      (m) => {
        manager = m;
        if (statusPage) {
          statusView = new CacheFederationView({
            registry: m.registry,
            typeConfigs: m.typeConfigs,
            informers: m.informers,
            host: m.host,
            kubefedNamespace: namespace,
            targetNamespace: config.scope === 'Namespaced' ? namespace : undefined,
            scheduler: m.scheduler !== undefined,
            log,
          });
        }
      },
      (err: unknown) => {
        log.error({ err: (err as Error).message }, 'controllers failed to start');
        process.exit(1);
      },
    );
  };

  if (leaderElect) {
    elector = new LeaderElector({
      client: host,
      namespace,
      name: 'kubefed-controller-manager',
      identity,
      leaseDurationMs: config.leaseDurationMs,
      renewDeadlineMs: config.renewDeadlineMs,
      retryPeriodMs: config.retryPeriodMs,
      lockKind: config.resourceLock,
      log,
      onStartedLeading: startControllers,
      // Another replica may already be reconciling: stop writing at once, and let the pod restart as a standby.
      onStoppedLeading: () => {
        metrics.setLeader(false);
        log.error('lost the leader lease; exiting');
        process.exit(1);
      },
    });
    elector.start();
  } else {
    startControllers();
  }

  shutdown.onSignals(async () => {
    await starting;
    await statusPage?.close();
    await statusView?.close();
    await manager?.stop();
    await elector?.stop(true);
    await servers.close();
    await webhook?.close();
    await syncedTypes?.stop();
    host.close();
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`controller-manager: ${(err as Error).message}\n`);
  process.exit(1);
});
