// The federation status page in a real headless Chromium (Debian's package), served by the shipped
// `dist/main.js --ui-addr` against the real host and members: a healthy member pair, a third
// KubeFedCluster whose API server does not exist (NotReady), an object member1 refuses, an object whose
// placement error quotes hostile markup, and a ReplicaSchedulingPreference. A second replica is the
// standby. The 5,000-object render time is measured in test/unit/ui/server.test.ts with snapshot data:
// creating 5,000 objects through an API server here would add minutes to CI for the same render path.
import path from 'node:path';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORE_GROUP, CORE_VERSION, KUBEFED_CLUSTER_PLURAL } from '../../src/api/index.js';
import { launchChromium, screenshotDir, type Browser } from '../harness/browser.js';
import { kubeConfigFor, kubectl, testEnv } from '../harness/env.js';
import { createFed, deleteFed, federateNamespace, getFed, type Obj } from '../harness/fed-objects.js';
import { getOrUndefined, KUBEFED_NS, prepareFederation, waitUntil } from '../harness/federation.js';
import { recordSecrets } from '../harness/log-capture.js';
import { freePort, startControllerManagerProcess, type RunningProcess } from '../harness/processes.js';

const ns = `ui-${Date.now().toString(36)}`;
const DEAD = 'member-dead';
const DEAD_TOKEN = `dead-cluster-token-${Date.now().toString(36)}`;
/** Lands in the Propagation message of `hostile` (the controller quotes an invalid selector value). */
const HOSTILE = `<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>`;

let host: KubeConfig;
let leader: RunningProcess & { healthPort: number };
let standby: RunningProcess;
let leaderUrl: string;
let standbyUrl: string;
let browser: Browser;
let page: Page;
let shots: string;
const dialogs: string[] = [];

const custom = () => host.makeApiClient(CustomObjectsApi);

function fedConfigMap(name: string, spec: Obj): Obj {
  return { apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedConfigMap', metadata: { name, namespace: ns }, spec };
}

const placedOn = (...clusters: string[]) => ({ clusters: clusters.map((name) => ({ name })) });

async function uiPort(proc: RunningProcess): Promise<number> {
  await waitUntil('status page served', () => proc.logs().some((l) => l.msg === 'serving the status page'), 30_000);
  return Number(proc.logs().find((l) => l.msg === 'serving the status page')!.port);
}

/** The matrix rows of the test namespace as `name → {status, cells, message}`, read from the DOM. */
async function matrix(): Promise<Record<string, { status: string; cells: Record<string, string>; message: string }>> {
  return page.$$eval(`tr[data-object^="${ns}/"]`, (rows) =>
    Object.fromEntries(
      rows.map((row) => [
        row.getAttribute('data-object')!.split('/')[1]!,
        {
          status: row.querySelector('.badge')!.textContent!,
          cells: Object.fromEntries(
            [...row.querySelectorAll('td.cell')].filter((c) => c.textContent !== '–').map((c) => [c.getAttribute('data-cluster')!, c.textContent!]),
          ),
          message: row.querySelector('td.message')!.textContent!,
        },
      ]),
    ),
  );
}

beforeAll(async () => {
  host = kubeConfigFor('host');
  await prepareFederation(host, testEnv().clusters.host!.kubeconfigPath, [
    { name: 'member1', kc: kubeConfigFor('member1'), labels: { region: 'eu' } },
    { name: 'member2', kc: kubeConfigFor('member2'), labels: { region: 'us' } },
  ]);
  // A member whose API server is gone: nothing listens on its port.
  recordSecrets([{ kind: 'token', source: 'status-page dead cluster', value: DEAD_TOKEN }]);
  await host.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: KUBEFED_NS, body: { metadata: { name: `${DEAD}-token` }, stringData: { token: DEAD_TOKEN } } });
  await custom().createNamespacedCustomObject({
    group: CORE_GROUP, version: CORE_VERSION, namespace: KUBEFED_NS, plural: KUBEFED_CLUSTER_PLURAL,
    body: {
      apiVersion: 'core.kubefed.io/v1beta1', kind: 'KubeFedCluster',
      metadata: { name: DEAD, namespace: KUBEFED_NS, labels: { region: 'gone' } },
      spec: { apiEndpoint: `https://127.0.0.1:${await freePort()}`, secretRef: { name: `${DEAD}-token` } },
    },
  });

  leader = await startControllerManagerProcess(['--leader-elect-identity', 'status-page-leader', '--ui-addr', '127.0.0.1:0']);
  leaderUrl = `http://127.0.0.1:${await uiPort(leader)}/`;
  await waitUntil('leader controllers started', () => leader.logs().some((l) => l.msg === 'controller-manager started'), 40_000);
  standby = await startControllerManagerProcess(['--leader-elect-identity', 'status-page-standby', '--ui-addr', '127.0.0.1:0']);
  standbyUrl = `http://127.0.0.1:${await uiPort(standby)}/`;

  await federateNamespace(host, ns, ['member1', 'member2', DEAD]);
  await createFed(host, 'federatedconfigmaps', fedConfigMap('healthy', { template: { data: { a: '1' } }, placement: placedOn('member1', 'member2') }));
  await createFed(host, 'federatedconfigmaps', fedConfigMap('partly', { template: { data: { a: '1' } }, placement: placedOn('member1', DEAD) }));
  // member1's API server refuses a ConfigMap key with a space: CreationFailed.
  await createFed(host, 'federatedconfigmaps', fedConfigMap('refused', { template: { data: { 'bad key': '1' } }, placement: placedOn('member1') }));
  await createFed(host, 'federatedconfigmaps', fedConfigMap('hostile', { template: { data: { a: '1' } }, placement: { clusterSelector: { matchLabels: { region: HOSTILE } } } }));
  await createFed(host, 'federateddeployments', {
    apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedDeployment', metadata: { name: 'web', namespace: ns },
    spec: {
      template: {
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
        },
      },
      placement: placedOn('member1', 'member2'),
    },
  });
  await custom().createNamespacedCustomObject({
    group: 'scheduling.kubefed.io', version: 'v1alpha1', namespace: ns, plural: 'replicaschedulingpreferences',
    body: {
      apiVersion: 'scheduling.kubefed.io/v1alpha1', kind: 'ReplicaSchedulingPreference', metadata: { name: 'web', namespace: ns },
      spec: { targetKind: 'FederatedDeployment', totalReplicas: 3, clusters: { member1: { weight: 1 }, member2: { weight: 2 } } },
    },
  });

  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  shots = await screenshotDir('status-page');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  // The dead cluster must not outlive this file: later files' controllers would see it. It goes first: a
  // deletion waits for every cluster that may hold a copy, and the status of \`partly\` lists it.
  await getOrUndefined(custom().deleteNamespacedCustomObject({ group: CORE_GROUP, version: CORE_VERSION, namespace: KUBEFED_NS, plural: KUBEFED_CLUSTER_PLURAL, name: DEAD }));
  await getOrUndefined(host.makeApiClient(CoreV1Api).deleteNamespacedSecret({ name: `${DEAD}-token`, namespace: KUBEFED_NS }));
  // Deleted while the leader still runs (it releases their finalizers): a refused object left behind would be
  // tried again by the next file's controller, and files that count member writes would count it.
  if (host && leader) {
    for (const name of ['healthy', 'partly', 'refused', 'hostile']) await deleteFed(host, 'federatedconfigmaps', name, ns);
    await waitUntil('the page\'s objects are gone', async () => {
      const left = await Promise.all(['healthy', 'partly', 'refused', 'hostile'].map((name) => getFed(host, 'federatedconfigmaps', name, ns)));
      return left.every((o) => o === undefined);
    }, 30_000);
  }
  await standby?.stop();
  await leader?.stop();
}, 60_000);

describe('the federation status page', () => {
  it('shows what went where and what is broken: a healthy pair, a NotReady member and a refused object', async () => {
    const expected = {
      healthy: { status: 'Propagated', cells: { member1: 'OK', member2: 'OK' }, message: '' },
      partly: { status: 'CheckClusters', cells: { member1: 'OK', [DEAD]: 'ClusterNotReady' }, message: `1 of 2 clusters not in the desired state: ${DEAD} (ClusterNotReady)` },
      refused: { status: 'CheckClusters', cells: { member1: 'CreationFailed' }, message: '1 of 1 cluster not in the desired state: member1 (CreationFailed)' },
    };
    await expect
      .poll(async () => {
        await page.goto(`${leaderUrl}?namespace=${ns}&type=configmaps`);
        const rows = await matrix();
        return { healthy: rows.healthy, partly: rows.partly, refused: rows.refused };
      }, { timeout: 30_000, interval: 1_000 })
      .toEqual(expected);

    // The cells are coloured by the stylesheet (served from the page's origin, allowed by its CSP).
    // Runs in the page; this project compiles without the DOM library, hence the cast of globalThis.
    const background = (object: string, cluster: string) =>
      page
        .locator(`tr[data-object="${ns}/${object}"] td.cell[data-cluster="${cluster}"]`)
        .evaluate((td) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(td).backgroundColor);
    expect(await background('refused', 'member1')).toBe('rgb(255, 235, 233)');
    expect(await background('partly', DEAD)).toBe('rgb(255, 248, 197)');
    expect(await background('healthy', 'member2')).toBe('rgb(218, 251, 225)');

    const cluster = async (name: string) => (await page.locator(`#clusters tr[data-cluster="${name}"]`).innerText()).replace(/\s+/g, ' ');
    expect(await cluster('member1')).toMatch(/^member1 Ready ClusterReady v1\.35\.\d+ \d+s ago .* region=eu \d+/);
    expect(await cluster(DEAD)).toContain(`${DEAD} NotReady ClusterNotReachable cluster is not reachable`);
    expect(await cluster(DEAD)).toContain('region=gone');

    await page.goto(leaderUrl);
    await page.screenshot({ path: path.join(shots, 'overview.png'), fullPage: true });
  });

  it('shows a hostile message as text and runs none of it', async () => {
    await expect
      .poll(async () => (await getFed(host, 'federatedconfigmaps', 'hostile', ns))?.status?.conditions?.[0]?.reason, { timeout: 20_000 })
      .toBe('ComputePlacementFailed');
    const message = ((await getFed(host, 'federatedconfigmaps', 'hostile', ns))!.status.conditions[0].message) as string;
    expect(message).toContain(JSON.stringify(HOSTILE));

    await page.goto(`${leaderUrl}?namespace=${ns}&status=ComputePlacementFailed`);
    const row = page.locator(`tr[data-object="${ns}/hostile"]`);
    expect(await row.locator('td.message').textContent()).toBe(message);
    expect(await row.locator('td.message img, td.message script').count()).toBe(0);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(1); // the page's own filter script
    expect(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    await row.screenshot({ path: path.join(shots, 'hostile-message.png') });
  });

  it('shows the same statuses kubectl shows', async () => {
    const { stdout } = await kubectl('host', ['get', 'federatedconfigmaps', '-n', ns, '-o', 'json']);
    const fromKubectl = Object.fromEntries(
      (JSON.parse(stdout).items as Obj[]).map((o) => {
        const condition = (o.status?.conditions ?? []).find((c: Obj) => c.type === 'Propagation');
        return [
          o.metadata.name,
          {
            status: condition?.status === 'True' ? 'Propagated' : (condition?.reason ?? 'Pending'),
            cells: Object.fromEntries((o.status?.clusters ?? []).map((c: Obj) => [c.name, c.status || 'OK'])),
            message: condition?.status === 'True' ? '' : (condition?.message ?? ''),
          },
        ];
      }),
    );
    await page.goto(`${leaderUrl}?namespace=${ns}&type=configmaps`);
    expect(await matrix()).toEqual(fromKubectl);
  });

  it('filters by namespace, type and status with the selects', async () => {
    await page.goto(leaderUrl);
    // The page's script submits the form when a select changes.
    await Promise.all([page.waitForURL(/namespace=/), page.selectOption('select[name=namespace]', ns)]);
    await Promise.all([page.waitForURL(/type=configmaps/), page.selectOption('select[name=type]', 'configmaps')]);
    expect(Object.keys(await matrix()).sort()).toEqual(['healthy', 'hostile', 'partly', 'refused']);
    await Promise.all([page.waitForURL(/status=CreationFailed/), page.selectOption('select[name=status]', 'CreationFailed')]);
    expect(Object.keys(await matrix())).toEqual(['refused']);
    expect(await page.locator('#matrix-summary').textContent()).toMatch(/^Rows 1–1 of 1 matching \(\d+ objects in all\)\.$/);
    await page.screenshot({ path: path.join(shots, 'filtered.png'), fullPage: true });
    await Promise.all([page.waitForURL(/status=ClusterNotReady/), page.selectOption('select[name=status]', 'ClusterNotReady')]);
    expect(Object.keys(await matrix())).toEqual(['partly']);
  });

  it('shows each enabled type with its objects by Propagation status', async () => {
    await page.goto(leaderUrl);
    const counts = await page.locator('#types tr[data-type="configmaps"] td.counts').innerText();
    expect(counts).toMatch(/CheckClusters \d+/);
    expect(counts).toMatch(/ComputePlacementFailed \d+/);
    expect(await page.locator('#types tr[data-type="deployments.apps"]').innerText()).toContain('Running');
  });

  it('shows the RSP\'s weights against its schedule and the FederatedDeployment', async () => {
    const rows = async () => {
      await page.goto(leaderUrl);
      return page.$$eval(`div[data-rsp="${ns}/web"] tbody tr`, (trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 6).map((td) => td.textContent!.trim()).join(' | ')),
      );
    };
    await expect
      .poll(rows, { timeout: 30_000, interval: 1_000 })
      .toEqual(['member1 | 1 (33%) | 0 | – | 1 | 1', 'member2 | 2 (67%) | 0 | – | 2 | 2']);
    // The Scheduled condition as the RSP's status says (no kubelet runs here, so no replica ever becomes
    // ready and the scheduler may be waiting for them); read both in one go, as it may still change.
    const shownAndStored = async () => {
      const rspObject = (await custom().getNamespacedCustomObject({
        group: 'scheduling.kubefed.io', version: 'v1alpha1', namespace: ns, plural: 'replicaschedulingpreferences', name: 'web',
      })) as Obj;
      const scheduled = ((rspObject.status?.conditions ?? []) as Obj[]).find((c) => c.type === 'Scheduled');
      await page.goto(leaderUrl);
      const rsp = page.locator(`div[data-rsp="${ns}/web"]`);
      return {
        shown: `${await rsp.locator('.badge').textContent()} ${await rsp.locator('.reason').textContent()}`,
        stored: `Scheduled ${scheduled?.status} ${scheduled?.reason}`,
      };
    };
    await expect.poll(async () => { const r = await shownAndStored(); return r.shown === r.stored ? r.shown : r; }, { timeout: 10_000 }).toMatch(/^Scheduled (True|False) \w+$/);
    await page.locator(`div[data-rsp="${ns}/web"]`).screenshot({ path: path.join(shots, 'rsp.png') });
  });

  it('answers quickly and writes nothing', async () => {
    const timings: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(leaderUrl);
      await res.text();
      timings.push(Number(/total;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')![1]));
    }
    expect(timings.sort((a, b) => a - b)[2]).toBeLessThan(200);
    for (const method of ['POST', 'PUT', 'DELETE']) expect((await fetch(leaderUrl, { method })).status).toBe(405);
  });

  it('on the standby, says that only the leader has the caches', async () => {
    const response = await page.goto(standbyUrl);
    expect(response!.status()).toBe(503);
    expect(await page.locator('p.unavailable').textContent()).toBe('This replica is a standby: it runs no controllers and holds no caches.');
    await page.screenshot({ path: path.join(shots, 'standby.png') });
  });
});
