// `npm run build`'s second step: bundles dist/main.js, dist/agent/main.js and dist/kubefedctl/main.js
// (hack/lib/bundle.ts says why). Usage: tsx hack/bundle.ts [--out DIR] (default dist/).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleEntryPoints } from './lib/bundle.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const started = Date.now();
const files = await bundleEntryPoints({ repoRoot, outDir: path.resolve(values.out ?? path.join(repoRoot, 'dist')) });
process.stdout.write(`bundled ${files.map((f) => path.relative(repoRoot, f)).join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
