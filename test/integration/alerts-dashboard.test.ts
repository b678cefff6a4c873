// The chart's alerts and Grafana dashboard, with the real tools: helm renders the PrometheusRule and the
// dashboard ConfigMap; promtool runs test/fixtures/alerts/rules.test.yaml on the rendered rules (each alert
// fires on synthetic series of its failure and stays quiet on healthy ones) and parses every expression of
// the dashboard; and every metric they use is exported by a running controller-manager (dist/main.js
// against the real host) or, for the webhook-call alert, by the host's real kube-apiserver.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { AdmissionregistrationV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, resolveBinDir } from '../harness/binaries.js';
import { generateClusterCerts, type ClusterCerts } from '../harness/certs.js';
import { kubeConfigFor, kubectl, testEnv, type CommandResult } from '../harness/env.js';
import { createFed, federateNamespace, propagationOf } from '../harness/fed-objects.js';
import { getOrUndefined, prepareFederation, waitUntil } from '../harness/federation.js';
import { freePort, httpGet, startControllerManagerProcess, type RunningProcess } from '../harness/processes.js';

const chartDir = path.join(repoRoot, 'charts', 'kubefed-ts');
const fixtureDir = path.join(repoRoot, 'test', 'fixtures', 'alerts');
const RELEASE = 'kubefed-ts';
const RELEASE_NS = 'kube-federation-system';
const suffix = randomBytes(3).toString('hex');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleGroups {
  groups: Array<{ name: string; rules: Rule[] }>;
}
interface K8sObject {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: unknown;
  data?: Record<string, string>;
  webhooks?: Array<{ name: string }>;
}
interface Target {
  expr: string;
  refId: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query?: string | { query: string } }> };
}

let workDir: string;

function run(file: string, args: string[], env: Record<string, string> = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(file, args, { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** The real helm, with folders of its own. */
function helm(args: string[]): Promise<CommandResult> {
  const helmHome = path.join(workDir, 'helm');
  return run(path.join(resolveBinDir(['helm']), 'helm'), args, {
    HELM_CACHE_HOME: path.join(helmHome, 'cache'),
    HELM_CONFIG_HOME: path.join(helmHome, 'config'),
    HELM_DATA_HOME: path.join(helmHome, 'data'),
  });
}

/** `helm template` of the chart with `--set` values, as objects. */
async function render(values: string[]): Promise<K8sObject[]> {
  const result = await helm(['template', RELEASE, chartDir, '--namespace', RELEASE_NS, ...values.flatMap((v) => ['--set', v])]);
  expect(result.code, result.stderr).toBe(0);
  return yaml.loadAll(result.stdout).filter((doc): doc is K8sObject => doc !== null && typeof doc === 'object');
}

const promtool = (args: string[]): Promise<CommandResult> => run('promtool', args);

const PROMQL_WORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan']);

/** The metric names a PromQL expression selects (not its functions, label names or keywords). */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w.$])[a-zA-Z_:][\w:]*/g)) {
    const after = stripped.slice(match.index + match[0].length);
    if (/^\s*\(/.test(after) || PROMQL_WORDS.has(match[0].toLowerCase())) continue;
    names.add(match[0]);
  }
  return [...names].sort();
}

/** Every PromQL expression of the dashboard: panel targets, and the series selectors of its variables. */
function dashboardExpressions(dashboard: Dashboard): Array<{ where: string; expr: string }> {
  const found: Array<{ where: string; expr: string }> = [];
  const visit = (panels: Panel[]): void => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) found.push({ where: `panel ${panel.id} "${panel.title}" ${target.refId}`, expr: target.expr });
      visit(panel.panels ?? []);
    }
  };
  visit(dashboard.panels);
  for (const variable of dashboard.templating.list) {
    if (variable.type !== 'query') continue;
    const query = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
    const labelValues = /^label_values\((.+),\s*\w+\)$/.exec(query);
    expect(labelValues, `variable ${variable.name}: ${query}`).not.toBeNull();
    found.push({ where: `variable ${variable.name}`, expr: labelValues![1]! });
  }
  return found;
}

/** Grafana's variables replaced by values Prometheus accepts; anything left unreplaced fails the check. */
function withVariablesFilled(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '5m')
    .replaceAll('$namespace', RELEASE_NS)
    .replaceAll('$job', `${RELEASE}-metrics`)
    .replaceAll('$controller', '.*');
}

let rules: RuleGroups;
let dashboard: Dashboard;
let dashboardFile: Dashboard;
let rendered: K8sObject[];

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'kubefed-ts-alerts-'));
  rendered = await render(['prometheusRule.enabled=true', 'grafanaDashboard.enabled=true']);
  const rule = rendered.find((o) => o.kind === 'PrometheusRule');
  expect(rule, 'a PrometheusRule').toBeDefined();
  rules = rule!.spec as RuleGroups;
  const configMap = rendered.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `${RELEASE}-dashboard`);
  expect(configMap, 'the dashboard ConfigMap').toBeDefined();
  dashboard = JSON.parse(configMap!.data!['kubefed-ts.json']!) as Dashboard;
  dashboardFile = JSON.parse(await readFile(path.join(chartDir, 'files', 'grafana-dashboard.json'), 'utf8')) as Dashboard;
});

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const alerts = (): Rule[] => rules.groups.flatMap((g) => g.rules);

describe('PrometheusRule', () => {
  it('passes helm lint --strict with the alerts and the dashboard enabled', async () => {
    const lint = await helm(['lint', '--strict', chartDir, '--namespace', RELEASE_NS, '--set', 'prometheusRule.enabled=true', '--set', 'grafanaDashboard.enabled=true']);
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    const badThreshold = await helm(['template', RELEASE, chartDir, '--set', 'prometheusRule.queueDepthThreshold=many']);
    expect(badThreshold.code).not.toBe(0);
    expect(badThreshold.stderr).toContain('queueDepthThreshold');
  });

  it('is rendered only when prometheusRule.enabled, with the PrometheusRule and alert labels asked for', async () => {
    expect((await render([])).map((o) => o.kind)).not.toContain('PrometheusRule');
    const custom = await render([
      'prometheusRule.enabled=true',
      'prometheusRule.labels.release=kube-prometheus-stack',
      'prometheusRule.alertLabels.team=platform',
      'prometheusRule.alertLabels.severity=ignored',
      'prometheusRule.metricsSelector=job="kubefed"',
      'prometheusRule.queueDepthThreshold=250',
    ]);
    const rule = custom.find((o) => o.kind === 'PrometheusRule')!;
    expect(rule.metadata).toMatchObject({ name: RELEASE, namespace: RELEASE_NS, labels: { release: 'kube-prometheus-stack' } });
    const customAlerts = (rule.spec as RuleGroups).groups.flatMap((g) => g.rules);
    for (const alert of customAlerts) {
      // An alert's own severity wins over alertLabels.
      expect(alert.labels, alert.alert).toMatchObject({ team: 'platform', severity: expect.stringMatching(/^(warning|critical)$/) });
      expect(JSON.stringify(alert), alert.alert).not.toContain('@');
    }
    expect(customAlerts.find((a) => a.alert === 'KubeFedWorkQueueGrowing')!.expr).toContain('workqueue_depth{job="kubefed"}) > 250');
  });

  it('has every alert the issue asks for, each with a severity, a summary, a description and a runbook', () => {
    expect(alerts().map((a) => a.alert)).toEqual([
      'KubeFedClusterNotReady',
      'KubeFedPropagationFailing',
      'KubeFedFederatedObjectsNotPropagating',
      'KubeFedReconcileErrors',
      'KubeFedWorkQueueGrowing',
      'KubeFedNoLeader',
      'KubeFedWebhookInvalidReviews',
      'KubeFedWebhookUnreachable',
      'KubeFedControllerRestarting',
    ]);
    for (const alert of alerts()) {
      expect(alert.labels?.severity, alert.alert).toMatch(/^(warning|critical)$/);
      for (const key of ['summary', 'description', 'runbook']) expect(alert.annotations?.[key]?.length ?? 0, `${alert.alert} ${key}`).toBeGreaterThan(20);
    }
  });

  it('passes promtool check rules, and promtool test rules: each alert fires on its failure and stays quiet on healthy series', async () => {
    await writeFile(path.join(workDir, 'rules-full.yaml'), yaml.dump(rules));
    const check = await promtool(['check', 'rules', path.join(workDir, 'rules-full.yaml')]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain(`SUCCESS: ${alerts().length} rules found`);

    // promtool compares annotations exactly: the fixtures assert the short summary only.
    const summaryOnly: RuleGroups = {
      groups: rules.groups.map((g) => ({ ...g, rules: g.rules.map((r) => ({ ...r, annotations: { summary: r.annotations!.summary! } })) })),
    };
    await writeFile(path.join(workDir, 'rules.yaml'), yaml.dump(summaryOnly));
    await copyFile(path.join(fixtureDir, 'rules.test.yaml'), path.join(workDir, 'rules.test.yaml'));
    const test = await promtool(['test', 'rules', path.join(workDir, 'rules.test.yaml')]);
    expect(test.code, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toContain('SUCCESS');

    // Every alert has at least one case where it fires.
    const cases = yaml.load(await readFile(path.join(fixtureDir, 'rules.test.yaml'), 'utf8')) as {
      tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
    };
    const firing = new Set(cases.tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    expect([...firing].sort()).toEqual(alerts().map((a) => a.alert).sort());
  });

  it("matches the chart's own webhooks in KubeFedWebhookUnreachable", async () => {
    const expr = alerts().find((a) => a.alert === 'KubeFedWebhookUnreachable')!.expr;
    const patterns = [...expr.matchAll(/name=~"((?:[^"\\]|\\.)*)"/g)].map((m) => new RegExp(`^(?:${m[1]!.replaceAll('\\\\', '\\')})$`));
    expect(patterns).toHaveLength(2);
    const names = rendered.filter((o) => o.kind.endsWith('WebhookConfiguration')).flatMap((o) => o.webhooks!.map((w) => w.name));
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) for (const pattern of patterns) expect(name).toMatch(pattern);
  });
});

describe('Grafana dashboard', () => {
  it('is shipped as valid JSON in a ConfigMap labelled grafana_dashboard only when grafanaDashboard.enabled', async () => {
    expect((await render([])).some((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-dashboard'))).toBe(false);
    const configMap = rendered.find((o) => o.metadata.name === `${RELEASE}-dashboard`)!;
    expect(configMap.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    expect(dashboard).toEqual(dashboardFile);
    expect(dashboard).toMatchObject({ uid: 'kubefed-ts', title: 'kubefed-ts' });
    // The real API server takes the ConfigMap as rendered (in a namespace that always exists).
    const inDefault = { ...configMap, metadata: { ...configMap.metadata, namespace: 'default' } };
    const dryRun = await kubectl('host', ['create', '--dry-run=server', '-o', 'name', '-f', '-'], JSON.stringify(inDefault));
    expect(dryRun.code, dryRun.stderr).toBe(0);
    const elsewhere = await render(['grafanaDashboard.enabled=true', 'grafanaDashboard.namespace=monitoring', 'grafanaDashboard.labels.custom=yes']);
    expect(elsewhere.find((o) => o.metadata.name === `${RELEASE}-dashboard`)!.metadata).toMatchObject({
      namespace: 'monitoring',
      labels: { grafana_dashboard: '1', custom: 'yes' },
    });
  });

  it('shows cluster health, propagation latency percentiles, member writes by outcome, queue depth, reconcile rate and errors', () => {
    const exprs = dashboardExpressions(dashboard).map((e) => e.expr);
    const some = (pattern: RegExp): boolean => exprs.some((e) => pattern.test(e));
    expect(some(/max by \(cluster\) \(kubefed_cluster_ready/)).toBe(true);
    for (const q of ['0.5', '0.9', '0.99']) expect(some(new RegExp(`histogram_quantile\\(${q}, .*kubefed_propagation_latency_seconds_bucket`))).toBe(true);
    expect(some(/sum by \([^)]*outcome[^)]*\) \(rate\(kubefed_member_writes_total/)).toBe(true);
    expect(some(/workqueue_depth/)).toBe(true);
    expect(some(/rate\(controller_runtime_reconcile_total/)).toBe(true);
    expect(some(/rate\(controller_runtime_reconcile_errors_total/)).toBe(true);
  });

  it('has only PromQL that promtool parses', async () => {
    const expressions = dashboardExpressions(dashboard);
    expect(expressions.length).toBeGreaterThan(20);
    const recording: RuleGroups = {
      groups: [{ name: 'dashboard', rules: expressions.map((e, i) => ({ record: `dashboard:expr_${i}`, expr: withVariablesFilled(e.expr) })) }],
    };
    for (const [i, rule] of recording.groups[0]!.rules.entries()) expect(rule.expr, expressions[i]!.where).not.toContain('$');
    await writeFile(path.join(workDir, 'dashboard-rules.yaml'), yaml.dump(recording));
    const check = await promtool(['check', 'rules', path.join(workDir, 'dashboard-rules.yaml')]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });
});

describe('metrics the alerts and the dashboard use', () => {
  let host: KubeConfig;
  let cm: (RunningProcess & { metricsPort: number }) | undefined;
  let certs: ClusterCerts;
  const ns = `alerts-${suffix}`;
  const probeLabel = `kubefed-ts-alerts-test-${suffix}`;
  const unreachable = { validating: `unreachable-${suffix}.alerts-test.kubefed.io`, mutating: `unreachable-open-${suffix}.alerts-test.kubefed.io` };

  beforeAll(async () => {
    host = kubeConfigFor('host');
    await prepareFederation(host, testEnv().clusters.host!.kubeconfigPath, [
      { name: 'member1', kc: kubeConfigFor('member1') },
      { name: 'member2', kc: kubeConfigFor('member2') },
    ]);
    await federateNamespace(host, ns, ['member1']);
    certs = await generateClusterCerts(path.join(workDir, 'pki'), 'webhook');
    const certDir = path.join(workDir, 'webhook-certs');
    await mkdir(certDir);
    await copyFile(certs.servingCertPath, path.join(certDir, 'tls.crt'));
    await copyFile(certs.servingKeyPath, path.join(certDir, 'tls.key'));
    cm = await startControllerManagerProcess(['--leader-elect', 'false', '--webhook-addr', '127.0.0.1:0', '--webhook-cert-dir', certDir]);
    await waitUntil('controller-manager started', () => cm!.logs().some((l) => l.msg === 'controller-manager started'), 30_000);
  }, 120_000);

  afterAll(async () => {
    await cm?.stop('SIGKILL');
    const admission = host?.makeApiClient(AdmissionregistrationV1Api);
    await getOrUndefined(admission?.deleteValidatingWebhookConfiguration({ name: probeLabel }) ?? Promise.resolve());
    await getOrUndefined(admission?.deleteMutatingWebhookConfiguration({ name: probeLabel }) ?? Promise.resolve());
  });

  it("exports kubefed_federated_objects and kubefed_federated_object_clusters from the objects' status", async () => {
    const fedConfigMap = (name: string, cluster: string) => ({
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedConfigMap',
      metadata: { name, namespace: ns },
      spec: { template: { data: { name } }, placement: { clusters: [{ name: cluster }] } },
    });
    await createFed(host, 'federatedconfigmaps', fedConfigMap('placed', 'member1'));
    // A placement naming a cluster that is not registered: KubeFedPropagationFailing's unregistered case.
    await createFed(host, 'federatedconfigmaps', fedConfigMap('misplaced', `nosuch-${suffix}`));
    await expect.poll(() => propagationOf(host, 'federatedconfigmaps', 'placed', ns), { timeout: 20_000 }).toEqual({ status: 'True', clusters: ['member1'] });
    await expect
      .poll(() => propagationOf(host, 'federatedconfigmaps', 'misplaced', ns), { timeout: 20_000 })
      .toEqual({ status: 'False', reason: 'CheckClusters', clusters: [`nosuch-${suffix}:ClusterNotReady`] });

    const scrape = async () => (await httpGet(`http://127.0.0.1:${cm!.metricsPort}/metrics`)).body;
    await expect
      .poll(scrape, { timeout: 10_000 })
      .toMatch(new RegExp(`^kubefed_federated_object_clusters\\{controller="federatedconfigmap",cluster="nosuch-${suffix}",status="ClusterNotReady"\\} 1$`, 'm'));
    const text = await scrape();
    expect(text).toMatch(/^kubefed_federated_objects\{controller="federatedconfigmap",status="False",reason="CheckClusters"\} [1-9]\d*$/m);
    expect(text).toMatch(/^kubefed_federated_objects\{controller="federatedconfigmap",status="True",reason=""\} [1-9]\d*$/m);
    expect(text).toMatch(/^kubefed_federated_object_clusters\{controller="federatedconfigmap",cluster="member1",status="Ok"\} [1-9]\d*$/m);
  });

  it('finds every metric of the alerts and the dashboard on a running controller-manager, or on the kube-apiserver', async () => {
    // An admission review, so that the webhook's series exist.
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'alerts-test',
        operation: 'CREATE',
        kind: { group: 'types.kubefed.io', version: 'v1beta1', kind: 'FederatedConfigMap' },
        resource: { group: 'types.kubefed.io', version: 'v1beta1', resource: 'federatedconfigmaps' },
        namespace: ns,
        name: 'reviewed',
        object: { apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedConfigMap', metadata: { name: 'reviewed', namespace: ns }, spec: {} },
      },
    };
    const webhookPort = Number(cm!.logs().find((l) => l.msg === 'serving the admission webhook')!.port);
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', port: webhookPort, path: '/validate-federated', method: 'POST', ca: certs.caCertPem, headers: { 'Content-Type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(review));
    });
    expect(status).toBe(200);

    // The API server's webhook-call failures: two webhooks of our name pattern that nothing serves, limited
    // by an object selector to one labelled ConfigMap of this test.
    const closedPort = await freePort();
    const clientConfig = { url: `https://127.0.0.1:${closedPort}/validate`, caBundle: Buffer.from(certs.caCertPem).toString('base64') };
    const rule = { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] };
    const common = { admissionReviewVersions: ['v1'], sideEffects: 'None', timeoutSeconds: 2, rules: [rule], objectSelector: { matchLabels: { [probeLabel]: 'true' } } };
    const admission = host.makeApiClient(AdmissionregistrationV1Api);
    await admission.createMutatingWebhookConfiguration({
      body: { metadata: { name: probeLabel }, webhooks: [{ name: unreachable.mutating, clientConfig, failurePolicy: 'Ignore', ...common }] },
    });
    await admission.createValidatingWebhookConfiguration({
      body: { metadata: { name: probeLabel }, webhooks: [{ name: unreachable.validating, clientConfig, failurePolicy: 'Fail', ...common }] },
    });
    const core = host.makeApiClient(CoreV1Api);
    await expect
      .poll(
        async () => {
          try {
            await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { generateName: 'probe-', labels: { [probeLabel]: 'true' } } } });
            return 'admitted';
          } catch (err) {
            return String((err as Error).message);
          }
        },
        { timeout: 20_000 },
      )
      .toMatch(/failed calling webhook/);
    const apiserverMetrics = await kubectl('host', ['get', '--raw', '/metrics']);
    expect(apiserverMetrics.code, apiserverMetrics.stderr).toBe(0);

    const exported = (await httpGet(`http://127.0.0.1:${cm!.metricsPort}/metrics`)).body;
    const hasSeries = (text: string, name: string): boolean => new RegExp(`^${name}(\\{| )`, 'm').test(text);

    const used = [
      ...alerts().map((a) => ({ where: `alert ${a.alert}`, expr: a.expr })),
      ...dashboardExpressions(dashboard),
    ];
    // The extraction itself: it finds the series and nothing else.
    expect(metricNames(alerts().find((a) => a.alert === 'KubeFedPropagationFailing')!.expr)).toEqual(['kubefed_cluster_ready', 'kubefed_federated_object_clusters']);
    const missing: string[] = [];
    const names = new Set<string>();
    for (const { where, expr } of used) {
      for (const name of metricNames(expr)) {
        names.add(name);
        const source = name.startsWith('apiserver_') ? apiserverMetrics.stdout : exported;
        if (!hasSeries(source, name)) missing.push(`${name} (${where})`);
      }
    }
    expect(missing).toEqual([]);
    expect(names.size).toBeGreaterThan(15);
    // The API server counted the failed calls of our webhooks, with the labels the alert selects on.
    expect(apiserverMetrics.stdout).toMatch(new RegExp(`^apiserver_admission_webhook_rejection_count\\{[^}]*error_type="calling_webhook_error"[^}]*name="${unreachable.validating.replaceAll('.', '\\.')}"`, 'm'));
    expect(apiserverMetrics.stdout).toMatch(new RegExp(`^apiserver_admission_webhook_fail_open_count\\{[^}]*name="${unreachable.mutating.replaceAll('.', '\\.')}"`, 'm'));
  });
});
