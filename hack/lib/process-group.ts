// Processes a hack script starts (KubeFed's binaries, kubefed-ts's controller-manager), each logging to a
// file, stopped by pid; a reaper process stops them too if the script dies (even by SIGKILL). Shared by
// `npm run conformance` and `npm run bench -- --vs-kubefed`.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../test/harness/binaries.js';

export interface Child {
  name: string;
  proc: ChildProcess & { pid: number };
  binary: string;
  /** The exit code (null when killed by a signal), once the process is gone and its log is written. */
  done: Promise<number | null>;
}

export class ProcessGroup {
  private readonly children = new Map<string, Child>();
  private reaperStateFile = '';

  /** Starts the reaper, which reads the group's pids from a file in `workDir`. */
  startReaper(workDir: string): void {
    this.reaperStateFile = path.join(workDir, 'reaper-state.json');
    this.writeReaperState();
    const reaper = spawn(process.execPath, [path.join(repoRoot, 'test', 'harness', 'reaper.mjs'), String(process.pid), this.reaperStateFile], {
      detached: true,
      stdio: 'ignore',
    });
    reaper.unref();
  }

  get(name: string): Child | undefined {
    return this.children.get(name);
  }

  names(): string[] {
    return [...this.children.keys()];
  }

  /** Starts `binary`, its stdout and stderr appended to `logFile`. */
  start(name: string, binary: string, argv: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): Child {
    const out = createWriteStream(logFile, { flags: 'a' });
    const proc = spawn(binary, argv, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: repoRoot }) as ChildProcess & { pid: number };
    if (proc.pid === undefined) throw new Error(`could not start ${binary}`);
    proc.stdout?.pipe(out, { end: false });
    proc.stderr?.pipe(out, { end: false });
    // 'close' comes after both pipes have ended; then the file is flushed.
    const done = new Promise<number | null>((resolve) => {
      proc.once('close', (code) => out.end(() => resolve(code)));
    });
    const child = { name, proc, binary, done };
    this.children.set(name, child);
    this.writeReaperState();
    return child;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(name: string, graceMs = 15_000): Promise<void> {
    const child = this.children.get(name);
    if (!child) return;
    this.children.delete(name);
    if (child.proc.exitCode === null && child.proc.signalCode === null) {
      child.proc.kill('SIGTERM');
      const timer = setTimeout(() => child.proc.kill('SIGKILL'), graceMs);
      await child.done;
      clearTimeout(timer);
    }
    this.writeReaperState();
  }

  /** Drops a process that has exited by itself from the group. */
  forget(name: string): void {
    this.children.delete(name);
    this.writeReaperState();
  }

  async stopAll(): Promise<void> {
    for (const name of this.names()) await this.stop(name);
  }

  private writeReaperState(): void {
    if (!this.reaperStateFile) return;
    const processes = [...this.children.values()].map((c) => ({ name: c.name, pid: c.proc.pid, binary: c.binary }));
    // Renamed into place: the reaper must never read a half-written file.
    writeFileSync(`${this.reaperStateFile}.tmp`, JSON.stringify({ processes }));
    renameSync(`${this.reaperStateFile}.tmp`, this.reaperStateFile);
  }
}
