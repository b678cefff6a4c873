// The shared member caches against a real HTTP server standing in for a member API server (a socket, not a
// mocked client): when a cache counts as filling, fresh or failed.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import type { ClusterRegistry } from '../../../src/cluster/registry.js';
import { RestClient } from '../../../src/kube/rest-client.js';
import { CoreTypes } from '../../../src/kube/types.js';
import { MemberCaches } from '../../../src/members/member-caches.js';
import { createLogger } from '../../../src/util/log.js';

const log = createLogger({ level: 'silent' });
const servers: http.Server[] = [];
const stops: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function member(handler: http.RequestListener): Promise<RestClient> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    // Plain HTTP (client-node asks for skipTLSVerify to allow it): no TLS on a loopback test server.
    clusters: [{ name: 'm', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'm', cluster: 'm', user: 'u' }],
    currentContext: 'm',
  });
  return RestClient.fromKubeConfig(kc, { name: 'member1', timeoutMs: 2_000 });
}

function caches(client: RestClient): MemberCaches {
  const registry = {
    onEvent: () => () => undefined,
    clusters: () => [{ name: 'member1', labels: {}, ready: true, client }],
  } as unknown as ClusterRegistry;
  const memberCaches = new MemberCaches({ registry, targetNamespace: undefined, log, syncGraceMs: 100 });
  stops.push(() => memberCaches.stop());
  return memberCaches;
}

const user = { type: CoreTypes.configMap, projection: { status: false, workload: false }, onEvent: () => undefined };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('MemberCaches.state', () => {
  it('keeps a slow first list filling past the grace period: it is progress, not failure', async () => {
    const client = await member(() => undefined); // never answers within the test
    const lease = caches(client).acquire(user);
    await sleep(300);
    expect(lease.state('member1')).toEqual({ kind: 'filling' });
  });

  it('gives up on a cache whose list fails, once the grace period is over, naming the error', async () => {
    const client = await member((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', reason: 'Forbidden', message: 'configmaps is forbidden' }));
    });
    const lease = caches(client).acquire(user);
    await expect.poll(() => lease.state('member1').kind, { timeout: 5_000 }).toBe('failed');
    expect(lease.state('member1')).toMatchObject({ error: expect.stringContaining('forbidden') });
  });

  it('is fresh once listed and watching, and absent for a cluster it has no cache of', async () => {
    const client = await member((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url?.includes('watch=')) return; // a watch that stays open
      res.end(JSON.stringify({ kind: 'ConfigMapList', metadata: { resourceVersion: '7' }, items: [] }));
    });
    const lease = caches(client).acquire(user);
    await expect.poll(() => lease.state('member1').kind, { timeout: 5_000 }).toBe('fresh');
    expect(lease.state('member9')).toEqual({ kind: 'absent' });
  });
});

describe('MemberCaches: telling users when a cache has filled', () => {
  it('calls onFilled once, when the first list is in, and not while the list is pending', async () => {
    let answer: (() => void) | undefined;
    const client = await member((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url?.includes('watch=')) return;
      answer = () => res.end(JSON.stringify({ kind: 'ConfigMapList', metadata: { resourceVersion: '7' }, items: [] }));
    });
    const filled: string[] = [];
    const lease = caches(client).acquire({ ...user, onFilled: (cluster) => filled.push(cluster) });
    await expect.poll(() => answer !== undefined, { timeout: 5_000 }).toBe(true);
    await sleep(300);
    expect(filled).toEqual([]);
    answer!();
    await expect.poll(() => filled, { timeout: 5_000 }).toEqual(['member1']);
    expect(lease.state('member1')).toEqual({ kind: 'fresh' });
    await sleep(300);
    expect(filled).toEqual(['member1']);
  });

  it('calls onFilled when a failing cache gives up after the grace period (its waiters then report the failure)', async () => {
    const client = await member((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', reason: 'Forbidden', message: 'configmaps is forbidden' }));
    });
    const filled: string[] = [];
    const lease = caches(client).acquire({ ...user, onFilled: (cluster) => filled.push(cluster) });
    await expect.poll(() => filled, { timeout: 5_000 }).toEqual(['member1']);
    expect(lease.state('member1').kind).toBe('failed');
  });
});
