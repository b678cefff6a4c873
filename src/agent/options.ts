// The agent's command line, parsed and checked apart from any I/O, so that every bad flag gets a clear error.
import { parseArgs } from 'node:util';
import { DEFAULT_KUBEFED_NAMESPACE, DNS1123_SUBDOMAIN, parseDuration } from '../api/index.js';
import { parseListenAddress } from '../server/http.js';

export const AGENT_USAGE = `Usage: kubefed-agent --cluster-name NAME --host-kubeconfig PATH [flags]

The kubefed-ts pull-mode agent: runs in a member cluster joined with \`kubefedctl join NAME --mode pull\`, and
renews the cluster's heartbeat on the host (the Lease kubefed-agent-heartbeat in namespace kubefed-cluster-NAME).

  --cluster-name NAME        name of the KubeFedCluster on the host (required)
  --host-kubeconfig PATH     kubeconfig for the host written by join (Secret kubefed-agent-host, key kubeconfig) (required)
  --kubeconfig PATH          kubeconfig of this member cluster (default: in-cluster config, then $KUBECONFIG, then ~/.kube/config)
  --context NAME             context of --kubeconfig to use (default: its current context)
  --kubefed-namespace NS     the agent's namespace in the member, where its leader Lease lives (default: ${DEFAULT_KUBEFED_NAMESPACE}, or $KUBEFED_NAMESPACE)
  --health-addr ADDR         serve /healthz and /readyz here (default :8080)
  --metrics-addr ADDR        serve /metrics here (default :9090)
  --leader-elect BOOL        renew the heartbeat only while holding the Lease kubefed-agent in the member (default true)
  --leader-elect-identity ID identity in the leases (default: $POD_NAME or hostname, plus a random suffix)
  --heartbeat-interval DUR   how often the heartbeat is renewed (default 10s; keep it well under the host's grace period)
  --log-level LEVEL          trace, debug, info (default), warn, error
  -h, --help                 show this help
`;

export class AgentUsageError extends Error {
  override readonly name = 'AgentUsageError';
}

export interface AgentOptions {
  clusterName: string;
  hostKubeconfig: string;
  kubeconfig: string | undefined;
  context: string | undefined;
  namespace: string;
  healthAddr: string;
  metricsAddr: string;
  leaderElect: boolean;
  identity: string | undefined;
  heartbeatIntervalMs: number;
  logLevel: string;
}

export function parseAgentArgs(argv: string[], env: NodeJS.ProcessEnv): AgentOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'cluster-name': { type: 'string' },
        'host-kubeconfig': { type: 'string' },
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        'kubefed-namespace': { type: 'string' },
        'health-addr': { type: 'string', default: ':8080' },
        'metrics-addr': { type: 'string', default: ':9090' },
        'leader-elect': { type: 'string', default: 'true' },
        'leader-elect-identity': { type: 'string' },
        'heartbeat-interval': { type: 'string', default: '10s' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new AgentUsageError((err as Error).message);
  }
  if (values.help) return 'help';
  const text = (name: string): string | undefined => values[name] as string | undefined;

  const clusterName = text('cluster-name');
  if (!clusterName) throw new AgentUsageError('--cluster-name is required: the name the cluster was joined with');
  if (clusterName.length > 253 || !DNS1123_SUBDOMAIN.test(clusterName)) {
    throw new AgentUsageError(`--cluster-name "${clusterName}" is not a valid cluster name (lower-case RFC 1123 subdomain)`);
  }
  const hostKubeconfig = text('host-kubeconfig');
  if (!hostKubeconfig) throw new AgentUsageError('--host-kubeconfig is required: the kubeconfig kubefedctl join wrote for the agent');
  const leaderElect = text('leader-elect')!;
  if (leaderElect !== 'true' && leaderElect !== 'false') throw new AgentUsageError(`--leader-elect must be true or false, not "${leaderElect}"`);
  for (const flag of ['health-addr', 'metrics-addr']) {
    try {
      parseListenAddress(text(flag)!);
    } catch (err) {
      throw new AgentUsageError(`--${flag}: ${(err as Error).message}`);
    }
  }
  let heartbeatIntervalMs: number;
  try {
    heartbeatIntervalMs = parseDuration(text('heartbeat-interval')!);
  } catch (err) {
    throw new AgentUsageError(`--heartbeat-interval: ${(err as Error).message}`);
  }
  if (!(heartbeatIntervalMs >= 100)) throw new AgentUsageError(`--heartbeat-interval must be at least 100ms, not "${text('heartbeat-interval')}"`);
  return {
    clusterName,
    hostKubeconfig,
    kubeconfig: text('kubeconfig'),
    context: text('context'),
    namespace: text('kubefed-namespace') ?? env.KUBEFED_NAMESPACE ?? DEFAULT_KUBEFED_NAMESPACE,
    healthAddr: text('health-addr')!,
    metricsAddr: text('metrics-addr')!,
    leaderElect: leaderElect === 'true',
    identity: text('leader-elect-identity'),
    heartbeatIntervalMs,
    logLevel: text('log-level') ?? env.KUBEFED_LOG_LEVEL ?? 'info',
  };
}
