// The rules of `spec.overrides`, shared by rendering (src/sync/render.ts) and the validating webhook
// (src/webhook/validate.ts) so both judge an override the same way. Application follows KubeFed v0.10, which
// applied each cluster's overrides as one RFC 6902 patch with evanphx/json-patch v4.12: `replace` of a key
// missing from an existing object creates it, array indexes may be negative (counted from the end), and an
// absent value means null. test/unit/sync/overrides.test.ts pins every case to that library's behaviour.
import { FORBIDDEN_OVERRIDE_PATHS } from '../api/constants.js';
import jsonpatch from 'fast-json-patch';

export const OVERRIDE_OPS = ['add', 'remove', 'replace'] as const;
export type OverrideOp = (typeof OVERRIDE_OPS)[number];

/** One override of one cluster, checked: op defaulted, path a JSON pointer that leaves identity alone. */
export interface CheckedOverride {
  /** Where it is written, e.g. `spec.overrides[0].clusterOverrides[2]`. */
  field: string;
  op: OverrideOp;
  path: string;
  /** What add and replace write; null when the override has none (as in KubeFed). */
  value: unknown;
}

/** A problem found in `spec.overrides` without looking at the object, at the field it concerns. */
export interface OverrideProblem {
  field: string;
  message: string;
}

export interface CheckedOverrides {
  problems: OverrideProblem[];
  /** The overrides of each cluster, in order; a cluster with a problem in any of its overrides is absent. */
  byCluster: Map<string, CheckedOverride[]>;
}

const IDENTITY_RULE = 'overrides may not change apiVersion, kind, metadata.name, metadata.namespace or metadata.generateName';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The tokens of a JSON pointer, unescaped (`~1` → `/`, `~0` → `~`); "" (the whole document) has none. */
export function pointerTokens(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function escapeToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

const FORBIDDEN_POINTERS = FORBIDDEN_OVERRIDE_PATHS.map((path) => ({ path, tokens: pointerTokens(path) }));

function startsWith(tokens: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= tokens.length && prefix.every((token, index) => tokens[index] === token);
}

/** The op an override names: empty or absent means replace, as in KubeFed. */
export function overrideOpOf(value: unknown): { op: OverrideOp } | { problem: string } {
  if (value === undefined || value === null || value === '') return { op: 'replace' };
  if (typeof value !== 'string') return { problem: 'must be a string' };
  if (!(OVERRIDE_OPS as readonly string[]).includes(value)) {
    return { problem: `unsupported op ${JSON.stringify(value)} (must be add, remove or replace, or empty for replace)` };
  }
  return { op: value as OverrideOp };
}

/**
 * Why `path` cannot be an override path, or undefined: it must be a JSON pointer (a "~" only in `~0` or
 * `~1`; KubeFed's library read other escapes literally, but no Kubernetes field or label key holds a "~"),
 * and it may not equal, lie inside or contain an identity field (as `/metadata` contains `/metadata/name`).
 */
export function overridePathProblem(path: string): string | undefined {
  if (path !== '' && !path.startsWith('/')) {
    return `${JSON.stringify(path)} is not a JSON pointer: it must start with "/", e.g. /spec/replicas`;
  }
  if (/~(?![01])/.test(path)) {
    return `${JSON.stringify(path)} is not a JSON pointer: "~" must be followed by 0 or 1 (~0 stands for "~", ~1 for "/")`;
  }
  const tokens = pointerTokens(path);
  const exact = FORBIDDEN_POINTERS.find((forbidden) => forbidden.tokens.length === tokens.length && startsWith(tokens, forbidden.tokens));
  if (exact) return `${path} may not be overridden: ${IDENTITY_RULE}`;
  const outer = FORBIDDEN_POINTERS.find((forbidden) => startsWith(tokens, forbidden.tokens));
  if (outer) return `${JSON.stringify(path)} lies inside ${outer.path}, which may not be overridden: ${IDENTITY_RULE}`;
  const covered = FORBIDDEN_POINTERS.filter((forbidden) => startsWith(forbidden.tokens, tokens)).map((forbidden) => forbidden.path);
  if (covered.length === 0) return undefined;
  const what = path === '' ? '"" (the whole object)' : JSON.stringify(path);
  return `${what} covers ${covered.join(', ')}: ${IDENTITY_RULE} (override the fields inside it instead, e.g. /metadata/labels/<key>)`;
}

/**
 * Checks `spec.overrides` as far as it can be checked without the object: a list of entries, each naming its
 * cluster once, with a list of overrides whose ops are known and whose paths are unique per cluster and pass
 * `overridePathProblem`. With `onlyCluster`, the entries of other clusters are not judged (a mistake there
 * fails that cluster alone) and entries without a clusterName are skipped.
 */
export function checkOverrides(overrides: unknown, onlyCluster?: string): CheckedOverrides {
  const problems: OverrideProblem[] = [];
  const byCluster = new Map<string, CheckedOverride[]>();
  if (overrides === undefined || overrides === null) return { problems, byCluster };
  if (!Array.isArray(overrides)) return { problems: [{ field: 'spec.overrides', message: 'must be a list' }], byCluster };

  const firstByCluster = new Map<string, string>();
  const namedTwice = new Set<string>();
  overrides.forEach((entry: unknown, index) => {
    const at = `spec.overrides[${index}]`;
    const clusterName = isRecord(entry) ? entry.clusterName : undefined;
    if (onlyCluster !== undefined && clusterName !== onlyCluster) return;
    if (!isRecord(entry)) {
      problems.push({ field: at, message: entry === undefined || entry === null ? 'required' : 'must be an object' });
      return;
    }
    const problemsBefore = problems.length;
    let cluster: string | undefined;
    if (clusterName === undefined || clusterName === null || clusterName === '') {
      problems.push({ field: `${at}.clusterName`, message: 'required' });
    } else if (typeof clusterName !== 'string') {
      problems.push({ field: `${at}.clusterName`, message: 'must be a string' });
    } else {
      cluster = clusterName;
      const first = firstByCluster.get(cluster);
      if (first) {
        problems.push({ field: `${at}.clusterName`, message: `cluster ${JSON.stringify(cluster)} appears more than once (also ${first})` });
        namedTwice.add(cluster);
      } else {
        firstByCluster.set(cluster, `${at}.clusterName`);
      }
    }

    const checked: CheckedOverride[] = [];
    const clusterOverrides = entry.clusterOverrides ?? [];
    if (!Array.isArray(clusterOverrides)) {
      problems.push({ field: `${at}.clusterOverrides`, message: 'must be a list' });
    } else {
      const firstByPath = new Map<string, string>();
      clusterOverrides.forEach((item: unknown, position) => {
        const itemAt = `${at}.clusterOverrides[${position}]`;
        const override = checkOverride(item, itemAt, problems);
        if (!override) return;
        const first = firstByPath.get(override.path);
        if (first) {
          problems.push({
            field: `${itemAt}.path`,
            message: `${JSON.stringify(override.path)} appears more than once for cluster ${JSON.stringify(cluster ?? '')} (also ${first})`,
          });
          return;
        }
        firstByPath.set(override.path, `${itemAt}.path`);
        checked.push(override);
      });
    }
    if (cluster !== undefined && problems.length === problemsBefore) byCluster.set(cluster, checked);
  });
  // A cluster named twice has no single list of overrides.
  for (const cluster of namedTwice) byCluster.delete(cluster);
  return { problems, byCluster };
}

function checkOverride(item: unknown, at: string, problems: OverrideProblem[]): CheckedOverride | undefined {
  if (!isRecord(item)) {
    problems.push({ field: at, message: item === undefined || item === null ? 'required' : 'must be an object with op, path and value' });
    return undefined;
  }
  const before = problems.length;
  const op = overrideOpOf(item.op);
  if ('problem' in op) problems.push({ field: `${at}.op`, message: op.problem });
  const path = item.path;
  if (path === undefined || path === null) {
    problems.push({ field: `${at}.path`, message: 'required' });
  } else if (typeof path !== 'string') {
    problems.push({ field: `${at}.path`, message: 'must be a string' });
  } else {
    const problem = overridePathProblem(path);
    if (problem) problems.push({ field: `${at}.path`, message: problem });
  }
  if (problems.length > before || 'problem' in op || typeof path !== 'string') return undefined;
  // KubeFed serialised overrides with `value,omitempty`, so an absent (or null) value reached json-patch as
  // none at all, and add and replace then wrote null.
  return { field: at, op: op.op, path, value: item.value ?? null };
}

// evanphx/json-patch parses array indexes with Go's strconv.Atoi: an optional sign, decimal digits, leading
// zeros allowed, within int64.
const GO_INT = /^[+-]?[0-9]+$/;
const INT64_DIGITS = 19;

/** The array position `token` names in an array of `length` elements, where `slots` positions are valid. */
function arrayPosition(token: string, slots: number): { index: number } | { problem: string } {
  if (!GO_INT.test(token) || token.replace(/^[+-]?0*/, '').length > INT64_DIGITS) {
    return { problem: `${JSON.stringify(token)} is not an array index` };
  }
  const raw = Number.parseInt(token, 10);
  // A negative index counts from the end (v4's SupportNegativeIndices, on by default).
  const index = raw < 0 ? raw + slots : raw;
  if (index < 0 || index >= slots) return { problem: `array index ${token} is out of range` };
  return { index };
}

/**
 * Applies one override to `document` in place, as KubeFed's json-patch did; returns why it cannot apply, or
 * undefined. Every token but the last must lead to an existing object or array; then:
 * - object parent: add and replace set the key (creating it), remove needs it to exist;
 * - array parent: replace and remove need an index of an element (negative counts from the end), add takes
 *   0 … length (or `-`, the end) and inserts.
 * The value is written as given; callers pass a copy they own.
 */
export function applyOverride(document: Record<string, unknown>, override: Pick<CheckedOverride, 'op' | 'path' | 'value'>): string | undefined {
  const { op, path, value } = override;
  const tokens = pointerTokens(path);
  if (tokens.length === 0) return 'the whole object cannot be overridden';
  let container: unknown = document;
  let walked = '';
  /** `walked` with array indexes resolved (no negative ones): the path of the RFC 6902 write. */
  let resolved = '';
  for (const token of tokens.slice(0, -1)) {
    const parentPath = walked;
    walked += `/${escapeToken(token)}`;
    if (Array.isArray(container)) {
      const position = arrayPosition(token, container.length);
      if ('problem' in position) return `${walked} does not exist: ${position.problem} (the array at ${parentPath} has ${plural(container.length, 'element')})`;
      resolved += `/${position.index}`;
      container = container[position.index];
    } else if (isRecord(container) && Object.hasOwn(container, token)) {
      resolved += `/${escapeToken(token)}`;
      container = container[token];
    } else {
      return `${walked} does not exist`;
    }
    if (!isRecord(container) && !Array.isArray(container)) {
      return `${walked} is ${container === null ? 'null' : `a ${typeof container}`}, not an object or array`;
    }
  }
  const last = tokens[tokens.length - 1]!;

  // The checks above and below give KubeFed's answers; the write itself is an RFC 6902 operation, with the
  // index resolved and a replace of a missing key (which KubeFed's library allowed) sent as the add it is.
  let write: { op: OverrideOp; path: string };
  if (Array.isArray(container)) {
    const size = `the array at ${walked} has ${plural(container.length, 'element')}`;
    if (op === 'add') {
      const position = last === '-' ? { index: container.length } : arrayPosition(last, container.length + 1);
      if ('problem' in position) return `${position.problem}; add takes 0 to ${container.length} or "-" (${size})`;
      write = { op, path: `${resolved}/${position.index}` };
    } else {
      if (last === '-') return `"-" (after the last element) can only be used with add`;
      const position = arrayPosition(last, container.length);
      if ('problem' in position) return `${position.problem}; ${op} needs an existing element (${size})`;
      write = { op, path: `${resolved}/${position.index}` };
    }
  } else {
    const parent = container as Record<string, unknown>;
    if (op === 'remove' && !Object.hasOwn(parent, last)) return `nothing to remove: ${path} does not exist`;
    if (op !== 'remove' && last === '__proto__') {
      // A plain member named so, never a changed prototype (fast-json-patch refuses the key outright).
      Object.defineProperty(parent, last, { value, writable: true, enumerable: true, configurable: true });
      return undefined;
    }
    write = { op: op === 'remove' ? 'remove' : 'add', path: `${resolved}/${escapeToken(last)}` };
  }
  try {
    const operation: jsonpatch.Operation = write.op === 'remove' ? { op: 'remove', path: write.path } : { op: write.op, path: write.path, value };
    jsonpatch.applyOperation(document, operation, false, true);
  } catch (err) {
    // fast-json-patch refuses what would change a prototype (a "__proto__" key).
    return (err instanceof Error ? err.message : String(err)).split('\n')[0];
  }
  return undefined;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
