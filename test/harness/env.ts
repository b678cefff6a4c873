// What an integration test sees of the real control planes that the global setup started:
// one kubeconfig per cluster (host, member1, member2), a combined one, and the binaries' folder.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { inject } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { captureFile } from './log-capture.js';

export interface ProvidedTestEnv {
  /** Combined kubeconfig with one context per cluster (`host`, `member1`, `member2`). */
  kubeconfigPath: string;
  /** Cluster name -> its own kubeconfig file and API server URL. */
  clusters: Record<string, { kubeconfigPath: string; server: string }>;
  /** Folder holding kube-apiserver, kubectl and etcd. */
  binDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    kubefedTestEnv: ProvidedTestEnv;
  }
}

export function testEnv(): ProvidedTestEnv {
  return inject('kubefedTestEnv');
}

/** A client-node KubeConfig for one cluster of the test federation. */
export function kubeConfigFor(cluster: string): KubeConfig {
  const entry = testEnv().clusters[cluster];
  if (!entry) throw new Error(`no test cluster named ${cluster}`);
  const kc = new KubeConfig();
  kc.loadFromFile(entry.kubeconfigPath);
  return kc;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real kubectl against one cluster; never throws on a non-zero exit. */
export async function kubectl(cluster: string, args: string[], input?: string): Promise<CommandResult> {
  const env = testEnv();
  const entry = env.clusters[cluster];
  if (!entry) throw new Error(`no test cluster named ${cluster}`);
  return runCommand(path.join(env.binDir, 'kubectl'), ['--kubeconfig', entry.kubeconfigPath, ...args], input);
}

/** Runs a command; the output of node scripts (our binaries in dist/) also goes to the test log capture. */
export function runCommand(file: string, args: string[], input?: string): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      if (file === process.execPath) captureFile('node-command', { shared: true })?.write(`${stdout}${stderr}`);
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

export const execFileAsync = promisify(execFile);
