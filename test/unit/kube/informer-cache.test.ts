// The shared informer cache against a real HTTP server (a socket, not a mocked client): every user of a
// shared informer hears its failures, however many users share it and whoever created it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { InformerCache, WITHOUT_MANAGED_FIELDS } from '../../../src/kube/informer-cache.js';
import { RestClient } from '../../../src/kube/rest-client.js';
import { CoreTypes } from '../../../src/kube/types.js';
import { createLogger } from '../../../src/util/log.js';

const log = createLogger({ level: 'silent' });
let server: http.Server | undefined;
const cache = new InformerCache();

afterEach(async () => {
  await cache.stopAll();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(handler: http.RequestListener): Promise<RestClient> {
  server = http.createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  kc.loadFromOptions({
    // Plain HTTP (client-node asks for skipTLSVerify to allow it): no TLS to verify on a loopback test server.
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  return RestClient.fromKubeConfig(kc, { name: 'member1' });
}

describe('InformerCache', () => {
  it("calls every user's onError, not only the first user's, and stops calling a user that let go", async () => {
    const client = await serve((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', message: 'boom', reason: 'InternalError' }));
    });
    const first: string[] = [];
    const second: string[] = [];
    const options = { log, backoffBaseMs: 10, backoffMaxMs: 20 };
    const a = cache.acquire(client, CoreTypes.configMap, { ...options, onError: (err) => first.push((err as Error).message) });
    const b = cache.acquire(client, CoreTypes.configMap, { ...options, onError: (err) => second.push((err as Error).message) });
    expect(b.informer).toBe(a.informer);
    await expect.poll(() => second.length, { timeout: 5_000 }).toBeGreaterThan(1);
    expect(first.length).toBeGreaterThan(1);
    expect(second[0]).toContain('boom');

    await a.release();
    const before = first.length;
    await expect.poll(() => second.length, { timeout: 5_000 }).toBeGreaterThan(before + 3);
    expect(first.length).toBe(before);
    await b.release();
  });

  it('keeps what a view keeps, and shares an informer only between users of the same view', async () => {
    const client = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'ConfigMapList',
          metadata: { resourceVersion: '5' },
          items: [{ metadata: { name: 'a', namespace: 'ns', resourceVersion: '5', managedFields: [{ manager: 'm' }] }, data: { k: 'v' } }],
        }),
      );
    });
    const slim = cache.acquire(client, CoreTypes.configMap, { log, view: WITHOUT_MANAGED_FIELDS, watchTimeoutSeconds: 1 });
    const whole = cache.acquire(client, CoreTypes.configMap, { log, watchTimeoutSeconds: 1 });
    expect(whole.informer).not.toBe(slim.informer);
    await Promise.all([slim.informer.waitForSync(), whole.informer.waitForSync()]);
    expect(slim.informer.get('ns/a')?.metadata?.managedFields).toBeUndefined();
    expect(slim.informer.get('ns/a')?.data).toEqual({ k: 'v' });
    expect(whole.informer.get('ns/a')?.metadata?.managedFields).toEqual([{ manager: 'm' }]);
  });
});
