// What a Node process holds before the controller-manager's own code runs, measured on this machine: Node alone,
// and Node with the libraries the project requires (test/bench/required-libraries.ts, bundled as dist/main.js
// is). "RSS right after start" cannot go below the second; KubeFed, a Go binary, starts below the first.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { bundleEntryPoints } from '../../hack/lib/bundle.js';
import { CONTROLLER_MANAGER_NODE_FLAGS } from '../../src/manager/node-flags.js';
import { repoRoot } from '../harness/binaries.js';
import { round } from './lib.js';

const execFileAsync = promisify(execFile);

export interface RuntimeBaseline {
  /** `node -e` waiting on a timer, with the controller-manager's V8 flags. */
  nodeMiB: number;
  /** The required libraries bundled and loaded, with the same flags. */
  requiredLibrariesMiB: number;
  flags: string[];
}

async function rssOf(args: string[]): Promise<number> {
  const { stdout } = await execFileAsync(process.execPath, [...CONTROLLER_MANAGER_NODE_FLAGS, ...args], { timeout: 60_000 });
  return round((JSON.parse(stdout.trim().split('\n').pop()!) as { rssMiB: number }).rssMiB, 1);
}

export async function measureRuntimeBaseline(outDir: string): Promise<RuntimeBaseline> {
  const [bundle] = await bundleEntryPoints({ repoRoot, outDir, entryPoints: [{ source: '../test/bench/required-libraries.ts', output: 'required-libraries.js' }] });
  const idle = 'setTimeout(() => { globalThis.gc?.(); setTimeout(() => console.log(JSON.stringify({ rssMiB: process.memoryUsage().rss / 2 ** 20 })), 500); }, 1000)';
  return { nodeMiB: await rssOf(['-e', idle]), requiredLibrariesMiB: await rssOf([path.resolve(bundle!)]), flags: [...CONTROLLER_MANAGER_NODE_FLAGS] };
}
