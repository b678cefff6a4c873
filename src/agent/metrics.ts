// The agent's Prometheus metrics: its heartbeat renewals, leadership and what it is, plus the process metrics.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export class AgentMetrics {
  readonly registry = new Registry();

  private readonly renewals = new Counter({
    name: 'kubefed_agent_heartbeats_total',
    help: 'Renewals of the heartbeat Lease on the host, by outcome (success, error).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly lastRenewal = new Gauge({
    name: 'kubefed_agent_last_heartbeat_timestamp_seconds',
    help: 'When the heartbeat was last renewed on the host (Unix time).',
    registers: [this.registry],
  });
  private readonly leader = new Gauge({
    name: 'kubefed_agent_leader',
    help: '1 while this replica holds the agent leader Lease (or runs without leader election).',
    registers: [this.registry],
  });

  constructor(cluster: string, version: string) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'kubefed_agent_info',
      help: 'The cluster this agent serves and its version.',
      labelNames: ['cluster', 'version'],
      registers: [this.registry],
    }).set({ cluster, version }, 1);
    this.renewals.inc({ outcome: 'success' }, 0);
    this.renewals.inc({ outcome: 'error' }, 0);
    this.leader.set(0);
  }

  heartbeat(ok: boolean): void {
    this.renewals.inc({ outcome: ok ? 'success' : 'error' });
    if (ok) this.lastRenewal.set(Date.now() / 1000);
  }

  setLeader(leading: boolean): void {
    this.leader.set(leading ? 1 : 0);
  }
}
