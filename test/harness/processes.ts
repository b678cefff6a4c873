// Child processes that tests start (controller-managers, Prometheus) and stop by pid, with their output
// kept so tests can wait for log lines, and our own binaries' output also written to the test log capture.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './binaries.js';
import { freePort } from './control-plane.js';
import { KUBEFED_NS, waitUntil } from './federation.js';
import { testEnv } from './env.js';
import { captureDir, captureFile } from './log-capture.js';

export interface RunningProcess {
  child: ChildProcess;
  output(): string;
  /** JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The level of controller-manager processes: debug when their output is captured and scanned. */
export function processLogLevel(): string {
  return captureDir() ? 'debug' : 'info';
}

/** Starts a child; with `capture`, its stdout and stderr also go to a capture file of that kind. */
export function startProcess(file: string, args: string[], env: Record<string, string> = {}, options: { capture?: string } = {}): RunningProcess {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const captured = options.capture ? captureFile(options.capture) : undefined;
  let output = '';
  const append = (d: string): void => {
    output += d;
    captured?.write(d);
  };
  child.stdout!.setEncoding('utf8').on('data', append);
  child.stderr!.setEncoding('utf8').on('data', append);
  child.once('close', () => captured?.end());
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Complete lines are parsed once: tests poll logs() while a debug-level process writes thousands.
  const parsed: Array<Record<string, unknown>> = [];
  let parsedTo = 0;
  return {
    child,
    output: () => output,
    logs: () => {
      const end = output.lastIndexOf('\n') + 1;
      for (const l of output.slice(parsedTo, end).split('\n')) {
        if (!l.startsWith('{')) continue;
        try {
          parsed.push(JSON.parse(l) as Record<string, unknown>);
        } catch {
          parsed.push({});
        }
      }
      parsedTo = Math.max(parsedTo, end);
      return parsed.slice();
    },
    exited,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Starts `node dist/main.js` against the test host with ports chosen by the OS; resolves once it serves. */
export async function startControllerManagerProcess(
  extraArgs: string[] = [],
  env: Record<string, string> = {},
): Promise<RunningProcess & { healthPort: number; metricsPort: number }> {
  const main = path.join(repoRoot, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error('dist/main.js missing: run `npm run build` (hack/test.sh does)');
  const proc = startProcess(
    process.execPath,
    [
      main,
      '--kubeconfig', testEnv().clusters.host!.kubeconfigPath,
      '--kubefed-namespace', KUBEFED_NS,
      '--health-addr', '127.0.0.1:0',
      '--metrics-addr', '127.0.0.1:0',
      ...extraArgs,
    ],
    { KUBEFED_LOG_LEVEL: processLogLevel(), ...env },
    { capture: 'controller-manager-process' },
  );
  await waitUntil('controller-manager serving', () => proc.logs().some((l) => l.msg === 'serving health and metrics') || proc.child.exitCode !== null, 30_000);
  const line = proc.logs().find((l) => l.msg === 'serving health and metrics');
  if (!line) throw new Error(`controller-manager exited:\n${proc.output()}`);
  return Object.assign(proc, { healthPort: Number(line.health), metricsPort: Number(line.metrics) });
}

/**
 * Starts the built pull-mode agent (`node dist/agent/main.js`) for `cluster` against a member, with the host
 * kubeconfig join wrote, a 1 s heartbeat and ports chosen by the OS; resolves once it carries out work.
 */
export async function startAgentProcess(options: { cluster: string; memberKubeconfig: string; hostKubeconfig: string }): Promise<RunningProcess> {
  const main = path.join(repoRoot, 'dist', 'agent', 'main.js');
  if (!existsSync(main)) throw new Error('dist/agent/main.js missing: run `npm run build` (hack/test.sh does)');
  const proc = startProcess(
    process.execPath,
    [
      main,
      '--cluster-name', options.cluster,
      '--kubeconfig', options.memberKubeconfig,
      '--host-kubeconfig', options.hostKubeconfig,
      '--kubefed-namespace', KUBEFED_NS,
      '--health-addr', '127.0.0.1:0',
      '--metrics-addr', '127.0.0.1:0',
      '--heartbeat-interval', '1s',
    ],
    { KUBEFED_LOG_LEVEL: processLogLevel() },
    { capture: 'pull-agent' },
  );
  try {
    await waitUntil('the agent carrying out work', () => proc.logs().some((l) => l.msg === 'carrying out the host\'s work') || proc.child.exitCode !== null, 60_000);
  } catch (err) {
    await proc.stop('SIGKILL');
    throw err;
  }
  if (proc.child.exitCode !== null) throw new Error(`the agent exited:\n${proc.output()}`);
  return proc;
}

export async function httpGet(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

export { freePort };
