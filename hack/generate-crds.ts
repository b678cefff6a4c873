// Writes crds/*.yaml from the zod schemas in src/api (`npm run generate`), and removes generated files
// whose CRD no longer exists. Output is deterministic; test/unit/api/crds-up-to-date.test.ts checks it.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRD_FILE_HEADER, renderCrdFiles } from '../src/api/crd/render.js';

const crdDir = fileURLToPath(new URL('../crds/', import.meta.url));
mkdirSync(crdDir, { recursive: true });

const files = renderCrdFiles();
let written = 0;
for (const [name, text] of files) {
  const file = path.join(crdDir, name);
  let current: string | undefined;
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === text) continue;
  writeFileSync(file, text);
  written++;
  console.log(`wrote crds/${name}`);
}

for (const name of readdirSync(crdDir).filter((entry) => entry.endsWith('.yaml') && !files.has(entry))) {
  const file = path.join(crdDir, name);
  if (readFileSync(file, 'utf8').startsWith(CRD_FILE_HEADER)) {
    rmSync(file);
    console.log(`removed stale crds/${name}`);
  } else {
    console.warn(`crds/${name} is not generated; remove it if it is stale`);
  }
}
console.log(`${files.size} CRDs, ${written} changed`);
