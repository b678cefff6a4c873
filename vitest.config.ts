import { defineConfig } from 'vitest/config';

// Two groups: `unit` runs pure logic in seconds with no servers; `integration` talks to real
// kube-apiservers (one etcd, a host and two members) that its global setup starts and stops.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/harness/global-setup.ts'],
          // Names and flushes the files that capture this test file's controller-manager logs; ends a worker
          // whose event loop is blocked for good (test/harness/event-loop-watchdog.ts).
          setupFiles: ['test/harness/log-capture-setup.ts', 'test/harness/event-loop-watchdog.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // The suites share one set of API servers; files run one at a time so that each can reason
          // about what the clusters hold.
          fileParallelism: false,
        },
      },
    ],
  },
});
