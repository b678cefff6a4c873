// The shipped processes (dist/main.js, dist/agent/main.js, dist/kubefedctl/main.js) are single-file bundles
// (hack/lib/bundle.ts): run, they resolve no module file but themselves, and they hold client-node's
// KubeConfig without its generated API (every model and client class, ~40 MiB resident).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../harness/binaries.js';
import { BUNDLED_ENTRY_POINTS, bundleEntryPoints } from '../../hack/lib/bundle.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kubefed-ts-bundle-'));
const hooks = path.join(dir, 'record-hooks.mjs');
const register = path.join(dir, 'record.mjs');
writeFileSync(
  hooks,
  `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.RESOLVED_LOG, resolved.url + '\\n');
  return resolved;
}
`,
);
writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(new URL(`file://${hooks}`).href)});\n`);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `node --import record.mjs FILE --help` and returns every module URL the process resolved. */
function resolvedBy(file: string): Promise<{ code: number; urls: string[] }> {
  const log = path.join(dir, `${path.basename(path.dirname(file))}-${path.basename(file)}.log`);
  writeFileSync(log, '');
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', register, file, '--help'], { env: { ...process.env, RESOLVED_LOG: log } }, (error) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, urls: readFileSync(log, 'utf8').split('\n').filter(Boolean) });
    });
  });
}

// esbuild heads each bundled module with a comment naming its file.
const bundledModules = (bundle: string, folder: string): number => bundle.split('\n').filter((l) => l.startsWith(`// node_modules/@kubernetes/client-node/dist/${folder}`)).length;

describe('the bundled processes', () => {
  it.each(BUNDLED_ENTRY_POINTS.map((e) => e.output))('dist/%s runs from its own file alone', async (output) => {
    const file = path.join(repoRoot, 'dist', output);
    const { code, urls } = await resolvedBy(file);
    expect(code).toBe(0);
    expect(urls.filter((u) => !u.startsWith('node:'))).toEqual([new URL(`file://${file}`).href]);
  });

  it.each(BUNDLED_ENTRY_POINTS.map((e) => e.output))('dist/%s holds client-node\'s KubeConfig without its generated API', (output) => {
    const bundle = readFileSync(path.join(repoRoot, 'dist', output), 'utf8');
    expect(bundle).toContain('\n// node_modules/@kubernetes/client-node/dist/config.js\n');
    expect(bundledModules(bundle, 'gen/models/')).toBe(0);
    expect(bundledModules(bundle, 'gen/apis/')).toBe(0);
  });

  it('is what keeps it out: bundled without the redirect, the controller-manager holds the generated API', async () => {
    const [file] = await bundleEntryPoints({ repoRoot, outDir: dir, lean: false, entryPoints: [{ source: 'main.ts', output: 'fat-main.js' }] });
    const bundle = readFileSync(file!, 'utf8');
    expect(bundledModules(bundle, 'gen/models/')).toBeGreaterThan(500);
    const { code } = await resolvedBy(file!);
    expect(code).toBe(0);
  });
});
