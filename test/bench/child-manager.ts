// The controller-manager as a child process (`node <dist>/main.js`), for figures that need a process of its
// own: resident memory from /proc/<pid>/status and time from process start. The benchmark compiles the
// current src/ into bench/tmp/dist (git-ignored) so it never measures, nor overwrites, a stale dist/.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../harness/binaries.js';
import { KUBEFED_NS } from '../harness/federation.js';
import { bundleEntryPoints } from '../../hack/lib/bundle.js';
import { processMemoryMiB, round, sleep, waitFor } from './lib.js';

export const BENCH_TMP = path.join(repoRoot, 'bench', 'tmp');

/** Builds src/ as `npm run build` does (tsc with tsconfig.build.json, then the bundles) into bench/tmp/dist; returns the folder. */
export async function buildDist(log: (m: string) => void): Promise<string> {
  const outDir = path.join(BENCH_TMP, 'dist');
  mkdirSync(BENCH_TMP, { recursive: true });
  const started = Date.now();
  const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [tsc, '-p', path.join(repoRoot, 'tsconfig.build.json'), '--outDir', outDir, '--declaration', 'false'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (c) => {
      if (c !== 0) log(`tsc reported problems (the emitted JavaScript is used anyway):\n${output.slice(0, 2000)}`);
      resolve(c);
    });
  });
  if (!existsSync(path.join(outDir, 'main.js'))) throw new Error(`building ${outDir} failed (tsc exit ${code})`);
  await bundleEntryPoints({ repoRoot, outDir });
  log(`compiled src/ into ${path.relative(repoRoot, outDir)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return outDir;
}

export interface ChildManager {
  pid: number;
  /** performance.now() when it was spawned. */
  spawnedAt: number;
  healthPort: number;
  metricsPort: number;
  /** performance.now() when it logged that it serves health and metrics. */
  servingAt: number;
  memory(): { rss: number; peak: number } | undefined;
  metrics(): Promise<string>;
  ready(): Promise<boolean>;
  /** SIGTERM (graceful: drains and releases its lease), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  output(): string;
}

/** Starts `node <dist>/main.js` against the host kubeconfig; resolves once it serves /healthz and /metrics. */
export async function startChildManager(
  distDir: string,
  hostKubeconfig: string,
  options: { nodeArgs?: string[]; extraArgs?: string[]; env?: Record<string, string> } = {},
): Promise<ChildManager> {
  const spawnedAt = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      path.join(distDir, 'main.js'),
      '--kubeconfig', hostKubeconfig,
      '--kubefed-namespace', KUBEFED_NS,
      '--health-addr', '127.0.0.1:0',
      '--metrics-addr', '127.0.0.1:0',
      ...(options.extraArgs ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBEFED_LOG_LEVEL: 'info', ...options.env } },
  );
  if (child.pid === undefined) throw new Error('could not start the controller-manager');
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Only the head and the tail of the output are kept: a long run must not grow this process.
  let head = '';
  let tail = '';
  let serving: { health: number; metrics: number; at: number } | undefined;
  const onData = (d: Buffer): void => {
    const text = d.toString();
    if (head.length < 20_000) head += text;
    tail = (tail + text).slice(-20_000);
    if (!serving && head.includes('serving health and metrics')) {
      for (const line of head.split('\n')) {
        if (!line.includes('serving health and metrics')) continue;
        try {
          const entry = JSON.parse(line) as { health: number; metrics: number };
          serving = { health: entry.health, metrics: entry.metrics, at: performance.now() };
        } catch {
          // a partial line: the rest comes with the next chunk
        }
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const output = (): string => (head.length < 20_000 ? head : `${head}\n…\n${tail}`);
  const stop = async (graceMs = 30_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timedOut = await Promise.race([exited.then(() => false), sleep(graceMs).then(() => true)]);
    if (timedOut) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  try {
    await waitFor('controller-manager serving', () => serving !== undefined || child.exitCode !== null, 60_000, 10);
    if (!serving) throw new Error(`controller-manager exited:\n${output()}`);
  } catch (err) {
    await stop(5_000);
    throw err;
  }
  const s = serving;
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  /** A busy process (a cold start parsing tens of thousands of objects) may answer late: retry a few times. */
  const get = async (port: number, p: string): Promise<{ status: number; body: string }> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}${p}`, { signal: AbortSignal.timeout(30_000) });
        return { status: res.status, body: await res.text() };
      } catch (err) {
        if (!running()) throw new Error(`controller-manager exited (${child.exitCode ?? child.signalCode}):\n${output()}`);
        if (attempt >= 5) throw new Error(`GET ${p} of the controller-manager failed ${attempt} times: ${(err as Error).message} (${String((err as Error).cause ?? '')})`);
        await sleep(500);
      }
    }
  };
  return {
    pid,
    spawnedAt,
    healthPort: s.health,
    metricsPort: s.metrics,
    servingAt: s.at,
    memory: () => processMemoryMiB(pid),
    metrics: async () => (await get(s.metrics, '/metrics')).body,
    ready: async () => (await get(s.health, '/readyz')).status === 200,
    stop,
    output,
  };
}

/** Sum of a Prometheus metric's samples whose labels include every pair of `match`. */
export function metricSum(text: string, name: string, match: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(match).every(([k, v]) => labels[k] === v)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Writes (POST, PUT, PATCH, DELETE) the process made, per cluster, from its kubefed_member_requests_total. */
export function clientWrites(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('kubefed_member_requests_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(labels.verb ?? '')) continue;
    const key = `${labels.cluster} ${labels.verb}`;
    out[key] = round((out[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  }
  return out;
}
