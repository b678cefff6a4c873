// kubefedctl run in this process against a test control plane's combined kubeconfig (contexts host, member1,
// member2), with its output captured for the credential scan.
import { run } from '../../src/kubefedctl/cli.js';
import { testEnv } from './env.js';
import { captureFile } from './log-capture.js';

export async function kubefedctl(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return kubefedctlWith(testEnv().kubeconfigPath, ...argv);
}

/** The same against another kubeconfig (an own control plane's). */
export async function kubefedctlWith(kubeconfig: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(['--kubeconfig', kubeconfig, '--host-cluster-context', 'host', ...argv], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  captureFile('kubefedctl', { shared: true })?.write(stdout + stderr);
  return { code, stdout, stderr };
}
