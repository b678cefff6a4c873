// vitest global setup for the integration group: one local federation (host + 2 members) for the whole
// run, torn down at the end; the reaper tears it down too if the run is interrupted.
import type { TestProject } from 'vitest/node';
import { resolveBinDir } from './binaries.js';
import { ControlPlane } from './control-plane.js';
import type { ProvidedTestEnv } from './env.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const binDir = resolveBinDir();
  const started = Date.now();
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
    await cp.stop();
  };
}
