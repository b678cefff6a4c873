// The controller-manager runs with the same V8 flags however it is launched: the image's entry point, the
// package's bin (src/main.ts's shebang), and the memory benchmark (which reads node-flags.ts itself).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTROLLER_MANAGER_NODE_FLAGS } from '../../../src/manager/node-flags.js';

const root = path.resolve(import.meta.dirname, '../../..');

describe('CONTROLLER_MANAGER_NODE_FLAGS', () => {
  it('are the flags of the image entry point', () => {
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync(path.join(root, 'Dockerfile'), 'utf8'))?.[1];
    expect(JSON.parse(entrypoint ?? 'null')).toEqual(['node', ...CONTROLLER_MANAGER_NODE_FLAGS, 'dist/main.js']);
  });

  it("are the flags of the package bin's shebang", () => {
    const shebang = readFileSync(path.join(root, 'src', 'main.ts'), 'utf8').split('\n')[0];
    expect(shebang).toBe(['#!/usr/bin/env -S node', ...CONTROLLER_MANAGER_NODE_FLAGS].join(' '));
  });

  it('are flags this Node accepts', () => {
    // Some are V8 flags Node takes on its command line only (not in NODE_OPTIONS): ask node itself, which exits
    // 9 with "bad option" on a flag it does not know.
    const run = spawnSync(process.execPath, [...CONTROLLER_MANAGER_NODE_FLAGS, '-e', '0'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
