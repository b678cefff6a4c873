// The controller-manager runs with the same V8 flags however it is launched: the image's entry point, the
// package's bin (src/main.ts's shebang), and the memory benchmark (which reads node-flags.ts itself).
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
    for (const flag of CONTROLLER_MANAGER_NODE_FLAGS) expect(process.allowedNodeEnvironmentFlags.has(flag.split('=')[0]!)).toBe(true);
  });
});
