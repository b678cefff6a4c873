// Writes crds/*.yaml, and the same files into the Helm chart's charts/kubefed-ts/crds/ (so the two never
// drift), from the zod schemas in src/api (`npm run generate`), and removes generated files whose CRD no
// longer exists. Output is deterministic; test/unit/api/crds-up-to-date.test.ts checks both folders.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRD_FILE_HEADER, renderCrdFiles } from '../src/api/crd/render.js';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const outputDirs = ['crds', path.join('charts', 'kubefed-ts', 'crds')];

const files = renderCrdFiles();
let written = 0;
for (const dir of outputDirs) written += writeCrdDir(dir);
console.log(`${files.size} CRDs, ${written} files changed`);

/** Brings one folder (relative to the repository root) up to date; returns how many files it changed. */
function writeCrdDir(dir: string): number {
  const absolute = path.join(repoRoot, dir);
  mkdirSync(absolute, { recursive: true });
  let changed = 0;
  for (const [name, text] of files) {
    const file = path.join(absolute, name);
    let current: string | undefined;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === text) continue;
    writeFileSync(file, text);
    changed++;
    console.log(`wrote ${dir}/${name}`);
  }

  for (const name of readdirSync(absolute).filter((entry) => entry.endsWith('.yaml') && !files.has(entry))) {
    const file = path.join(absolute, name);
    if (readFileSync(file, 'utf8').startsWith(CRD_FILE_HEADER)) {
      rmSync(file);
      changed++;
      console.log(`removed stale ${dir}/${name}`);
    } else {
      console.warn(`${dir}/${name} is not generated; remove it if it is stale`);
    }
  }
  return changed;
}
