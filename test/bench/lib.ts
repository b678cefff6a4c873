// Small tools every benchmark shares: the machine description that goes into each result file, percentiles,
// a bounded-concurrency loop, polling with a deadline, CPU seconds of the processes involved, and result files.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../harness/binaries.js';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  node: string;
  /** Load average when the benchmark started: other work on a shared machine shows here. */
  loadAverage: number[];
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverage: os.loadavg().map((l) => round(l, 2)),
  };
}

/** The commit measured, and whether the working tree differed from it. */
export function revision(): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    return { commit, dirty: status !== '' };
  } catch {
    return { commit: 'unknown', dirty: true };
  }
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Nearest-rank percentile of unsorted samples (p in 0..100). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function mean(samples: readonly number[]): number {
  return samples.reduce((a, b) => a + b, 0) / samples.length;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it is true; throws with `what` after `timeoutMs`. */
export async function waitFor(what: string, probe: () => boolean | Promise<boolean>, timeoutMs: number, pollMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(pollMs);
  }
}

/** Runs `work(item)` for every item with at most `concurrency` in flight; the first failure rejects. */
export async function forEachConcurrently<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < items.length) {
      const index = next++;
      try {
        await work(items[index]!, index);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failed !== undefined) throw failed;
}

/** Wall time of `fn` in seconds, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - start) / 1000, value };
}

const CLOCK_TICKS = 100;

/** CPU seconds (user + system) a process has used so far, from /proc; undefined once it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state is field 3, utime 14 and stime 15 (1-based, as in proc(5)).
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Resident and peak resident memory of a process in MiB, from /proc/<pid>/status. */
export function processMemoryMiB(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string): number => Number(/^\w+:\s+(\d+) kB/m.exec(status.split('\n').find((l) => l.startsWith(`${field}:`)) ?? '')?.[1] ?? NaN);
    return { rss: round(kib('VmRSS') / 1024, 1), peak: round(kib('VmHWM') / 1024, 1) };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds used between `start()` and `stop()` by named processes (API servers, etcd) and by this
 * process, to tell what a phase spent its CPU on.
 */
export class CpuMeter {
  private before = new Map<string, number>();
  private selfBefore = process.cpuUsage();

  constructor(private readonly processes: () => Array<{ name: string; pid: number }>) {}

  start(): void {
    this.before = new Map(this.processes().map((p) => [p.name, processCpuSeconds(p.pid) ?? 0]));
    this.selfBefore = process.cpuUsage();
  }

  /** Seconds per process name, plus `bench+controller` (this process) and `total`. */
  stop(): Record<string, number> {
    const out: Record<string, number> = {};
    let total = 0;
    for (const p of this.processes()) {
      const used = (processCpuSeconds(p.pid) ?? 0) - (this.before.get(p.name) ?? 0);
      out[p.name] = round(used, 2);
      total += used;
    }
    const self = process.cpuUsage(this.selfBefore);
    const selfSeconds = (self.user + self.system) / 1e6;
    out['this process'] = round(selfSeconds, 2);
    out.total = round(total + selfSeconds, 2);
    return out;
  }
}

/** Sums a CPU breakdown into host API server, member API servers, etcd and this process. */
export function cpuSummary(cpu: Record<string, number>): { hostApiserver: number; memberApiservers: number; etcd: number; thisProcess: number; total: number } {
  let members = 0;
  for (const [name, s] of Object.entries(cpu)) if (name.startsWith('kube-apiserver-member')) members += s;
  return {
    hostApiserver: cpu['kube-apiserver-host'] ?? 0,
    memberApiservers: round(members, 2),
    etcd: cpu.etcd ?? 0,
    thisProcess: cpu['this process'] ?? 0,
    total: cpu.total ?? 0,
  };
}

export interface ResultFile {
  benchmark: string;
  date: string;
  quick: boolean;
  machine: Machine;
  kubernetes: string;
  revision: { commit: string; dirty: boolean };
  parameters: Record<string, unknown>;
  results: unknown;
  [key: string]: unknown;
}

export const RESULTS_DIR = path.join(repoRoot, 'bench', 'results');

export function writeResult(dir: string, name: string, result: ResultFile): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

export function readResult<T = ResultFile>(dir: string, name: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, `${name}.json`), 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Progress lines go to stderr with the elapsed time, so stdout stays for the summary. */
export function logger(prefix = 'bench'): (message: string) => void {
  const start = Date.now();
  return (message) => process.stderr.write(`[${prefix} +${((Date.now() - start) / 1000).toFixed(1)}s] ${message}\n`);
}
