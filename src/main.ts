#!/usr/bin/env node
// Entry point of the kubefed-ts controller-manager (also the container's). Accepts KubeFed's flags.
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { DEFAULT_KUBEFED_NAMESPACE } from './api/index.js';
import { ControllerManager } from './manager/controller-manager.js';
import { createLogger } from './util/log.js';

const usage = `Usage: controller-manager [flags]

  --kubeconfig PATH          kubeconfig of the host cluster (default: in-cluster config, then $KUBECONFIG, then ~/.kube/config)
  --context NAME             context of the kubeconfig to use (default: its current context)
  --kubefed-namespace NS     namespace of the KubeFed control plane (default: ${DEFAULT_KUBEFED_NAMESPACE}, or $KUBEFED_NAMESPACE)
  --kubefed-config PATH      read the KubeFedConfig from this YAML file instead of the host cluster
  --log-level LEVEL          trace, debug, info (default), warn, error
  -h, --help                 show this help
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      'kubefed-namespace': { type: 'string' },
      'kubefed-config': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const log = createLogger({ level: values['log-level'] ?? process.env.KUBEFED_LOG_LEVEL ?? 'info' });
  const kc = new KubeConfig();
  if (values.kubeconfig) kc.loadFromFile(values.kubeconfig);
  else kc.loadFromDefault();
  if (values.context) kc.setCurrentContext(values.context);
  const namespace = values['kubefed-namespace'] ?? process.env.KUBEFED_NAMESPACE ?? DEFAULT_KUBEFED_NAMESPACE;

  const manager = await ControllerManager.start({ hostKubeConfig: kc, namespace, configFile: values['kubefed-config'], log });
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: draining in-flight work');
    manager.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err: (err as Error).message }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`controller-manager: ${(err as Error).message}\n`);
  process.exit(1);
});
