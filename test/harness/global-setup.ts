// vitest global setup for the integration group: one local federation (host + 2 members) for the whole
// run, torn down at the end; the reaper tears it down too if the run is interrupted. The controller-managers
// of the run log at debug level into $KUBEFED_TEST_LOG_DIR (log-capture.ts). hack/test.sh makes that folder
// and scans it after the run; when it is not set (a bare `vitest run`), this setup makes one and the
// teardown runs the credential scan itself, failing the run on a finding.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { resolveBinDir } from './binaries.js';
import { ControlPlane } from './control-plane.js';
import { formatScanReport, removeRecordedSecrets, scanCaptureDir } from './credential-scan.js';
import type { ProvidedTestEnv } from './env.js';
import { LOG_DIR_ENV } from './log-capture.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const binDir = resolveBinDir();
  const started = Date.now();
  // Set before the workers start, so that they (and the processes they start) inherit it.
  const ownLogDir = process.env[LOG_DIR_ENV] ? undefined : await mkdtemp(path.join(os.tmpdir(), 'kubefed-ts-test-logs-'));
  if (ownLogDir) process.env[LOG_DIR_ENV] = ownLogDir;
  // The defaults are what the suites expect; the interrupt test shrinks its nested run with these.
  const members = Number(process.env.KUBEFED_TS_TEST_MEMBERS ?? 2);
  const controllerManagers = process.env.KUBEFED_TS_TEST_CONTROLLER_MANAGERS !== 'false';
  const cp = await ControlPlane.start({ members, binDir, controllerManagers });
  const env: ProvidedTestEnv = {
    kubeconfigPath: cp.kubeconfigPath,
    binDir,
    clusters: Object.fromEntries(
      [...cp.clusters.values()].map((c) => [c.name, { kubeconfigPath: c.kubeconfigPath, server: c.server }]),
    ),
  };
  project.provide('kubefedTestEnv', env);
  const servers = [...cp.clusters.values()].map((c) => `${c.name}=${c.server}`).join(' ');
  console.log(`[harness] real kube-apiservers ready in ${Date.now() - started} ms: ${servers} (state: ${cp.dir}/state.json)`);
  return async () => {
    // Stopping records the tokens these clusters held for the scan.
    await cp.stop();
    if (!ownLogDir) return;
    try {
      const result = await scanCaptureDir(ownLogDir);
      console.log(`[harness] ${formatScanReport(result)}`);
      if (result.findings.length > 0) {
        // vitest only prints an error thrown by a teardown: the exit code must be set here.
        process.exitCode = 1;
        throw new Error(`credentials in the test logs (kept in ${ownLogDir}): see the credential scan above`);
      }
      await rm(ownLogDir, { recursive: true, force: true });
    } finally {
      await removeRecordedSecrets(ownLogDir);
    }
  };
}
