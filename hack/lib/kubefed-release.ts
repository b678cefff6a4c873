// Where hack/build-kubefed.sh caches KubeFed v0.10.0: its binaries (bin/) and its chart's CRDs (crds/).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, resolveKubefedBinDir } from '../../test/harness/binaries.js';

export const KUBEFED_VERSION = 'v0.10.0';

/** The cached bin folder; with `build`, builds what is missing first (needs Go once). */
export function kubefedBinDir(build = false): string {
  if (!build) return resolveKubefedBinDir([]);
  return execFileSync('bash', [path.join(repoRoot, 'hack', 'build-kubefed.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
}

/** KubeFed's own CRDs (core types and the federated types), copied from its chart by build-kubefed.sh. */
export function kubefedCrdFiles(binDir: string): string[] {
  const dir = path.join(path.dirname(binDir), 'crds');
  const files = ['core.yaml', 'federated-types.yaml'].map((f) => path.join(dir, f));
  for (const f of files) if (!existsSync(f)) throw new Error(`${f} is missing: run bash hack/build-kubefed.sh`);
  return files;
}
