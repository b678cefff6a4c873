// The command line without clusters: help, version, usage errors and kubeconfig context errors.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../../src/kubefedctl/cli.js';

async function kubefedctl(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } });
  return { code, stdout, stderr };
}

const kubeconfig = path.join(mkdtempSync(path.join(os.tmpdir(), 'kubefedctl-unit-')), 'kubeconfig');
writeFileSync(
  kubeconfig,
  `apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: {server: 'https://127.0.0.1:1'}
users:
- name: u
  user: {token: t}
contexts:
- name: host
  context: {cluster: a, user: u}
- name: member1
  context: {cluster: a, user: u}
current-context: host
`,
);

describe('kubefedctl command line', () => {
  it('lists the commands and global flags in its help', async () => {
    const { code, stdout } = await kubefedctl('--help');
    expect(code).toBe(0);
    for (const word of ['join', 'unjoin', 'enable', 'disable', 'federate', 'orphaning-deletion', '--kubeconfig', '--host-cluster-context', '--kubefed-namespace']) {
      expect(stdout).toContain(word);
    }
    expect((await kubefedctl()).stdout).toContain('Usage: kubefedctl');
  });

  it('shows global flags in a command\'s help', async () => {
    const { code, stdout } = await kubefedctl('join', '--help');
    expect(code).toBe(0);
    expect(stdout).toContain('--cluster-context');
    expect(stdout).toContain('--dry-run');
    expect(stdout).toContain('Global Options');
    expect(stdout).toContain('kube-federation-system');
  });

  it('prints its version the way KubeFed did', async () => {
    const { code, stdout } = await kubefedctl('version');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^kubefedctl version: version\.Info\{Version:"v\d+\.\d+\.\d+", GitCommit:"[^"]*", .*Platform:"[a-z0-9]+\/[a-z0-9]+"\}\n$/);
  });

  it.each([
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['join'], /missing required argument 'cluster-name'/],
    [['orphaning-deletion', 'maybe', 'configmaps', 'x'], /Allowed choices are enable, disable, status/],
    [['enable', 'configmaps', '-o', 'json'], /Allowed choices are yaml/],
  ])('rejects bad usage %j with a non-zero exit', async (argv, message) => {
    const { code, stderr } = await kubefedctl(...argv);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(message);
  });

  it('names an unknown context and lists the available ones, before touching any cluster', async () => {
    const { code, stderr } = await kubefedctl('--kubeconfig', kubeconfig, 'join', 'c1', '--cluster-context', 'nope');
    expect(code).toBe(1);
    expect(stderr).toBe(`error: context "nope" not found in kubeconfig ${kubeconfig}; available contexts: host, member1\n`);
    const host = await kubefedctl('--kubeconfig', kubeconfig, '--host-cluster-context', 'gone', 'join', 'member1');
    expect(host.stderr).toContain('context "gone" not found');
  });

  it('refuses a cluster name that cannot name a KubeFedCluster', async () => {
    const { code, stderr } = await kubefedctl('--kubeconfig', kubeconfig, 'join', 'Member_1', '--cluster-context', 'member1');
    expect(code).toBe(1);
    expect(stderr).toContain('cluster name "Member_1" is not a valid object name');
  });

  it('explains an unreachable host', async () => {
    const { code, stderr } = await kubefedctl('--kubeconfig', kubeconfig, 'join', 'member1', '--dry-run');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: cannot reach the API server of context "host" at https:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/);
  });
});
