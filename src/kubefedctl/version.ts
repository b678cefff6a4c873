// `kubefedctl version`: KubeFed printed Go's %#v of its version.Info; we print the same shape.
import { readFileSync } from 'node:fs';

/** The package's version (`0.1.0`), or undefined when installed without package.json. */
export function packageVersion(): string | undefined {
  try {
    // ../../package.json from both src/kubefedctl and dist/kubefedctl.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version || undefined;
  } catch {
    return undefined;
  }
}

export function versionLine(): string {
  const known = packageVersion();
  const version = known ? `v${known}` : 'v0.0.0-unknown';
  const env = process.env;
  const field = (name: string, value: string) => `${name}:"${value}"`;
  return (
    'kubefedctl version: version.Info{' +
    [
      field('Version', version),
      field('GitCommit', env.KUBEFED_GIT_COMMIT ?? 'unknown'),
      field('GitTreeState', env.KUBEFED_GIT_TREE_STATE ?? 'unknown'),
      field('BuildDate', env.KUBEFED_BUILD_DATE ?? 'unknown'),
      field('GoVersion', `node ${process.version}`),
      field('Compiler', 'tsc'),
      field('Platform', `${process.platform}/${process.arch}`),
    ].join(', ') +
    '}\n'
  );
}
