// The harness itself: the clusters are real, separate API servers, and an interrupted test run leaves
// no etcd or kube-apiserver behind.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CoreV1Api, VersionApi } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../harness/binaries.js';
import { processRuns, type ControlPlaneState } from '../harness/control-plane.js';
import { kubeConfigFor, kubectl, testEnv } from '../harness/env.js';

describe('local federation', () => {
  it('runs a host and two members, each a real kube-apiserver', async () => {
    const env = testEnv();
    expect(Object.keys(env.clusters).sort()).toEqual(['host', 'member1', 'member2']);
    const servers = new Set(Object.values(env.clusters).map((c) => c.server));
    expect(servers.size).toBe(3);
    for (const name of Object.keys(env.clusters)) {
      const version = await kubeConfigFor(name).makeApiClient(VersionApi).getCode();
      expect(version.gitVersion).toMatch(/^v1\.(3[5-9]|[4-9]\d)\./);
    }
    // The combined kubeconfig has one context per cluster, usable by the real kubectl.
    const contexts = await kubectl('host', ['--kubeconfig', env.kubeconfigPath, 'config', 'get-contexts', '-o', 'name']);
    expect(contexts.stdout.split('\n').filter(Boolean).sort()).toEqual(['host', 'member1', 'member2']);
  });

  it('isolates clusters: an object written to member1 is not visible in member2 or host', async () => {
    const name = `isolation-${Date.now()}`;
    const member1 = kubeConfigFor('member1').makeApiClient(CoreV1Api);
    await member1.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name }, data: { written: 'member1' } },
    });
    try {
      const read = await member1.readNamespacedConfigMap({ namespace: 'default', name });
      expect(read.data).toEqual({ written: 'member1' });
      for (const other of ['member2', 'host']) {
        const api = kubeConfigFor(other).makeApiClient(CoreV1Api);
        await expect(api.readNamespacedConfigMap({ namespace: 'default', name })).rejects.toMatchObject({ code: 404 });
        const list = await api.listNamespacedConfigMap({ namespace: 'default' });
        expect(list.items.map((c) => c.metadata?.name)).not.toContain(name);
      }
    } finally {
      await member1.deleteNamespacedConfigMap({ namespace: 'default', name });
    }
  });

  it('runs a kube-controller-manager per cluster: a namespace deletion completes', async () => {
    const name = `ns-delete-${Date.now()}`;
    const api = kubeConfigFor('member2').makeApiClient(CoreV1Api);
    await api.createNamespace({ body: { metadata: { name } } });
    await api.deleteNamespace({ name });
    await expect.poll(async () => {
      try {
        await api.readNamespace({ name });
        return 'present';
      } catch (err) {
        return (err as { code?: number }).code === 404 ? 'gone' : 'error';
      }
    }, { timeout: 30_000, interval: 200 }).toBe('gone');
  });
});

describe('an interrupted test run', () => {
  it.each([
    ['Ctrl-C (SIGINT to the whole process group)', 'group-SIGINT'],
    ['SIGKILL of the test runner alone', 'runner-SIGKILL'],
  ] as const)('leaves no etcd or kube-apiserver behind: %s', async (_label, how) => {
    const vitestBin = path.join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');
    const configPath = path.join(repoRoot, 'test', 'fixtures', 'interrupted-run', 'vitest.config.ts');
    const run = spawn(process.execPath, [vitestBin, 'run', '--config', configPath], {
      cwd: repoRoot,
      detached: true, // its own process group, as a terminal would give it
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        KUBEFED_TS_BIN_DIR: testEnv().binDir,
        KUBEFED_TS_TEST_MEMBERS: '1',
        KUBEFED_TS_TEST_CONTROLLER_MANAGERS: 'false',
      },
    });
    let output = '';
    run.stdout.on('data', (d: Buffer) => (output += d.toString()));
    run.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<void>((resolve) => run.once('exit', () => resolve()));

    // Wait until its harness says the servers are up and where its state is.
    await expect.poll(() => /\(state: (.+state\.json)\)/.exec(output)?.[1], { timeout: 90_000, interval: 200 }).toBeTruthy();
    const statePath = /\(state: (.+state\.json)\)/.exec(output)![1]!;
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as ControlPlaneState;
    const servers = state.processes;
    expect(servers.map((p) => p.name).sort()).toEqual(['etcd', 'kube-apiserver-host', 'kube-apiserver-member1']);
    expect(servers.every((p) => processRuns(p.pid, p.binary))).toBe(true);

    if (how === 'group-SIGINT') process.kill(-run.pid!, 'SIGINT');
    else process.kill(run.pid!, 'SIGKILL');
    await exited;

    await expect.poll(() => servers.filter((p) => processRuns(p.pid, p.binary)).map((p) => p.name), {
      timeout: 30_000,
      interval: 200,
    }).toEqual([]);
    await expect.poll(() => existsSync(state.dir), { timeout: 10_000, interval: 200 }).toBe(false);
    if (state.reaperPid) {
      await expect.poll(() => processRuns(state.reaperPid!, process.execPath), { timeout: 10_000 }).toBe(false);
    }
  }, 180_000);
});
