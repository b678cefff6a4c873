// What the conformance run knows about KubeFed's specs: which pass each runs in, the CI subset, and the
// causes of the failures and skips we understand (deliberate differences among them). Pure data and
// matching; hack/conformance.ts runs the specs, test/unit/conformance/ checks the matching.
import { specName, type Spec, type SpecRun } from './specs.js';

/**
 * - `external`: kubefed-ts runs the control plane (cluster scope), the suite only drives it: the pass that
 *   says whether kubefed-ts behaves as KubeFed.
 * - `limited`: kubefed-ts runs namespace-scoped (its own KubeFed namespace), `-limited-scope`.
 * - `in-memory`: specs that start KubeFed's own Go controllers inside the test process
 *   (`-in-memory-controllers`); kubefed-ts only serves the CRDs and the admission webhooks. They check
 *   that KubeFed's code works against kubefed-ts's API, not kubefed-ts's controllers.
 * - `in-memory-limited`: the same, namespace-scoped (KubeFed's simulated federations).
 */
export type PassName = 'external' | 'limited' | 'in-memory' | 'in-memory-limited';
export const PASS_ORDER: PassName[] = ['external', 'limited', 'in-memory', 'in-memory-limited'];

const PASS_OF: Array<[RegExp, PassName]> = [
  [/^FTC controller /, 'in-memory'],
  [/^Scheduler Manager /, 'in-memory'],
  [/^Simulated Scale /, 'in-memory-limited'],
  [/^\[NOT_READY\] /, 'in-memory-limited'],
  [/^Placement should be computed from namespace and resource placement for a namespaced control plane/, 'limited'],
  [/^Core API Validation when running with namespace scoped deployment /, 'limited'],
];

export function passOf(spec: Spec): PassName {
  const name = specName(spec);
  return PASS_OF.find(([pattern]) => pattern.test(name))?.[1] ?? 'external';
}

/**
 * The CI subset (a few minutes): CRUD of a namespaced, a generation-carrying and a cluster-scoped type, a
 * federated CRD, DeleteOptions, validation of the three core types, and leader election.
 */
export const CI_SUBSET: RegExp[] = [
  /^Federated "configmaps" should be created, read, updated and deleted successfully$/,
  /^Federated "deployments\.apps" should be created, read, updated and deleted successfully$/,
  /^Federated "clusterroles\.rbac\.authorization\.k8s\.io" should be created, read, updated and deleted successfully$/,
  /^Federated CRD resources with namespaced=true should be created, read, updated and deleted successfully$/,
  /^DeleteOptions /,
  /^Core API Validation for \w+ should fail when an invalid \w+ is created or updated$/,
  /^Leader Elector /,
];

export const inCiSubset = (spec: Spec): boolean => CI_SUBSET.some((pattern) => pattern.test(specName(spec)));

export interface Cause {
  /** What a reader of docs/conformance.md is told. */
  reason: string;
  /** A difference kubefed-ts makes on purpose (README, "Compatibility with KubeFed"). */
  deliberate: boolean;
}

interface KnownCause extends Cause {
  spec?: RegExp;
  /** Matched against the failure or skip message, its location and the suite's ERROR lines. */
  message?: RegExp;
  outcome?: SpecRun['outcome'];
  /** Only with the PropagatedVersions gate on (true) or off (false). */
  gate?: boolean;
}

/** First match wins: specific specs before generic messages. */
const KNOWN: KnownCause[] = [
  {
    spec: /^Default KubeFedConfig is created by mutating admissing webhook and preserves values set by user/,
    outcome: 'failed',
    reason:
      'kubefed-ts defaults differ from KubeFed\'s on purpose: a Lease lock with 15 s / 10 s / 2 s (KubeFed: configmaps, ' +
      '15 s / 10 s / 5 s) and syncController.maxConcurrentReconciles 16 (KubeFed: 1); each can be set to KubeFed\'s value',
    deliberate: true,
  },
  {
    spec: /^Core API Validation when running with namespace scoped deployment /,
    outcome: 'failed',
    reason:
      'kubefed-ts validates in the CRD schemas (CEL) as well as in the webhook, so an invalid object is refused in every ' +
      'namespace; KubeFed validated only in its webhook, which a namespace-scoped release registers for its own namespace',
    deliberate: true,
  },
  {
    message: /PropagatedVersion|propagated version/i,
    gate: false,
    reason: 'the PropagatedVersions feature gate is off, so kubefed-ts writes no PropagatedVersion (by design, README)',
    deliberate: true,
  },
  {
    message: /PropagatedVersion|propagated version/i,
    gate: true,
    reason: 'no PropagatedVersion recorded although the gate is on (a bug: the sync controller records one after each settled change)',
    deliberate: false,
  },
  {
    message: /ApplyOverridesFailed|target does not exist|use add to create it/,
    reason: 'override `replace` of a missing key refused (a bug: KubeFed creates the key when its parent is an object)',
    deliberate: false,
  },
  {
    message: /Using valid KubeFedConfig|Starting cluster controller|Failed to verify log message/,
    reason: 'KubeFed\'s log line not found in the spawned controller-manager\'s output (its wrapper logs in text format, where quotes stay plain)',
    deliberate: false,
  },
];

/** The cause of a non-pass, when known. */
export function causeOf(spec: Spec, run: SpecRun, context: { gate: boolean }): Cause | undefined {
  if (run.outcome === 'passed') return undefined;
  const name = specName(spec);
  const text = [run.message, run.location, ...(run.errors ?? [])].filter(Boolean).join(' ');
  const known = KNOWN.find(
    (k) =>
      (!k.spec || k.spec.test(name)) &&
      (!k.message || k.message.test(text)) &&
      (!k.outcome || k.outcome === run.outcome) &&
      (k.gate === undefined || k.gate === context.gate),
  );
  if (known) return { reason: known.reason, deliberate: known.deliberate };
  if (run.outcome === 'skipped') return { reason: 'skipped by the suite in this pass', deliberate: false };
  return undefined;
}
