// Where hack/build-binaries.sh caches the real Kubernetes binaries, and hack/build-kubefed.sh KubeFed's own;
// the scripts are the one place that knows the pinned versions, so we ask them rather than repeat them here.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The cached binaries' folder; throws with the fix when they have not been built yet. */
export function resolveBinDir(required: string[] = ['etcd', 'kube-apiserver', 'kubectl', 'kube-controller-manager']): string {
  const binDir =
    process.env.KUBEFED_TS_BIN_DIR ??
    execFileSync('bash', [path.join(repoRoot, 'hack', 'build-binaries.sh'), '--print-dir'], { encoding: 'utf8' }).trim();
  const missing = required.filter((b) => !existsSync(path.join(binDir, b)));
  if (missing.length > 0) {
    throw new Error(`missing ${missing.join(', ')} in ${binDir}: run 'npm run binaries' (hack/build-binaries.sh) first`);
  }
  return binDir;
}

/** The cached KubeFed binaries' folder; throws with the fix when they have not been built yet. */
export function resolveKubefedBinDir(required: string[] = ['controller-manager']): string {
  const binDir = execFileSync('bash', [path.join(repoRoot, 'hack', 'build-kubefed.sh'), '--print-dir'], { encoding: 'utf8' }).trim();
  const missing = required.filter((b) => !existsSync(path.join(binDir, b)));
  if (missing.length > 0) {
    throw new Error(`missing KubeFed's ${missing.join(', ')} in ${binDir}: run 'bash hack/build-kubefed.sh' first (it needs Go once)`);
  }
  return binDir;
}
