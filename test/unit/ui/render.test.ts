import { describe, expect, it } from 'vitest';
import { buildPageModel, type PageQuery } from '../../../src/ui/page-model.js';
import { escapeHtml, html, pageHref, renderPage, renderUnavailable, SafeHtml } from '../../../src/ui/render.js';
import { cluster, fed, NOW, rsp, snapshot, type } from './snapshots.js';

const query = (q: Partial<PageQuery> = {}): PageQuery => ({ namespace: '', type: '', status: '', page: 1, ...q });

describe('escapeHtml and the html tag', () => {
  it.each<[string, string]>([
    ['plain', 'plain'],
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['a & b', 'a &amp; b'],
    [`"quoted" and 'single'`, '&quot;quoted&quot; and &#39;single&#39;'],
    ['&lt; stays text', '&amp;lt; stays text'],
  ])('escapes %j', (text, expected) => {
    expect(escapeHtml(text)).toBe(expected);
  });

  it.each<[string, SafeHtml, string]>([
    ['a string', html`<b>${'<i>'}</b>`, '<b>&lt;i&gt;</b>'],
    ['a number', html`<td>${42}</td>`, '<td>42</td>'],
    ['nested markup is kept', html`<p>${html`<b>${'x<'}</b>`}</p>`, '<p><b>x&lt;</b></p>'],
    ['arrays are joined', html`<ul>${['<a>', html`<li>ok</li>`]}</ul>`, '<ul>&lt;a&gt;<li>ok</li></ul>'],
    ['undefined, null and false are empty', html`[${undefined}${null}${false}]`, '[]'],
    ['an attribute value cannot end its quotes', html`<a title="${'x" onclick="evil()'}">`, '<a title="x&quot; onclick=&quot;evil()">'],
  ])('%s', (_name, result, expected) => {
    expect(result.value).toBe(expected);
  });

  it.each<[string, Partial<PageQuery>, Partial<PageQuery>, string]>([
    ['no filter', {}, {}, '?'],
    ['filters and page', { namespace: 'demo', status: 'CreationFailed' }, { page: 2 }, '?namespace=demo&status=CreationFailed&page=2'],
    ['page 1 is left out', { type: 'configmaps', page: 3 }, { page: 1 }, '?type=configmaps'],
    ['values are URL-encoded', { namespace: '"><script>&x' }, {}, '?namespace=%22%3E%3Cscript%3E%26x'],
  ])('pageHref: %s', (_name, q, changes, expected) => {
    expect(pageHref(query(q), changes)).toBe(expected);
  });
});

// Everything a user (or a member API server) can write ends up somewhere on the page.
const HOSTILE = `<script>window.pwned=1</script><img src=x onerror="window.pwned=2">x" onmouseover="window.pwned=3`;
const ESCAPED = escapeHtml(HOSTILE);

function hostilePage(q: Partial<PageQuery> = {}): string {
  const snap = snapshot({
    clusters: [
      cluster(`c-${HOSTILE}`, { ready: false, labels: { [`k-${HOSTILE}`]: `v-${HOSTILE}` }, kubernetesVersion: HOSTILE, readyCondition: { status: 'False', reason: HOSTILE, message: HOSTILE } }),
    ],
    types: [
      {
        name: `t-${HOSTILE}`,
        federatedKind: HOSTILE,
        targetKind: HOSTILE,
        running: true,
        objects: [
          fed(`ns-${HOSTILE}`, `n-${HOSTILE}`, {
            clusters: { [`c-${HOSTILE}`]: HOSTILE, [`unknown-${HOSTILE}`]: '' },
            propagation: HOSTILE,
            message: HOSTILE,
          }),
        ],
      },
    ],
    rsps: [
      rsp(`ns-${HOSTILE}`, `r-${HOSTILE}`, { targetKind: HOSTILE, clusters: { [`c-${HOSTILE}`]: { weight: 1, minReplicas: 0 } } }, {
        schedule: { [`c-${HOSTILE}`]: 1 },
        conditions: [{ type: 'Scheduled', status: HOSTILE, reason: HOSTILE, message: HOSTILE }],
      }),
    ],
  });
  return renderPage(buildPageModel(snap, query(q), { kubefedNamespace: `kf-${HOSTILE}`, now: NOW }));
}

describe('renderPage with hostile names and messages', () => {
  it.each<[string, Partial<PageQuery>]>([
    ['unfiltered', {}],
    ['with the hostile values echoed as filters', { namespace: `ns-${HOSTILE}`, type: `t-${HOSTILE}`, status: HOSTILE }],
    ['with filters that match nothing', { namespace: HOSTILE, type: HOSTILE, status: HOSTILE }],
  ])('shows every value as text and adds no markup (%s)', (_name, q) => {
    const page = hostilePage(q);
    // The only script is the page's own, loaded from its file.
    expect(page.match(/<script/g)).toEqual(['<script']);
    expect(page).toContain('<script src="static/filter.js" defer></script>');
    expect(page).not.toMatch(/<img/i);
    // As text they are harmless; as attributes they would need a raw quote.
    expect(page).not.toMatch(/on(error|mouseover)="/i);
    expect(page).not.toContain('window.pwned=1</script>');
    expect(page).toContain(ESCAPED);
  });

  it('shows the hostile values where a user would look for them', () => {
    const page = hostilePage();
    for (const shown of [`c-${ESCAPED}`, `ns-${ESCAPED}`, `n-${ESCAPED}`, `t-${ESCAPED}`, `k-${ESCAPED}=v-${ESCAPED}`, `r-${ESCAPED}`, `kf-${ESCAPED}`]) {
      expect(page).toContain(shown);
    }
  });

  it('escapes the reason and namespace on the unavailable page', () => {
    const page = renderUnavailable(HOSTILE, HOSTILE);
    expect(page).toContain(`<p class="unavailable">${ESCAPED}</p>`);
    expect(page).toContain(`<code>kubectl -n ${ESCAPED} get lease`);
    expect(page).not.toMatch(/<img/i);
  });
});

describe('renderPage', () => {
  const snap = snapshot({
    clusters: [cluster('member1'), cluster('member2', { ready: false })],
    types: [
      type('configmaps', 'FederatedConfigMap', [
        fed('demo', 'a', { clusters: { member1: '', member2: 'ClusterNotReady' }, propagation: 'CheckClusters', message: '1 of 2 clusters not in the desired state: member2 (ClusterNotReady)' }),
        fed('demo', 'b', { clusters: { member1: '' }, propagation: 'True' }),
        fed('other', 'c'),
      ]),
    ],
    rsps: undefined,
  });
  const render = (q: Partial<PageQuery> = {}, pageSize?: number) =>
    renderPage(buildPageModel(snap, query(q), { kubefedNamespace: 'kube-federation-system', now: NOW, ...(pageSize ? { pageSize } : {}) }));

  it('colours each cell by its status and names the cluster and status in its title', () => {
    const page = render();
    expect(page).toContain('<td class="cell tone-notready" data-cluster="member2" title="member2: ClusterNotReady">ClusterNotReady</td>');
    expect(page).toContain('<td class="cell tone-ok" data-cluster="member1" title="member1: OK">OK</td>');
    expect(page).toContain('<td class="cell tone-none" data-cluster="member2" title="member2: not placed">–</td>');
    expect(page).toContain('<td class="message">1 of 2 clusters not in the desired state: member2 (ClusterNotReady)</td>');
  });

  it('marks the applied filters as selected and offers to clear them', () => {
    const page = render({ namespace: 'demo', status: 'NotPropagated' });
    expect(page).toContain('<option value="demo" selected>demo</option>');
    expect(page).toContain('<option value="NotPropagated" selected>not Propagated</option>');
    expect(page).toContain('<a href="?">clear</a>');
    expect(page).toContain('Rows 1–1 of 1 matching (3 objects in all).');
  });

  it('keeps a filter value that matches nothing selectable, so the form shows what is applied', () => {
    expect(render({ namespace: 'gone' })).toContain('<option value="gone" selected>gone</option>');
    expect(render({ namespace: 'gone' })).toContain('No federated object matches.');
  });

  it('links the pages, keeping the filters', () => {
    const page = render({ namespace: 'demo', page: 1 }, 1);
    expect(page).toContain('page 1 of 2');
    expect(page).toContain('<a href="?namespace=demo&amp;page=2">next →</a>');
    expect(page).toContain('At most 1 rows per page');
    expect(render({}, 200)).not.toContain('class="pages"');
  });

  it('links each status count of a type to the matrix filtered by it', () => {
    expect(render()).toContain('<a class="badge tone-failed" href="?type=configmaps&amp;status=CheckClusters">CheckClusters 1</a>');
  });

  it('says when the scheduler is off', () => {
    expect(render()).toContain('The scheduler is off');
  });

  it('has no form that writes: the only form is the GET filter', () => {
    const page = render();
    expect(page.match(/<form/g)).toHaveLength(1);
    expect(page).toContain('<form id="filters" method="get" action="">');
  });
});
