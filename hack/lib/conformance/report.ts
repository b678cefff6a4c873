// docs/conformance.md from a conformance run: how it ran, the counts, and one row per KubeFed spec.
import { causeOf, type PassName } from './expectations.js';
import { specName, type Spec, type SpecRun } from './specs.js';

export interface SpecResult {
  spec: Spec;
  pass: PassName;
  run: SpecRun;
  seconds: number;
}

export interface RunInfo {
  kubefedVersion: string;
  gate: boolean;
  date: string;
  commit: string;
  totalSeconds: number;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function summarize(results: readonly SpecResult[], context: { gate: boolean }): Record<'passed' | 'failed' | 'skipped' | 'deliberate', number> {
  const counts = { passed: 0, failed: 0, skipped: 0, deliberate: 0 };
  for (const r of results) {
    counts[r.run.outcome]++;
    if (causeOf(r.spec, r.run, context)?.deliberate) counts.deliberate++;
  }
  return counts;
}

/** The results table (markdown), one row per spec, sorted by name. */
export function resultsTable(results: readonly SpecResult[], context: { gate: boolean }): string {
  const rows = [...results]
    .sort((a, b) => (specName(a.spec) < specName(b.spec) ? -1 : 1))
    .map((r) => {
      const cause = causeOf(r.spec, r.run, context);
      const evidence = [r.run.message, r.run.errors?.[0] && `log: ${r.run.errors[0]}`].filter(Boolean).join('; ');
      const detail = r.run.outcome === 'passed' ? '' : [cause?.reason, evidence && `(${evidence})`].filter(Boolean).join(' ');
      const deliberate = r.run.outcome === 'passed' ? '' : cause?.deliberate ? 'yes' : 'no';
      return `| ${cell(specName(r.spec))} | ${r.pass} | ${r.run.outcome} | ${Math.round(r.seconds)} s | ${cell(detail)} | ${deliberate} |`;
    });
  return ['| spec | pass | result | time | reason | deliberate |', '|---|---|---|---|---|---|', ...rows].join('\n');
}

export function renderReport(results: readonly SpecResult[], info: RunInfo): string {
  const context = { gate: info.gate };
  const counts = summarize(results, context);
  return `# KubeFed conformance

<!-- Written by \`npm run conformance\` (hack/conformance.ts); edit the script's expectations, not this table. -->

kubefed-ts runs KubeFed ${info.kubefedVersion}'s own end-to-end suite, unmodified: \`npm run conformance\` builds
KubeFed's \`e2e.test\` from the Go module proxy (\`hack/build-kubefed.sh\`), starts a local federation (one etcd, a host
and a member kube-apiserver with their kube-controller-managers), joins both with \`kubefedctl join\` (the host under
its kubeconfig context name, \`host\`, as the suite expects; two clusters, as KubeFed's CI ran it, whose scheduling
specs need exactly two), installs the chart's
KubeFedConfig, FederatedTypeConfigs and webhook registrations (pointed by URL at the controller-manager's webhook
server), starts \`dist/main.js\` and runs every spec on its own (\`-ginkgo.focus\`). Specs that spawn
\`controller-manager\` get \`dist/main.js\` through a wrapper on \`PATH\`.

Each spec runs in one pass:

- **external** (\`-in-memory-controllers=false\`): kubefed-ts is the control plane, cluster-scoped.
- **limited** (\`-limited-scope\`): kubefed-ts namespace-scoped, in its own KubeFed namespace.
- **in-memory** / **in-memory-limited** (\`-in-memory-controllers\`, the latter also \`-limited-scope
  -simulate-federation\` as KubeFed's CI ran its simulated federations): the specs that start KubeFed's own Go
  controllers in the test process; kubefed-ts's controller-manager serves only the webhooks (from a KubeFed namespace
  with nothing to reconcile), so these check KubeFed's code against kubefed-ts's API.

Run of ${info.date} (commit ${info.commit}), PropagatedVersions feature gate **${info.gate ? 'on' : 'off'}**, ${Math.round(info.totalSeconds / 60)} minutes:
**${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped** of ${results.length}
(${counts.deliberate} of the non-passes are deliberate differences).

${resultsTable(results, context)}

A spec listed as skipped is one KubeFed's suite skips itself in that configuration (its message says why).
\`npm run conformance -- --subset ci\` runs the CI subset (CRUD of ConfigMaps, Deployments and ClusterRoles, a federated
CRD, DeleteOptions, validation, leader election); \`--gate off\` runs without the PropagatedVersions gate; \`--focus
REGEX\` picks specs by name. Logs of every spec are kept in the folder the run prints.
`;
}
