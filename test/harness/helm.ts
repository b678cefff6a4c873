// The real helm against a test cluster, with cache and config folders of its own (so the user's repositories
// and plugins play no part), never throwing on a failure: tests read the exit code and output.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveBinDir } from './binaries.js';
import type { CommandResult } from './env.js';

export class Helm {
  private readonly bin = path.join(resolveBinDir(['helm']), 'helm');
  private readonly home = mkdtempSync(path.join(os.tmpdir(), 'kubefed-ts-helm-'));

  /** Runs `helm ARGS --kubeconfig KUBECONFIG` (the kubeconfig only when given). */
  run(args: string[], kubeconfig?: string): Promise<CommandResult> {
    return new Promise((resolve) => {
      execFile(
        this.bin,
        [...args, ...(kubeconfig ? ['--kubeconfig', kubeconfig] : [])],
        {
          maxBuffer: 64 * 1024 * 1024,
          env: {
            ...process.env,
            HELM_CACHE_HOME: path.join(this.home, 'cache'),
            HELM_CONFIG_HOME: path.join(this.home, 'config'),
            HELM_DATA_HOME: path.join(this.home, 'data'),
          },
        },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
    });
  }

  close(): void {
    rmSync(this.home, { recursive: true, force: true });
  }
}
