// Kubernetes label-selector semantics (metav1.LabelSelector) for choosing member clusters by their
// KubeFedCluster labels: matching, and validation with messages that point at the offending field.
import type { LabelSelector, LabelSelectorRequirement } from '../api/common.js';

/** The operators a metav1.LabelSelector accepts (Gt/Lt exist only in the internal selector type). */
export const LABEL_SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
export type LabelSelectorOperator = (typeof LABEL_SELECTOR_OPERATORS)[number];

/** Where placement selectors live in a Federated<X>; the default prefix of validation messages. */
export const CLUSTER_SELECTOR_FIELD_PATH = 'spec.placement.clusterSelector';

// Label keys and values follow Kubernetes' qualified-name and label-value rules: KubeFed turned a
// selector into a labels.Selector, which refuses anything else, so we refuse the same selectors.
const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function isOperator(operator: unknown): operator is LabelSelectorOperator {
  return (LABEL_SELECTOR_OPERATORS as readonly unknown[]).includes(operator);
}

function labelKeyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string' || key === '') return 'must be a non-empty label key';
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) {
    return `invalid label key ${JSON.stringify(key)}: the prefix must be a lowercase DNS subdomain of at most 253 characters`;
  }
  if (name.length > 63 || !NAME_PART.test(name)) {
    return (
      `invalid label key ${JSON.stringify(key)}: the name must be at most 63 characters of alphanumerics, ` +
      "'-', '_' or '.', starting and ending with an alphanumeric"
    );
  }
  return undefined;
}

function labelValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (value === '') return undefined;
  if (value.length > 63 || !NAME_PART.test(value)) {
    return (
      `invalid label value ${JSON.stringify(value)}: must be empty or at most 63 characters of alphanumerics, ` +
      "'-', '_' or '.', starting and ending with an alphanumeric"
    );
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a label selector the way the API machinery would when turning it into a selector.
 *
 * @param selector the selector as found in the object (may come straight from a cache, so it is checked
 *   defensively rather than trusted to match its type)
 * @param fieldPath prefix of the field paths in the messages
 * @returns human-readable errors, each naming its field, e.g.
 *   `spec.placement.clusterSelector.matchExpressions[0].operator: unknown operator "in" …`; empty when valid
 */
export function validateLabelSelector(selector: LabelSelector, fieldPath: string = CLUSTER_SELECTOR_FIELD_PATH): string[] {
  const errors: string[] = [];
  if (!isRecord(selector)) return [`${fieldPath}: must be an object`];

  const { matchLabels, matchExpressions } = selector as Record<string, unknown>;
  if (matchLabels != null) {
    if (!isRecord(matchLabels)) {
      errors.push(`${fieldPath}.matchLabels: must be a map of label keys to values`);
    } else {
      for (const [key, value] of Object.entries(matchLabels)) {
        const keyProblem = labelKeyProblem(key);
        if (keyProblem) errors.push(`${fieldPath}.matchLabels: ${keyProblem}`);
        const valueProblem = labelValueProblem(value);
        if (valueProblem) errors.push(`${fieldPath}.matchLabels[${JSON.stringify(key)}]: ${valueProblem}`);
      }
    }
  }

  if (matchExpressions != null) {
    if (!Array.isArray(matchExpressions)) {
      errors.push(`${fieldPath}.matchExpressions: must be a list`);
    } else {
      matchExpressions.forEach((requirement: unknown, index) => {
        const at = `${fieldPath}.matchExpressions[${index}]`;
        if (!isRecord(requirement)) {
          errors.push(`${at}: must be an object with key, operator and values`);
          return;
        }
        const keyProblem = labelKeyProblem(requirement.key);
        if (keyProblem) errors.push(`${at}.key: ${keyProblem}`);
        const { operator, values } = requirement;
        if (!isOperator(operator)) {
          errors.push(`${at}.operator: unknown operator ${JSON.stringify(operator)}; must be one of ${LABEL_SELECTOR_OPERATORS.join(', ')}`);
          return;
        }
        if (values != null && !Array.isArray(values)) {
          errors.push(`${at}.values: must be a list of strings`);
          return;
        }
        const count = values?.length ?? 0;
        if ((operator === 'In' || operator === 'NotIn') && count === 0) {
          errors.push(`${at}.values: must be non-empty when operator is ${operator}`);
        }
        if ((operator === 'Exists' || operator === 'DoesNotExist') && count > 0) {
          errors.push(`${at}.values: must be empty when operator is ${operator}`);
        }
        (values ?? []).forEach((value: unknown, valueIndex: number) => {
          const problem = labelValueProblem(value);
          if (problem) errors.push(`${at}.values[${valueIndex}]: ${problem}`);
        });
      });
    }
  }
  return errors;
}

function requirementMatches(requirement: LabelSelectorRequirement, labels: Record<string, string>): boolean {
  const present = Object.hasOwn(labels, requirement.key);
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return present && values.includes(labels[requirement.key] as string);
    case 'NotIn':
      // An absent key is "not in" any set: Kubernetes matches it, so `env NotIn (prod)` selects unlabelled clusters.
      return values.length > 0 && (!present || !values.includes(labels[requirement.key] as string));
    case 'Exists':
      return present && values.length === 0;
    case 'DoesNotExist':
      return !present && values.length === 0;
    default:
      return false;
  }
}

/**
 * Whether `labels` satisfy `selector`: every matchLabels pair AND every matchExpressions requirement.
 * The empty selector `{}` matches everything (even unlabelled objects).
 *
 * Validate the selector first (`validateLabelSelector`): an invalid requirement here never matches, so a
 * malformed selector selects nothing rather than everything.
 */
export function matchesLabelSelector(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const actual = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!Object.hasOwn(actual, key) || actual[key] !== value) return false;
  }
  for (const requirement of selector.matchExpressions ?? []) {
    if (!requirementMatches(requirement, actual)) return false;
  }
  return true;
}
