// Pure: renders the status page model as one HTML document. Every interpolated value goes through the
// `html` tag, which escapes it unless it is already rendered HTML, so a name or message written by a user
// (or an API server) is always shown as text.
import {
  NOT_PROPAGATED,
  type ClusterRow,
  type Matrix,
  type MatrixRow,
  type PageModel,
  type PageQuery,
  type RspRow,
  type StatusCount,
  type TimeText,
  type Tone,
  type TypeRow,
} from './page-model.js';

/** Markup that is already safe: produced by `html`, never by concatenating input. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Interpolation = SafeHtml | string | number | boolean | undefined | null | readonly Interpolation[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function interpolate(value: Interpolation): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(interpolate).join('');
  return escapeHtml(String(value));
}

/** Template tag: the literal parts are markup, every `${value}` is escaped (arrays are joined). */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += interpolate(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** The page's own URL with these query parameters (empty ones left out). */
export function pageHref(query: PageQuery, changes: Partial<PageQuery> = {}): string {
  const merged = { ...query, ...changes };
  const params = new URLSearchParams();
  if (merged.namespace) params.set('namespace', merged.namespace);
  if (merged.type) params.set('type', merged.type);
  if (merged.status) params.set('status', merged.status);
  if (merged.page > 1) params.set('page', String(merged.page));
  const search = params.toString();
  return search ? `?${search}` : '?';
}

const time = (t: TimeText): SafeHtml => (t.iso ? html`<time datetime="${t.iso}" title="${t.iso}">${t.relative}</time>` : html`<span class="muted">–</span>`);

const badge = (text: string, tone: Tone): SafeHtml => html`<span class="badge tone-${tone}">${text}</span>`;

const kubectl = (command: string): SafeHtml => html`<p class="kubectl">Also with kubectl: <code>${command}</code></p>`;

function clustersSection(model: PageModel): SafeHtml {
  const row = (c: ClusterRow): SafeHtml => html`<tr data-cluster="${c.name}">
<td class="name">${c.name}</td>
<td class="readiness">${badge(c.readiness, c.tone)}${c.reason ? html` <span class="reason">${c.reason}</span>` : ''}${c.message ? html`<div class="message">${c.message}</div>` : ''}</td>
<td>${c.version || html`<span class="muted">–</span>`}</td>
<td>${time(c.lastProbe)}</td>
<td>${time(c.readyChanged)}</td>
<td class="labels">${c.labels.length ? c.labels.map((l) => html`<code>${l}</code> `) : html`<span class="muted">none</span>`}</td>
<td class="num placed">${c.placed}${c.notOk ? html` <span class="tone-text-failed">(${c.notOk} not OK)</span>` : ''}</td>
</tr>`;
  return html`<section id="clusters"><h2>Member clusters <span class="count">${model.clusters.length}</span></h2>
${
  model.clusters.length
    ? html`<table><thead><tr><th>Cluster</th><th>Ready</th><th>Version</th><th>Last probe</th><th>Changed</th><th>Labels</th><th>Objects placed</th></tr></thead>
<tbody>${model.clusters.map(row)}</tbody></table>`
    : html`<p class="muted">No KubeFedCluster is registered.</p>`
}
${kubectl(`kubectl -n ${model.kubefedNamespace} get kubefedclusters -o yaml`)}
</section>`;
}

function typesSection(model: PageModel): SafeHtml {
  const count = (c: StatusCount, type: TypeRow): SafeHtml =>
    html`<a class="badge tone-${c.tone}" href="${pageHref(model.query, { type: type.name, status: c.status, page: 1 })}">${c.status} ${c.count}</a> `;
  const row = (t: TypeRow): SafeHtml => html`<tr data-type="${t.name}">
<td class="name">${t.name}</td>
<td>${t.federatedKind} → ${t.targetKind}</td>
<td>${t.running ? badge('Running', 'ok') : badge('NotRunning', 'failed')}</td>
<td class="num total">${t.total}</td>
<td class="counts">${t.counts.map((c) => count(c, t))}</td>
</tr>`;
  return html`<section id="types"><h2>Enabled federated types <span class="count">${model.types.length}</span></h2>
<table><thead><tr><th>FederatedTypeConfig</th><th>Kinds</th><th>Sync controller</th><th>Objects</th><th>By Propagation status</th></tr></thead>
<tbody>${model.types.map(row)}</tbody></table>
${kubectl(`kubectl -n ${model.kubefedNamespace} get federatedtypeconfigs; kubectl get <federated kind> -A -o yaml`)}
</section>`;
}

function options(values: readonly string[], selected: string, allLabel: string, extra: ReadonlyArray<[string, string]> = []): SafeHtml {
  // A filter value no longer present (e.g. from an old link) stays selectable, so the form shows what is applied.
  const all = selected && !values.includes(selected) && !extra.some(([v]) => v === selected) ? [...values, selected] : values;
  return html`<option value=""${selected === '' ? html` selected` : ''}>${allLabel}</option>${extra.map(
    ([value, label]) => html`<option value="${value}"${value === selected ? html` selected` : ''}>${label}</option>`,
  )}${all.map((v) => html`<option value="${v}"${v === selected ? html` selected` : ''}>${v}</option>`)}`;
}

function matrixRow(row: MatrixRow): SafeHtml {
  return html`<tr data-object="${row.namespace}/${row.name}" data-type="${row.type}" data-status="${row.status}">
<td class="nowrap">${row.namespace}</td>
<td class="name nowrap">${row.name}</td>
<td>${row.federatedKind}</td>
<td>${badge(row.status, row.tone)}</td>
${row.cells.map((c) => html`<td class="cell tone-${c.tone}" data-cluster="${c.cluster}" title="${c.cluster}: ${c.status || 'not placed'}">${c.status || '–'}</td>`)}
<td class="message">${row.message}</td>
</tr>`;
}

function pagination(model: PageModel, matrix: Matrix): SafeHtml {
  if (matrix.pages <= 1) return html``;
  const link = (page: number, label: string): SafeHtml => html`<a href="${pageHref(model.query, { page })}">${label}</a>`;
  return html`<nav class="pages">${matrix.page > 1 ? link(matrix.page - 1, '← previous') : ''} page ${matrix.page} of ${matrix.pages} ${
    matrix.page < matrix.pages ? link(matrix.page + 1, 'next →') : ''
  }</nav>`;
}

function objectsSection(model: PageModel): SafeHtml {
  const { matrix, filters, query } = model;
  const filtered = query.namespace || query.type || query.status;
  return html`<section id="objects"><h2>Federated objects × clusters <span class="count">${matrix.total}</span></h2>
<form id="filters" method="get" action="">
<label>Namespace <select name="namespace">${options(filters.namespaces, query.namespace, 'all')}</select></label>
<label>Type <select name="type">${options(filters.types, query.type, 'all')}</select></label>
<label>Status <select name="status">${options(filters.statuses, query.status, 'all', [[NOT_PROPAGATED, 'not Propagated']])}</select></label>
<button type="submit">Filter</button>${filtered ? html` <a href="?">clear</a>` : ''}
</form>
<p class="summary" id="matrix-summary">${
    matrix.matching
      ? html`Rows ${matrix.first}–${matrix.last} of ${matrix.matching} matching${filtered ? html` (${matrix.total} objects in all)` : ''}.`
      : html`No federated object matches.`
  }${matrix.pages > 1 ? html` At most ${matrix.last - matrix.first + 1} rows per page: use the filters or the pages.` : ''}</p>
<div class="scroll"><table class="matrix"><thead><tr><th>Namespace</th><th>Name</th><th>Kind</th><th>Propagation</th>${matrix.clusters.map(
    (c) => html`<th class="cluster">${c}</th>`,
  )}<th>Message</th></tr></thead>
<tbody>${matrix.rows.map(matrixRow)}</tbody></table></div>
${pagination(model, matrix)}
<p class="legend">${badge('OK', 'ok')} in the desired state ${badge('waiting', 'pending')} not reported yet or being removed ${badge('ClusterNotReady', 'notready')} cluster not ready or its cache unavailable ${badge('failed', 'failed')} the member refused or a write failed; – not placed there</p>
${kubectl('kubectl get <federated kind> -n <namespace> <name> -o yaml   # status.clusters and the Propagation condition')}
</section>`;
}

function rspSection(model: PageModel): SafeHtml {
  if (model.rsps === undefined) {
    return html`<section id="rsps"><h2>Replica scheduling</h2><p class="muted">The scheduler is off (feature gate SchedulerPreferences).</p></section>`;
  }
  const rsp = (r: RspRow): SafeHtml => html`<div class="rsp" data-rsp="${r.namespace}/${r.name}">
<h3>${r.namespace}/${r.name} <span class="muted">→ ${r.targetKind}, ${r.totalReplicas} replicas${r.rebalance ? ', rebalance' : ''}</span></h3>
<p>${badge(`Scheduled ${r.scheduled.status}`, r.scheduled.tone)}${r.scheduled.reason ? html` <span class="reason">${r.scheduled.reason}</span>` : ''}${
    r.scheduled.message ? html` <span class="${r.scheduled.tone === 'failed' ? 'message' : 'muted'}">${r.scheduled.message}</span>` : ''
  }${r.targetFound ? '' : html` <span class="tone-text-failed">the ${r.targetKind} is not in a running controller's cache</span>`}</p>
<table><thead><tr><th>Cluster</th><th>Weight</th><th>Min</th><th>Max</th><th>Scheduled</th><th>In the ${r.targetKind}</th><th>Overflow</th></tr></thead>
<tbody>${r.clusters.map(
    (c) => html`<tr data-cluster="${c.cluster}">
<td class="name">${c.cluster}</td>
<td class="num weight">${c.weight} <span class="muted">(${c.weightShare}%)</span></td>
<td class="num">${c.minReplicas}</td>
<td class="num">${c.maxReplicas ?? '–'}</td>
<td class="num scheduled">${c.scheduled ?? '–'}</td>
<td class="num in-fed">${c.inFedObject ?? '–'}</td>
<td class="num">${c.overflow ?? ''}</td>
</tr>`,
  )}</tbody></table>
</div>`;
  return html`<section id="rsps"><h2>Replica scheduling <span class="count">${model.rsps.length}</span></h2>
${model.rsps.length ? model.rsps.map(rsp) : html`<p class="muted">No ReplicaSchedulingPreference.</p>`}
${kubectl('kubectl get replicaschedulingpreferences -A -o yaml   # spec.clusters and status.schedule')}
</section>`;
}

function document(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="static/status.css">
<script src="static/filter.js" defer></script>
</head><body>
${body}
</body></html>
`.value;
}

/** The status page. */
export function renderPage(model: PageModel): string {
  return document(
    'Federation status · kubefed-ts',
    html`<header><h1>Federation status</h1>
<p class="muted">What the kubefed-ts controller-manager sees in its caches at <time datetime="${model.generatedAt}">${model.generatedAt}</time>. Read-only; reload to refresh.</p></header>
${clustersSection(model)}
${typesSection(model)}
${objectsSection(model)}
${rspSection(model)}`,
  );
}

/** What a replica without caches (a standby, or a leader still starting) answers instead. */
export function renderUnavailable(reason: string, kubefedNamespace: string): string {
  return document(
    'Federation status · kubefed-ts',
    html`<header><h1>Federation status</h1></header>
<p class="unavailable">${reason}</p>
<p class="muted">Only the leader replica has the caches this page shows. Find it with <code>kubectl -n ${kubefedNamespace} get lease kubefed-controller-manager -o jsonpath='{.spec.holderIdentity}'</code> (the pod name comes first) and <code>kubectl port-forward</code> to that pod, or reload: through the Service a new connection may reach the leader.</p>`,
  );
}
