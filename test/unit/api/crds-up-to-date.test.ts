// Fails when crds/ differs from what `npm run generate` would write from the schemas in src/api.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareCrdFiles, renderCrdFiles } from '../../../src/api/crd/render.js';

const crdDir = fileURLToPath(new URL('../../../crds/', import.meta.url));

describe('crds/', () => {
  it('matches the generator output (run `npm run generate` to fix)', () => {
    const committed = new Map(
      readdirSync(crdDir)
        .filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))
        .map((name) => [name, readFileSync(path.join(crdDir, name), 'utf8')] as const),
    );
    const { missing, outdated, extra } = compareCrdFiles(renderCrdFiles(), committed);
    expect({ missing, outdated, stale: extra }, 'crds/ is out of date: run `npm run generate`').toEqual({
      missing: [],
      outdated: [],
      stale: [],
    });
  });

  it('renders the same text twice', () => {
    expect([...renderCrdFiles()]).toEqual([...renderCrdFiles()]);
  });
});
