// What the metrics cost a process that has nothing to do: prom-client's event-loop delay histogram runs a
// timer of its own, and at its default resolution (10 ms) that timer was most of an idle controller's CPU.
import perfHooks from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Metrics } from '../../../src/metrics/metrics.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('process metrics', () => {
  it('sample event-loop delay every 100 ms, not every 10 ms', async () => {
    const monitor = vi.spyOn(perfHooks, 'monitorEventLoopDelay');
    const metrics = new Metrics();
    expect(monitor).toHaveBeenCalledTimes(1);
    expect(monitor.mock.calls[0]![0]).toEqual({ resolution: 100 });
    // The lag series are still there.
    expect(await metrics.registry.getSingleMetricAsString('nodejs_eventloop_lag_p99_seconds')).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
    monitor.mock.results[0]?.value?.disable();
  });
});
