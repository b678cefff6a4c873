// Fails when crds/ or the Helm chart's copy (charts/kubefed-ts/crds/) differs from what `npm run generate`
// would write from the schemas in src/api.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareCrdFiles, renderCrdFiles } from '../../../src/api/crd/render.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

function readYamlFiles(dir: string): Map<string, string> {
  return new Map(
    readdirSync(dir)
      .filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))
      .map((name) => [name, readFileSync(path.join(dir, name), 'utf8')] as const),
  );
}

describe.each(['crds', 'charts/kubefed-ts/crds'])('%s/', (dir) => {
  it('matches the generator output (run `npm run generate` to fix)', () => {
    const { missing, outdated, extra } = compareCrdFiles(renderCrdFiles(), readYamlFiles(path.join(repoRoot, dir)));
    expect({ missing, outdated, stale: extra }, `${dir}/ is out of date: run \`npm run generate\``).toEqual({
      missing: [],
      outdated: [],
      stale: [],
    });
  });
});

describe('renderCrdFiles', () => {
  it('renders the same text twice', () => {
    expect([...renderCrdFiles()]).toEqual([...renderCrdFiles()]);
  });
});
