// The admission rules of the validating webhook, as pure functions of one admission request. The CRDs
// already check types, enums and simple CEL rules; these add what a CRD schema cannot say (URL parsing,
// PEM bundles, override paths that cover identity fields (src/sync/overrides.ts), cross-field and cross-entry rules) and repeat the
// rest defensively, so an object written before a CRD upgrade or through an old CRD is judged the same way.
import { X509Certificate } from 'node:crypto';
import { DNS1035_LABEL, DNS1123_SUBDOMAIN, TimeSchema, type LabelSelector } from '../api/common.js';
import {
  ClusterConditionType,
  ConditionStatus,
  ControllerStatus,
  EnablementMode,
  FeatureGateName,
  ResourceLock,
  ResourceScope,
  SCHEDULABLE_FEDERATED_KINDS,
} from '../api/constants.js';
import { formatDurationNanos, tryParseDurationNanos } from '../api/duration.js';
import { federatedTypeConfigName } from '../api/federatedtypeconfig.js';
import { SyncMode } from '../api/kubefedcluster.js';
import { defaultKubeFedConfigSpec } from '../api/kubefedconfig.js';
import { ANY_CLUSTER } from '../api/replicaschedulingpreference.js';
import { validateLabelSelector } from '../sync/label-selector.js';
import { checkOverrides } from '../sync/overrides.js';
import { childPath, FieldErrors, indexPath, isRecord, keyPath } from './field-errors.js';

/** The parts of an AdmissionReview's `request` the rules read. */
export interface AdmissionInput {
  /** CREATE, UPDATE, DELETE or CONNECT; only CREATE and UPDATE are judged. */
  operation: string;
  object?: unknown;
  /** The stored object, on UPDATE. */
  oldObject?: unknown;
  /** e.g. `status`; absent or empty for the main resource. */
  subResource?: string;
}

export type AdmissionDecision = { allowed: true } | { allowed: false; message: string; code: number };

export type AdmissionValidator = (request: AdmissionInput) => AdmissionDecision;

/** HTTP-style code of a denial, as KubeFed's webhook answered (reason Forbidden). */
export const DENIED_CODE = 403;
/** Code when the request carries no object that could be judged (reason BadRequest). */
export const UNDECODABLE_CODE = 400;

const ALLOWED: AdmissionDecision = { allowed: true };

type ObjectCheck = (object: Record<string, unknown>, errors: FieldErrors, oldObject: Record<string, unknown> | undefined) => void;

interface KindRules {
  kind: string;
  /** Rules for requests on the main resource; `oldObject` is given on UPDATE only. */
  object: ObjectCheck;
  /** Rules for requests on the status subresource; without them such requests are allowed. */
  status?: ObjectCheck;
}

function judge(rules: KindRules, request: AdmissionInput): AdmissionDecision {
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return ALLOWED;
  const subResource = request.subResource ?? '';
  const check = subResource === '' ? rules.object : subResource === 'status' ? rules.status : undefined;
  if (!check) return ALLOWED;
  if (!isRecord(request.object)) {
    return { allowed: false, code: UNDECODABLE_CODE, message: `the request has no ${rules.kind} in request.object to validate` };
  }
  const oldObject = request.operation === 'UPDATE' && isRecord(request.oldObject) ? request.oldObject : undefined;

  const errors = new FieldErrors();
  check(request.object, errors, oldObject);
  let messages = errors.messages;
  // Ratcheting: an update is refused only for errors it introduces. Errors the stored object already had
  // (e.g. from before a rule existed) must not block unrelated updates such as removing a finalizer.
  if (messages.length > 0 && oldObject) {
    const before = new FieldErrors();
    check(oldObject, before, undefined);
    const existing = new Set(before.messages);
    messages = messages.filter((message) => !existing.has(message));
  }
  if (messages.length === 0) return ALLOWED;
  return { allowed: false, code: DENIED_CODE, message: messages.join('; ') };
}

// ---------------------------------------------------------------------------------------------------------
// Shared field rules

function dns1123Subdomain(errors: FieldErrors, field: string, value: string): void {
  if (value.length > 253 || !DNS1123_SUBDOMAIN.test(value)) {
    errors.add(field, `${JSON.stringify(value)} is not a lowercase RFC 1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters)`);
  }
}

function dns1035Label(errors: FieldErrors, field: string, value: string): void {
  if (value.length > 63 || !DNS1035_LABEL.test(value)) {
    errors.add(field, `${JSON.stringify(value)} is not a lowercase RFC 1035 label (a letter, then lowercase letters, digits or '-', at most 63 characters)`);
  }
}

function time(errors: FieldErrors, field: string, value: unknown, options: { required?: boolean } = {}): void {
  const text = errors.string(field, value, options);
  if (text !== undefined && !TimeSchema.safeParse(text).success) {
    errors.add(field, `${JSON.stringify(text)} is not an RFC 3339 time such as "2024-01-02T03:04:05Z"`);
  }
}

/** A Go duration string greater than zero; returns it in nanoseconds when it is one. */
function positiveDuration(errors: FieldErrors, field: string, value: unknown): bigint | undefined {
  const text = errors.string(field, value);
  if (text === undefined) return undefined;
  const nanos = tryParseDurationNanos(text);
  if (nanos === undefined) {
    errors.add(field, `${JSON.stringify(text)} is not a duration such as "20s", "1m30s" or "500ms"`);
    return undefined;
  }
  if (nanos <= 0n) {
    errors.add(field, `must be greater than 0 (got ${JSON.stringify(text)})`);
    return undefined;
  }
  return nanos;
}

interface EndpointRules {
  schemes: readonly string[];
  /** Scheme assumed when the text has none; without it a scheme is required. */
  defaultScheme?: string;
  allowUserInfo: boolean;
}

/**
 * Why `text` is not a usable server address, or undefined. Accepts `host`, `host:port`, `IP`, `IP:port`,
 * `[IPv6]:port` and `scheme://host[:port][/path]`; ports must be 1–65535, IPv6 addresses bracketed.
 */
function endpointProblem(text: string, rules: EndpointRules): string | undefined {
  if (/\s/.test(text)) return `${JSON.stringify(text)} must not contain whitespace`;
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text);
  const expected = rules.schemes.join(', ');
  let scheme: string;
  let rest: string;
  if (schemeMatch) {
    scheme = (schemeMatch[1] as string).toLowerCase();
    rest = text.slice(schemeMatch[0].length);
  } else if (text.includes('://')) {
    return `${JSON.stringify(text)} has a malformed scheme (must be one of ${expected})`;
  } else if (rules.defaultScheme) {
    scheme = rules.defaultScheme;
    rest = text;
  } else {
    return `${JSON.stringify(text)} has no scheme (must start with one of ${rules.schemes.map((s) => `${s}://`).join(', ')})`;
  }
  if (!rules.schemes.includes(scheme)) return `unsupported scheme ${JSON.stringify(scheme)} (must be one of ${expected})`;

  const authorityEnd = rest.search(/[/?#]/);
  let authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const tail = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    if (!rules.allowUserInfo) return 'must not contain credentials (user:password@): the bearer token comes from secretRef';
    authority = authority.slice(at + 1);
  }
  let host: string;
  let port: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) return `${JSON.stringify(text)} has an IPv6 address without its closing "]"`;
    host = authority.slice(1, close);
    const after = authority.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) return `${JSON.stringify(text)} has ${JSON.stringify(after)} after the IPv6 address`;
    port = after === '' ? undefined : after.slice(1);
  } else {
    const colon = authority.indexOf(':');
    if (colon >= 0 && authority.indexOf(':', colon + 1) >= 0) {
      return `${JSON.stringify(text)}: IPv6 addresses must be in brackets, e.g. https://[fd00::1]:6443`;
    }
    host = colon < 0 ? authority : authority.slice(0, colon);
    port = colon < 0 ? undefined : authority.slice(colon + 1);
  }
  if (host === '') return `${JSON.stringify(text)} has no host`;
  if (port !== undefined && !(/^[0-9]{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    return `port ${JSON.stringify(port)} is not a number from 1 to 65535`;
  }
  if (/[?#]/.test(tail)) return `${JSON.stringify(text)} must not have a query or fragment`;
  try {
    new URL(`${scheme}://${rest}`);
  } catch {
    return `${JSON.stringify(text)} cannot be parsed as a URL or host[:port]`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// KubeFedCluster

const TLS_VALIDATIONS = ['*', 'SubjectName', 'ValidityPeriod'] as const;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function caBundleProblem(base64: string): string | undefined {
  if (!BASE64.test(base64)) return 'must be base64-encoded PEM certificates';
  const pem = Buffer.from(base64, 'base64').toString('utf8');
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) return 'holds no PEM certificate (expected "-----BEGIN CERTIFICATE-----" blocks, base64-encoded in JSON)';
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (error) {
      return `certificate ${index + 1} of ${blocks.length} cannot be parsed: ${(error as Error).message}`;
    }
  }
  return undefined;
}

function checkKubeFedCluster(object: Record<string, unknown>, errors: FieldErrors): void {
  const spec = errors.object('spec', object.spec, { required: true });
  if (!spec) return;

  // Only a Push cluster is reached by the host; a Pull cluster's agent reaches the host instead.
  const syncMode = errors.oneOf('spec.syncMode', spec.syncMode, SYNC_MODES);
  const push = syncMode !== SyncMode.Pull;
  const apiEndpoint = errors.string('spec.apiEndpoint', spec.apiEndpoint, { required: push });
  if (apiEndpoint !== undefined) {
    // As client-go's DefaultServerURL: a bare host[:port] means https.
    const problem = endpointProblem(apiEndpoint, { schemes: ['https', 'http'], defaultScheme: 'https', allowUserInfo: false });
    if (problem) errors.add('spec.apiEndpoint', problem);
  }

  const caBundle = errors.string('spec.caBundle', spec.caBundle);
  if (caBundle) {
    const problem = caBundleProblem(caBundle);
    if (problem) errors.add('spec.caBundle', problem);
  }

  const secretRef = errors.object('spec.secretRef', spec.secretRef, { required: push });
  if (secretRef) {
    const name = errors.string('spec.secretRef.name', secretRef.name, { required: true });
    if (name !== undefined) dns1123Subdomain(errors, 'spec.secretRef.name', name);
  }

  const disabled = errors.array('spec.disabledTLSValidations', spec.disabledTLSValidations);
  if (disabled) {
    const seen = new Set<string>();
    disabled.forEach((entry, index) => {
      const field = indexPath('spec.disabledTLSValidations', index);
      const validation = errors.oneOf(field, entry, TLS_VALIDATIONS, { required: true });
      if (validation === undefined) return;
      if (seen.has(validation)) errors.add(field, `${JSON.stringify(validation)} appears more than once`);
      seen.add(validation);
    });
    if (disabled.includes('*') && disabled.length > 1) {
      errors.add('spec.disabledTLSValidations', 'when * is specified, it is expected to be the only option in list');
    }
  }

  const proxyURL = errors.string('spec.proxyURL', spec.proxyURL);
  if (proxyURL) {
    const problem = endpointProblem(proxyURL, { schemes: ['http', 'https', 'socks5'], allowUserInfo: true });
    if (problem) errors.add('spec.proxyURL', problem);
  }
}

const SYNC_MODES = Object.values(SyncMode);
const CLUSTER_CONDITION_TYPES = Object.values(ClusterConditionType);
const CONDITION_STATUSES = Object.values(ConditionStatus);

function checkKubeFedClusterStatus(object: Record<string, unknown>, errors: FieldErrors): void {
  const status = errors.object('status', object.status, { required: true });
  if (!status) return;
  const conditions = errors.array('status.conditions', status.conditions, { required: true });
  conditions?.forEach((entry, index) => {
    const at = indexPath('status.conditions', index);
    const condition = errors.object(at, entry, { required: true });
    if (!condition) return;
    errors.oneOf(`${at}.type`, condition.type, CLUSTER_CONDITION_TYPES, { required: true });
    errors.oneOf(`${at}.status`, condition.status, CONDITION_STATUSES, { required: true });
    time(errors, `${at}.lastProbeTime`, condition.lastProbeTime, { required: true });
    time(errors, `${at}.lastTransitionTime`, condition.lastTransitionTime);
  });
}

// ---------------------------------------------------------------------------------------------------------
// FederatedTypeConfig

const SCOPES = Object.values(ResourceScope);
const ENABLEMENT = Object.values(EnablementMode);
const CONTROLLER_STATUSES = Object.values(ControllerStatus);
// KubeFed lower-cased the kind and then required a DNS-1035 label.
const KIND = /^[A-Za-z]([-A-Za-z0-9]*[A-Za-z0-9])?$/;
const DOTTED_DOMAIN = /\./;

/** Checks an APIResource; returns its pluralName and group when both are well-formed. */
function checkApiResource(
  errors: FieldErrors,
  field: string,
  value: unknown,
  options: { federated: boolean; required: boolean },
): { pluralName: string; group: string } | undefined {
  const resource = errors.object(field, value, { required: options.required });
  if (!resource) return undefined;
  const before = errors.messages.length;

  const groupField = childPath(field, 'group');
  const group = errors.string(groupField, resource.group, { required: options.federated });
  if (group) {
    dns1123Subdomain(errors, groupField, group);
    if (options.federated && !DOTTED_DOMAIN.test(group)) {
      errors.add(groupField, `${JSON.stringify(group)} should be a domain with at least one dot, e.g. types.kubefed.io`);
    }
  }
  const version = errors.string(childPath(field, 'version'), resource.version, { required: true });
  if (version !== undefined) dns1035Label(errors, childPath(field, 'version'), version);
  const kind = errors.string(childPath(field, 'kind'), resource.kind, { required: true });
  if (kind !== undefined && (kind.length > 63 || !KIND.test(kind))) {
    errors.add(childPath(field, 'kind'), `${JSON.stringify(kind)} is not a kind: a letter, then letters, digits or '-', at most 63 characters`);
  }
  const plural = errors.string(childPath(field, 'pluralName'), resource.pluralName, { required: true });
  if (plural !== undefined) dns1035Label(errors, childPath(field, 'pluralName'), plural);
  errors.oneOf(childPath(field, 'scope'), resource.scope, SCOPES, { required: true });

  if (errors.messages.length !== before || plural === undefined) return undefined;
  return { pluralName: plural, group: group ?? '' };
}

function checkFederatedTypeConfig(object: Record<string, unknown>, errors: FieldErrors): void {
  const spec = errors.object('spec', object.spec, { required: true });
  if (!spec) return;
  const target = checkApiResource(errors, 'spec.targetType', spec.targetType, { federated: false, required: true });
  errors.oneOf('spec.propagation', spec.propagation, ENABLEMENT, { required: true });
  checkApiResource(errors, 'spec.federatedType', spec.federatedType, { federated: true, required: true });
  checkApiResource(errors, 'spec.statusType', spec.statusType, { federated: true, required: false });
  errors.oneOf('spec.statusCollection', spec.statusCollection, ENABLEMENT);

  if (target) {
    const expected = federatedTypeConfigName(target);
    const name = isRecord(object.metadata) ? object.metadata.name : undefined;
    if (name !== expected) {
      errors.add(
        'metadata.name',
        `must be ${JSON.stringify(expected)}, the pluralName[.group] of spec.targetType (got ${JSON.stringify(name ?? '')})`,
      );
    }
  }
}

function checkFederatedTypeConfigStatus(object: Record<string, unknown>, errors: FieldErrors): void {
  const status = errors.object('status', object.status, { required: true });
  if (!status) return;
  errors.integer('status.observedGeneration', status.observedGeneration, { required: true, min: 0 });
  errors.oneOf('status.propagationController', status.propagationController, CONTROLLER_STATUSES, { required: true });
  errors.oneOf('status.statusController', status.statusController, CONTROLLER_STATUSES);
}

// ---------------------------------------------------------------------------------------------------------
// KubeFedConfig

const FEATURE_GATES = Object.values(FeatureGateName);
const RESOURCE_LOCKS = Object.values(ResourceLock);
// What the controller manager uses for a leader-election field the object leaves out.
const LEADER_ELECT_DEFAULTS = defaultKubeFedConfigSpec(ResourceScope.Cluster).leaderElect;

function checkKubeFedConfig(object: Record<string, unknown>, errors: FieldErrors, oldObject: Record<string, unknown> | undefined): void {
  const spec = errors.object('spec', object.spec, { required: true });
  if (!spec) return;

  const scope = errors.oneOf('spec.scope', spec.scope, SCOPES, { required: true });
  const oldScope = oldObject && isRecord(oldObject.spec) ? oldObject.spec.scope : undefined;
  if (scope !== undefined && typeof oldScope === 'string' && oldScope !== scope) {
    errors.add('spec.scope', `is immutable: it was ${JSON.stringify(oldScope)} (delete and recreate the KubeFedConfig to change it)`);
  }

  const durations = errors.object('spec.controllerDuration', spec.controllerDuration);
  if (durations) {
    for (const name of ['availableDelay', 'unavailableDelay', 'cacheSyncTimeout']) {
      positiveDuration(errors, `spec.controllerDuration.${name}`, durations[name]);
    }
  }

  const leader = errors.object('spec.leaderElect', spec.leaderElect);
  if (leader) {
    // A field left out takes its default (the CRD normally fills it in before we see the object).
    const effective = (name: 'leaseDuration' | 'renewDeadline' | 'retryPeriod'): bigint | undefined =>
      leader[name] === undefined || leader[name] === null
        ? tryParseDurationNanos(LEADER_ELECT_DEFAULTS[name])
        : positiveDuration(errors, `spec.leaderElect.${name}`, leader[name]);
    const lease = effective('leaseDuration');
    const renew = effective('renewDeadline');
    const retry = effective('retryPeriod');
    if (lease !== undefined && renew !== undefined && lease <= renew) {
      errors.add('spec.leaderElect.leaseDuration', `must be greater than renewDeadline (${formatDurationNanos(renew)})`);
    }
    // client-go's leader election needs renewDeadline > JitterFactor (1.2) × retryPeriod; in integers 5r > 6p.
    if (renew !== undefined && retry !== undefined && 5n * renew <= 6n * retry) {
      errors.add(
        'spec.leaderElect.renewDeadline',
        `must be greater than 1.2 × retryPeriod (1.2 × ${formatDurationNanos(retry)} = ${formatDurationNanos((retry * 6n) / 5n)})`,
      );
    }
    errors.oneOf('spec.leaderElect.resourceLock', leader.resourceLock, RESOURCE_LOCKS);
  }

  const gates = errors.array('spec.featureGates', spec.featureGates);
  if (gates) {
    const seen = new Map<string, string>();
    gates.forEach((entry, index) => {
      const at = indexPath('spec.featureGates', index);
      const gate = errors.object(at, entry, { required: true });
      if (!gate) return;
      const name = errors.oneOf(`${at}.name`, gate.name, FEATURE_GATES, { required: true });
      errors.oneOf(`${at}.configuration`, gate.configuration, ENABLEMENT, { required: true });
      if (name === undefined) return;
      const first = seen.get(name);
      if (first) errors.add(`${at}.name`, `feature gate ${name} appears more than once (also ${first})`);
      else seen.set(name, `${at}.name`);
    });
  }

  const health = errors.object('spec.clusterHealthCheck', spec.clusterHealthCheck);
  if (health) {
    positiveDuration(errors, 'spec.clusterHealthCheck.period', health.period);
    positiveDuration(errors, 'spec.clusterHealthCheck.timeout', health.timeout);
    positiveDuration(errors, 'spec.clusterHealthCheck.pullHeartbeatGracePeriod', health.pullHeartbeatGracePeriod);
    errors.integer('spec.clusterHealthCheck.failureThreshold', health.failureThreshold, { min: 1 });
    errors.integer('spec.clusterHealthCheck.successThreshold', health.successThreshold, { min: 1 });
  }

  const sync = errors.object('spec.syncController', spec.syncController);
  if (sync) {
    errors.integer('spec.syncController.maxConcurrentReconciles', sync.maxConcurrentReconciles, { min: 1 });
    errors.oneOf('spec.syncController.adoptResources', sync.adoptResources, ENABLEMENT);
  }

  const statusController = errors.object('spec.statusController', spec.statusController);
  if (statusController) {
    errors.integer('spec.statusController.maxConcurrentReconciles', statusController.maxConcurrentReconciles, { min: 1 });
  }
}

// ---------------------------------------------------------------------------------------------------------
// ReplicaSchedulingPreference

const INT32_MAX = 2 ** 31 - 1;

function checkReplicaSchedulingPreference(object: Record<string, unknown>, errors: FieldErrors): void {
  const spec = errors.object('spec', object.spec, { required: true });
  if (!spec) return;

  const targetKind = errors.string('spec.targetKind', spec.targetKind, { required: true });
  if (targetKind !== undefined && !(SCHEDULABLE_FEDERATED_KINDS as readonly string[]).includes(targetKind)) {
    errors.add('spec.targetKind', `must be ${SCHEDULABLE_FEDERATED_KINDS.join(' or ')} (got ${JSON.stringify(targetKind)})`);
  }
  errors.integer('spec.totalReplicas', spec.totalReplicas, { required: true, min: 0, max: INT32_MAX });
  errors.boolean('spec.rebalance', spec.rebalance);
  errors.boolean('spec.intersectWithClusterSelector', spec.intersectWithClusterSelector);

  const clusters = errors.object('spec.clusters', spec.clusters);
  if (!clusters) return;
  for (const [cluster, value] of Object.entries(clusters)) {
    const at = keyPath('spec.clusters', cluster);
    if (cluster !== ANY_CLUSTER && (cluster.length > 253 || !DNS1123_SUBDOMAIN.test(cluster))) {
      errors.add(at, `is not a cluster name: keys must be "${ANY_CLUSTER}" or a KubeFedCluster name (a lowercase RFC 1123 subdomain)`);
    }
    const preferences = errors.object(at, value);
    if (!preferences) continue;
    const min = errors.integer(`${at}.minReplicas`, preferences.minReplicas, { min: 0 });
    const max = errors.integer(`${at}.maxReplicas`, preferences.maxReplicas, { min: 0 });
    errors.integer(`${at}.weight`, preferences.weight, { min: 0 });
    if (min !== undefined && max !== undefined && min > max) {
      errors.add(`${at}.minReplicas`, `must not exceed maxReplicas (${max})`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Federated<X> objects

function checkFederatedObject(object: Record<string, unknown>, errors: FieldErrors): void {
  const spec = errors.object('spec', object.spec, { required: true });
  if (!spec) return;
  errors.object('spec.template', spec.template);

  const placement = errors.object('spec.placement', spec.placement);
  if (placement) {
    const clusters = errors.array('spec.placement.clusters', placement.clusters);
    clusters?.forEach((entry, index) => {
      const at = indexPath('spec.placement.clusters', index);
      const reference = errors.object(at, entry, { required: true });
      if (reference) errors.string(`${at}.name`, reference.name, { required: true });
    });
    const selector = errors.object('spec.placement.clusterSelector', placement.clusterSelector);
    if (selector) errors.addFormatted(validateLabelSelector(selector as LabelSelector, 'spec.placement.clusterSelector'));
  }

  // The same rules the sync controller applies (src/sync/overrides.ts), so what is admitted renders.
  for (const problem of checkOverrides(spec.overrides).problems) errors.add(problem.field, problem.message);
  errors.boolean('spec.retainReplicas', spec.retainReplicas);
}

// ---------------------------------------------------------------------------------------------------------
// The validators, one per webhook path

const KUBEFED_CLUSTER_RULES: KindRules = { kind: 'KubeFedCluster', object: checkKubeFedCluster, status: checkKubeFedClusterStatus };
const FEDERATED_TYPE_CONFIG_RULES: KindRules = {
  kind: 'FederatedTypeConfig',
  object: checkFederatedTypeConfig,
  status: checkFederatedTypeConfigStatus,
};
// KubeFedConfig and ReplicaSchedulingPreference have no status subresource.
const KUBEFED_CONFIG_RULES: KindRules = { kind: 'KubeFedConfig', object: checkKubeFedConfig };
const REPLICA_SCHEDULING_PREFERENCE_RULES: KindRules = { kind: 'ReplicaSchedulingPreference', object: checkReplicaSchedulingPreference };
// Status writes of fed objects come from the sync controller alone and carry nothing a user chose, so they
// are not judged (nor sent here by the registration).
const FEDERATED_OBJECT_RULES: KindRules = { kind: 'federated object', object: checkFederatedObject };

/**
 * KubeFedCluster: apiEndpoint (host[:port] or http(s) URL, port 1–65535, no credentials), caBundle (PEM
 * certificates), secretRef.name, disabledTLSValidations (`*` alone), proxyURL (http, https or socks5).
 * On the status subresource: condition types, statuses and lastProbeTime.
 */
export function validateKubeFedCluster(request: AdmissionInput): AdmissionDecision {
  return judge(KUBEFED_CLUSTER_RULES, request);
}

/**
 * FederatedTypeConfig: metadata.name is `pluralName[.group]` of the target type; API resource names,
 * versions, kinds and scopes; federated and status types in a dotted group. On the status subresource:
 * observedGeneration and the controller states.
 */
export function validateFederatedTypeConfig(request: AdmissionInput): AdmissionDecision {
  return judge(FEDERATED_TYPE_CONFIG_RULES, request);
}

/**
 * KubeFedConfig: scope (immutable on UPDATE), positive durations, leaseDuration > renewDeadline >
 * 1.2 × retryPeriod, resource lock, known and unique feature gates, positive thresholds and worker counts.
 */
export function validateKubeFedConfig(request: AdmissionInput): AdmissionDecision {
  return judge(KUBEFED_CONFIG_RULES, request);
}

/**
 * ReplicaSchedulingPreference: targetKind FederatedDeployment or FederatedReplicaSet, totalReplicas,
 * cluster keys (`*` or a cluster name), non-negative min/max/weight and minReplicas ≤ maxReplicas.
 */
export function validateReplicaSchedulingPreference(request: AdmissionInput): AdmissionDecision {
  return judge(REPLICA_SCHEDULING_PREFERENCE_RULES, request);
}

/**
 * Any Federated<X>: placement (cluster references, label selector), and overrides: one entry per cluster,
 * known ops, JSON-pointer paths that are unique per cluster and neither equal, lie inside nor contain an
 * identity field (apiVersion, kind, metadata.name/namespace/generateName), and a value for add and replace.
 */
export function validateFederatedObject(request: AdmissionInput): AdmissionDecision {
  return judge(FEDERATED_OBJECT_RULES, request);
}
