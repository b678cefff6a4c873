// The shipped entry points (dist/main.js, dist/agent/main.js) never load @kubernetes/client-node's generated
// API index (every model and client class, ~40 MiB resident): a recording module-resolution hook, put in
// place with `node --import` before the entry point runs, lists every module the process resolves.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../harness/binaries.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kubefed-ts-lean-'));
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

/** Runs `node --import record.mjs ENTRY --help` and returns every module URL the process resolved. */
function resolvedBy(entry: string): Promise<{ code: number; urls: string[] }> {
  const log = path.join(dir, `${path.basename(path.dirname(entry))}-${path.basename(entry)}.log`);
  writeFileSync(log, '');
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', register, path.join(repoRoot, 'dist', entry), '--help'], { env: { ...process.env, RESOLVED_LOG: log } }, (error) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, urls: readFileSync(log, 'utf8').split('\n').filter(Boolean) });
    });
  });
}

const GENERATED_INDEX = '/@kubernetes/client-node/dist/gen/index.js';
const GENERATED_MODELS = '/@kubernetes/client-node/dist/gen/models/all.js';

describe('the lean loader', () => {
  it.each(['main.js', 'agent/main.js'])('dist/%s loads client-node\'s KubeConfig without its generated API', async (entry) => {
    const { code, urls } = await resolvedBy(entry);
    expect(code).toBe(0);
    expect(urls.some((u) => u.endsWith('/@kubernetes/client-node/dist/config.js'))).toBe(true);
    expect(urls.some((u) => u.endsWith('/dist/kube/client-node-config-deps.js'))).toBe(true);
    expect(urls.filter((u) => u.endsWith(GENERATED_INDEX) || u.endsWith(GENERATED_MODELS))).toEqual([]);
  });

  it('is what keeps it out: the controller-manager module run without the entry point loads the generated API', async () => {
    const { code, urls } = await resolvedBy('controller-manager-main.js');
    expect(code).toBe(0);
    expect(urls.some((u) => u.endsWith(GENERATED_INDEX))).toBe(true);
  });
});
