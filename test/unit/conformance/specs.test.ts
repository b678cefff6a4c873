// The conformance runner's reading of KubeFed's e2e suite: the spec list of its dry run, a focus per spec,
// the outcome of a run from real Ginkgo v1 output (test/fixtures/conformance/, logs of real runs), and the
// pass, subset and cause each spec gets.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { causeOf, inCiSubset, passOf } from '../../../hack/lib/conformance/expectations.js';
import { resultsTable, summarize, type SpecResult } from '../../../hack/lib/conformance/report.js';
import { focusFor, parseDryRun, parseSpecRun, specName, type Spec } from '../../../hack/lib/conformance/specs.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/conformance/${name}`, import.meta.url), 'utf8');
const specs = parseDryRun(fixture('dry-run.txt'));
const byName = (name: string): Spec => {
  const spec = specs.find((s) => specName(s) === name);
  if (!spec) throw new Error(`no spec ${name}`);
  return spec;
};

describe('parseDryRun', () => {
  it('finds every spec of KubeFed v0.10.0, once', () => {
    expect(specs).toHaveLength(58);
    expect(new Set(specs.map(specName)).size).toBe(58);
  });

  it('keeps containers and text apart, with single spaces in the name', () => {
    expect(byName('Federate resource "configmaps", should create an equivalent federated resource in the host cluster')).toEqual({
      container: 'Federate',
      text: 'resource "configmaps", should create an equivalent federated resource in the host cluster',
    });
  });
});

describe('focusFor', () => {
  // Ginkgo v1 matches against "<suite> [Top Level] <containers> <text>"; an empty container adds a space.
  const matched = (spec: Spec, candidate: string): boolean => new RegExp(focusFor(spec)).test(candidate);

  it('matches the spec as Ginkgo names it, empty containers included', () => {
    const federate = byName('Federate resource "configmaps", should create an equivalent federated resource in the host cluster');
    expect(matched(federate, 'KubeFed e2e suite [Top Level] Federate  resource "configmaps", should create an equivalent federated resource in the host cluster')).toBe(true);
  });

  it('matches no other spec of the suite', () => {
    for (const spec of specs) {
      const others = specs.filter((s) => s !== spec && matched(spec, `KubeFed e2e suite [Top Level] ${s.container} ${s.text}`));
      expect(others.map(specName), specName(spec)).toEqual([]);
    }
  });

  it('escapes what regular expressions would read', () => {
    expect(focusFor({ container: 'Federated "jobs.batch"', text: 'x (y) [z]' })).toBe('^KubeFed\\s+e2e\\s+suite\\s+\\[Top\\s+Level\\]\\s+Federated\\s+"jobs\\.batch"\\s+x\\s+\\(y\\)\\s+\\[z\\]$');
  });
});

describe('parseSpecRun', () => {
  it('reads a pass', () => {
    expect(parseSpecRun(fixture('passed-spec.log'), 0)).toEqual({ outcome: 'passed' });
  });

  it('reads a failure: message, location in KubeFed, and what the suite was waiting for', () => {
    expect(parseSpecRun(fixture('failed-spec.log'), 1)).toEqual({
      outcome: 'failed',
      message: 'Timeout verifying ConfigMap "e2e-tests-federated-types-5f2r6/test-e2e-npw9m" in cluster "member1": timed out waiting for the condition',
      location: 'test/common/crudtester.go:507',
      errors: ['Timed out waiting for PropagatedVersion "e2e-tests-federated-types-5f2r6/configmap-test-e2e-npw9m"'],
    });
  });

  it('reads a spec that skipped itself, with its reason', () => {
    expect(parseSpecRun(fixture('skipped-spec.log'), 0)).toEqual({ outcome: 'skipped', message: 'Tests of ReplicaSchedulingPreferences requires 2 clusters but got: 3' });
  });

  it('reports a run stopped before Ginkgo summed up', () => {
    expect(parseSpecRun('Will run 1 of 58 specs\n\nDec  3 02:56:06.408: ERROR: Timed out waiting for X\n', null)).toEqual({
      outcome: 'failed',
      message: 'timed out (the runner stopped it)',
      errors: ['Timed out waiting for X'],
    });
  });

  it('refuses a focus that did not select exactly one spec', () => {
    expect(parseSpecRun('Will run 0 of 58 specs\nRan 0 of 58 Specs in 0.1 seconds\nSUCCESS! -- 0 Passed | 0 Failed | 0 Pending | 58 Skipped\n', 0)).toMatchObject({
      outcome: 'failed',
      message: expect.stringContaining('selected 0 specs'),
    });
  });
});

describe('passes and the CI subset', () => {
  it.each([
    ['FTC controller should be refreshed if the target CRD version changed for a federated CRD', 'in-memory'],
    ['Scheduler Manager when federatedtypeconfig resources are changed related scheduler and plugin controllers should be dynamically disabled/enabled', 'in-memory'],
    ['Simulated Scale should create a simulated federation', 'in-memory-limited'],
    ['[NOT_READY] Simulated not-ready nodes should simulate unhealthy clusters', 'in-memory-limited'],
    ['Placement should be computed from namespace and resource placement for a namespaced control plane', 'limited'],
    ['Core API Validation when running with namespace scoped deployment for KubeFedConfig should succeed when an invalid KubeFedConfig is created outside the kubefed system namespace', 'limited'],
    ['Federated "configmaps" should be created, read, updated and deleted successfully', 'external'],
  ])('%s runs in pass %s', (name, pass) => {
    expect(passOf(byName(name))).toBe(pass);
  });

  it('has 9 specs in the CI subset', () => {
    expect(specs.filter(inCiSubset).map(specName)).toEqual([
      'Core API Validation for FederatedTypeConfig should fail when an invalid FederatedTypeConfig is created or updated',
      'Core API Validation for KubeFedCluster should fail when an invalid KubeFedCluster is created or updated',
      'Core API Validation for KubeFedConfig should fail when an invalid KubeFedConfig is created or updated',
      "DeleteOptions Deployment should be created and deleted successfully, but ReplicaSet that created by Deployment won't be deleted",
      'Federated "clusterroles.rbac.authorization.k8s.io" should be created, read, updated and deleted successfully',
      'Federated "configmaps" should be created, read, updated and deleted successfully',
      'Federated "deployments.apps" should be created, read, updated and deleted successfully',
      'Federated CRD resources with namespaced=true should be created, read, updated and deleted successfully',
      'Leader Elector should chose secondary instance, primary goes down',
    ]);
  });
});

describe('causeOf', () => {
  const crud = byName('Federated "configmaps" should be created, read, updated and deleted successfully');
  const pvFailure = parseSpecRun(fixture('failed-spec.log'), 1);

  it('names a missing PropagatedVersion, deliberate only with the gate off', () => {
    expect(causeOf(crud, pvFailure, { gate: true })).toEqual({ reason: expect.stringContaining('although the gate is on'), deliberate: false });
    expect(causeOf(crud, pvFailure, { gate: false })).toEqual({ reason: expect.stringContaining('gate is off'), deliberate: true });
  });

  it('knows the deliberate defaults behind the defaulting spec', () => {
    const defaulting = byName('Default KubeFedConfig is created by mutating admissing webhook and preserves values set by user');
    expect(causeOf(defaulting, { outcome: 'failed', message: 'Timed out waiting for object' }, { gate: true })?.deliberate).toBe(true);
  });

  it('names the override bug and the log wording', () => {
    expect(causeOf(crud, { outcome: 'failed', message: 'x', errors: ['ApplyOverridesFailed: the target does not exist (use add to create it)'] }, { gate: true })?.reason).toContain('KubeFed creates the key');
    const defaulting = byName('Default KubeFedConfig does not cause controller-manager to fail');
    expect(causeOf(defaulting, { outcome: 'failed', message: 'Failed to verify log message: "Starting cluster controller"' }, { gate: true })?.reason).toContain('log line not found');
  });

  it('leaves an unknown failure unexplained, and a pass without cause', () => {
    expect(causeOf(crud, { outcome: 'failed', message: 'something new' }, { gate: true })).toBeUndefined();
    expect(causeOf(crud, { outcome: 'passed' }, { gate: true })).toBeUndefined();
  });
});

describe('the report', () => {
  const results: SpecResult[] = [
    { spec: byName('Leader Elector should chose secondary instance, primary goes down'), pass: 'external', run: { outcome: 'passed' }, seconds: 11 },
    {
      spec: byName('Federated "configmaps" should be created, read, updated and deleted successfully'),
      pass: 'external',
      run: parseSpecRun(fixture('failed-spec.log'), 1),
      seconds: 107,
    },
  ];

  it('counts outcomes and deliberate differences', () => {
    expect(summarize(results, { gate: false })).toEqual({ passed: 1, failed: 1, skipped: 0, deliberate: 1 });
    expect(summarize(results, { gate: true })).toEqual({ passed: 1, failed: 1, skipped: 0, deliberate: 0 });
  });

  it('has one row per spec, sorted, with the reason and the evidence', () => {
    const rows = resultsTable(results, { gate: true }).split('\n');
    expect(rows).toHaveLength(4);
    expect(rows[2]).toMatch(/^\| Federated "configmaps" .* \| external \| failed \| 107 s \| no PropagatedVersion recorded.*log: Timed out waiting for PropagatedVersion .* \| no \|$/);
    expect(rows[3]).toBe('| Leader Elector should chose secondary instance, primary goes down | external | passed | 11 s |  |  |');
  });
});
