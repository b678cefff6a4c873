// The agent's command line (every bad flag a clear error) and the heartbeat Lease it writes.
import { describe, expect, it } from 'vitest';
import { heartbeatLease } from '../../../src/agent/heartbeat.js';
import { AgentUsageError, parseAgentArgs } from '../../../src/agent/options.js';

const required = ['--cluster-name', 'edge-1', '--host-kubeconfig', '/etc/kubefed/host/kubeconfig'];

describe('parseAgentArgs', () => {
  it('fills the defaults', () => {
    expect(parseAgentArgs(required, {})).toEqual({
      clusterName: 'edge-1',
      hostKubeconfig: '/etc/kubefed/host/kubeconfig',
      kubeconfig: undefined,
      context: undefined,
      namespace: 'kube-federation-system',
      healthAddr: ':8080',
      metricsAddr: ':9090',
      leaderElect: true,
      identity: undefined,
      heartbeatIntervalMs: 10_000,
      logLevel: 'info',
    });
  });

  it('takes every flag, and the namespace and log level from the environment', () => {
    expect(
      parseAgentArgs(
        [...required, '--kubeconfig', 'm.yaml', '--context', 'm', '--health-addr', '127.0.0.1:0', '--metrics-addr', ':0', '--leader-elect', 'false', '--leader-elect-identity', 'pod-1', '--heartbeat-interval', '1.5s'],
        { KUBEFED_NAMESPACE: 'fed', KUBEFED_LOG_LEVEL: 'debug' },
      ),
    ).toMatchObject({ kubeconfig: 'm.yaml', context: 'm', namespace: 'fed', healthAddr: '127.0.0.1:0', metricsAddr: ':0', leaderElect: false, identity: 'pod-1', heartbeatIntervalMs: 1500, logLevel: 'debug' });
    expect(parseAgentArgs([...required, '--kubefed-namespace', 'x'], { KUBEFED_NAMESPACE: 'fed' })).toMatchObject({ namespace: 'x' });
  });

  it('answers --help', () => {
    expect(parseAgentArgs(['--help'], {})).toBe('help');
  });

  it.each<[string, string[], string]>([
    ['no cluster name', ['--host-kubeconfig', 'k'], '--cluster-name is required'],
    ['an invalid cluster name', ['--cluster-name', 'Edge_1', '--host-kubeconfig', 'k'], '--cluster-name "Edge_1" is not a valid cluster name'],
    ['no host kubeconfig', ['--cluster-name', 'edge-1'], '--host-kubeconfig is required'],
    ['a bad leader-elect', [...required, '--leader-elect', 'yes'], '--leader-elect must be true or false, not "yes"'],
    ['a bad address', [...required, '--health-addr', '8080'], '--health-addr: invalid listen address "8080"'],
    ['a bad interval', [...required, '--heartbeat-interval', 'often'], '--heartbeat-interval: invalid duration "often"'],
    ['a tiny interval', [...required, '--heartbeat-interval', '1ms'], '--heartbeat-interval must be at least 100ms'],
    ['an unknown flag', [...required, '--kubefed-config', 'x'], "Unknown option '--kubefed-config'"],
    ['a positional argument', [...required, 'extra'], 'extra'],
  ])('refuses %s, saying so', (_, argv, message) => {
    expect(() => parseAgentArgs(argv, {})).toThrow(AgentUsageError);
    expect(() => parseAgentArgs(argv, {})).toThrow(message);
  });
});

describe('heartbeatLease', () => {
  it('renews with the agent\'s identity, the time in microseconds and both versions as annotations', () => {
    expect(heartbeatLease({ namespace: 'kubefed-cluster-edge-1', identity: 'pod-1_ab', agentVersion: '0.1.0', kubernetesVersion: 'v1.35.4', now: new Date('2025-06-01T12:00:00.123Z') })).toEqual({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: 'kubefed-agent-heartbeat',
        namespace: 'kubefed-cluster-edge-1',
        annotations: { 'kubefed.io/agent-version': '0.1.0', 'kubefed.io/kubernetes-version': 'v1.35.4' },
      },
      spec: { holderIdentity: 'pod-1_ab', leaseDurationSeconds: 40, renewTime: '2025-06-01T12:00:00.123000Z' },
    });
  });

  it('leaves the Kubernetes version out until the member has answered', () => {
    const lease = heartbeatLease({ namespace: 'n', identity: 'i', agentVersion: '0.1.0', kubernetesVersion: undefined, now: new Date(0) });
    expect(lease.metadata?.annotations).toEqual({ 'kubefed.io/agent-version': '0.1.0' });
  });
});
