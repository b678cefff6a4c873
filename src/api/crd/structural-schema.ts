// Turns the JSON Schema that zod 4 emits into a Kubernetes *structural* OpenAPI v3 schema for a CRD: every
// node typed, no $ref/$schema, Kubernetes integer formats, and x-kubernetes-* extensions from `.meta()`.
// Anything it cannot express faithfully is an error rather than a silently different CRD.
import { z } from 'zod';
import type { CelRule } from '../common.js';

/** The subset of apiextensions.k8s.io/v1 JSONSchemaProps that the converter produces. */
export interface JSONSchemaProps {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  title?: string;
  description?: string;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps;
  items?: JSONSchemaProps;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  allOf?: JSONSchemaProps[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-validations'?: CelRule[];
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'granular' | 'atomic';
}

type JsonSchema = Record<string, unknown>;

export class StructuralSchemaError extends Error {
  override readonly name = 'StructuralSchemaError';
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Value constraints that mean the same in JSON Schema and in a CRD's OpenAPI v3 schema. */
export const VALUE_KEYWORDS = [
  'enum',
  'pattern',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'minimum',
  'maximum',
  'multipleOf',
  'nullable',
] as const;

// Keywords copied as they are (after the structural rewrites below).
const COPIED = ['title', 'description', 'default', 'format', ...VALUE_KEYWORDS] as const;

// Keywords that carry no meaning for a CRD.
const IGNORED = new Set(['$schema', '$id', '$defs', 'definitions', 'id', 'examples', 'contentEncoding']);

const HANDLED = new Set<string>([
  ...COPIED,
  'type',
  'const',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'anyOf',
  'oneOf',
  'allOf',
  'exclusiveMinimum',
  'exclusiveMaximum',
  '$ref',
]);

/** Options of `z.toJSONSchema` that produce what `toStructuralSchema` expects. */
export const ZOD_JSON_SCHEMA_OPTIONS = {
  // Input side: optional-with-default fields are not required, and `default:` is emitted.
  io: 'input',
  target: 'openapi-3.0',
  // z.date() and friends become `{}`, which the structural check then reports with its path.
  unrepresentable: 'any',
} as const;

/** Structural CRD schema of a zod schema. */
export function zodToStructuralSchema(schema: z.ZodType): JSONSchemaProps {
  return toStructuralSchema(z.toJSONSchema(schema, ZOD_JSON_SCHEMA_OPTIONS) as JsonSchema);
}

/**
 * Converts a JSON Schema (draft 2020-12 or OpenAPI 3.0 flavour, as zod emits them) to a structural schema.
 * Throws `StructuralSchemaError` naming the offending path when that is impossible.
 */
export function toStructuralSchema(root: JsonSchema): JSONSchemaProps {
  return convert(root, { root, path: '', resolving: [] });
}

interface Context {
  root: JsonSchema;
  /** Where we are, e.g. `.spec.clusters[*].weight`, for error messages. */
  path: string;
  /** The $refs being expanded along this path, to detect recursion. */
  resolving: string[];
}

function convert(input: JsonSchema, ctx: Context): JSONSchemaProps {
  const node = resolveRef(input, ctx);
  const fail = (why: string) => new StructuralSchemaError(`${ctx.path || '<root>'}: ${why}`);
  const out: JSONSchemaProps = {};

  for (const key of Object.keys(node)) {
    if (!HANDLED.has(key) && !IGNORED.has(key) && !key.startsWith('x-kubernetes-')) {
      throw fail(`unsupported JSON Schema keyword "${key}"`);
    }
  }
  for (const key of Object.keys(node).filter((k) => k.startsWith('x-kubernetes-'))) {
    (out as Record<string, unknown>)[key] = node[key];
  }

  const preserveUnknown = node['x-kubernetes-preserve-unknown-fields'] === true;
  const intOrString = node['x-kubernetes-int-or-string'] === true;

  applyType(node, out, fail, intOrString);
  for (const key of COPIED) {
    if (node[key] !== undefined) (out as Record<string, unknown>)[key] = node[key];
  }
  if (node.const !== undefined) out.enum = [node.const];
  applyBounds(node, out);

  // Alternatives: nullable, unions of literals, int-or-string; anything else has no structural form.
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = node[key];
    if (branches === undefined) continue;
    if (!Array.isArray(branches)) throw fail(`${key} must be a list`);
    if (intOrString) continue;
    mergeAlternatives(branches as JsonSchema[], out, ctx, fail);
  }
  if (node.allOf !== undefined) applyAllOf(node.allOf, out, fail);

  if (out.type === 'integer') applyIntegerFormat(out);
  normaliseFormat(out);

  // Objects.
  if (node.propertyNames !== undefined) {
    const names = node.propertyNames as JsonSchema;
    if (Object.keys(names).some((k) => k !== 'type') || names.type !== 'string') {
      throw fail('constraints on map keys (propertyNames) cannot be expressed in a CRD');
    }
  }
  const properties = node.properties as Record<string, JsonSchema> | undefined;
  if (properties !== undefined && Object.keys(properties).length > 0) {
    out.properties = {};
    for (const [name, child] of Object.entries(properties)) {
      out.properties[name] = convert(child, { ...ctx, path: `${ctx.path}.${name}` });
    }
  } else if (properties !== undefined && out.type === 'object' && !preserveUnknown) {
    out.properties = {}; // an empty object stays a closed, empty object
  }
  const required = (node.required as string[] | undefined)?.filter((name) => properties?.[name] !== undefined);
  if (required !== undefined && required.length > 0) out.required = required;

  const additional = node.additionalProperties;
  if (additional !== undefined && additional !== false) {
    const unconstrained = additional === true || (isObject(additional) && Object.keys(additional).length === 0);
    if (unconstrained) {
      if (!preserveUnknown) {
        throw fail('values of any type need x-kubernetes-preserve-unknown-fields: true (use .meta())');
      }
    } else if (out.properties !== undefined && Object.keys(out.properties).length > 0) {
      throw fail('a structural schema cannot have both properties and additionalProperties');
    } else {
      delete out.properties;
      out.additionalProperties = convert(additional as JsonSchema, { ...ctx, path: `${ctx.path}[*]` });
    }
  }

  // Arrays.
  if (node.items !== undefined) {
    if (!isObject(node.items)) throw fail('tuples (items as a list) cannot be expressed in a CRD');
    out.items = convert(node.items, { ...ctx, path: `${ctx.path}[]` });
  }

  if (out.type === undefined && !preserveUnknown && !intOrString) {
    throw fail('no type: give the field a concrete type or mark it with x-kubernetes-preserve-unknown-fields');
  }
  if (out.type === 'array' && out.items === undefined) throw fail('an array needs an item schema');
  return out;
}

function resolveRef(node: JsonSchema, ctx: Context): JsonSchema {
  const ref = node.$ref;
  if (typeof ref !== 'string') return node;
  const match = /^#\/(\$defs|definitions|components\/schemas)\/(.+)$/.exec(ref);
  const holder =
    match?.[1] === 'components/schemas'
      ? (ctx.root.components as JsonSchema | undefined)?.schemas
      : match && ctx.root[match[1] ?? ''];
  const target = match && isObject(holder) ? (holder as JsonSchema)[decodeURIComponent(match[2] ?? '')] : undefined;
  if (!isObject(target)) throw new StructuralSchemaError(`${ctx.path || '<root>'}: cannot resolve $ref ${ref}`);
  if (ctx.resolving.includes(ref)) {
    throw new StructuralSchemaError(`${ctx.path || '<root>'}: recursive schema (${ref}) cannot be expressed in a CRD`);
  }
  ctx.resolving = [...ctx.resolving, ref];
  const { $ref: _ignored, ...siblings } = node;
  return { ...resolveRef(target, ctx), ...siblings };
}

function applyType(node: JsonSchema, out: JSONSchemaProps, fail: (why: string) => Error, intOrString: boolean): void {
  const type = node.type;
  if (type === undefined) return;
  const types = Array.isArray(type) ? (type as string[]) : [type as string];
  const concrete = types.filter((t) => t !== 'null');
  if (concrete.length < types.length) out.nullable = true;
  if (concrete.length > 1 && !intOrString) throw fail(`a field cannot have several types (${concrete.join(', ')})`);
  if (concrete.length === 1 && !intOrString) out.type = concrete[0] as JSONSchemaProps['type'];
}

// Draft 2020-12 writes exclusive bounds as numbers, OpenAPI 3.0 as booleans next to minimum/maximum.
function applyBounds(node: JsonSchema, out: JSONSchemaProps): void {
  for (const [key, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    const value = node[key];
    if (typeof value === 'number') {
      out[bound] = value;
      out[key] = true;
    } else if (value === true) {
      out[key] = true;
    }
  }
}

function mergeAlternatives(
  branches: JsonSchema[],
  out: JSONSchemaProps,
  ctx: Context,
  fail: (why: string) => Error,
): void {
  const isNull = (b: JsonSchema) => b.type === 'null' || (b.nullable === true && Object.keys(b).length === 1);
  const rest = branches.filter((b) => !isNull(b));
  if (rest.length < branches.length) out.nullable = true;
  if (rest.length === 1) {
    const merged = convert(rest[0] as JsonSchema, ctx);
    for (const [key, value] of Object.entries(merged)) {
      if ((out as Record<string, unknown>)[key] === undefined) (out as Record<string, unknown>)[key] = value;
    }
    return;
  }
  // A union of literals of one type is an enum.
  const literals = rest.map((b) => (b.const !== undefined ? [b.const] : (b.enum as unknown[] | undefined)));
  const types = new Set(rest.map((b) => b.type));
  if (literals.every((l) => l !== undefined) && types.size === 1) {
    out.type = [...types][0] as JSONSchemaProps['type'];
    out.enum = literals.flat();
    return;
  }
  throw fail('unions cannot be expressed in a CRD (except nullable, literal unions and x-kubernetes-int-or-string)');
}

// zod writes several `.regex()` checks on one string as allOf of patterns; Kubernetes accepts that form.
function applyAllOf(allOf: unknown, out: JSONSchemaProps, fail: (why: string) => Error): void {
  if (!Array.isArray(allOf)) throw fail('allOf must be a list');
  const patterns: string[] = [];
  for (const branch of allOf as JsonSchema[]) {
    const { type, pattern, ...others } = branch;
    if (Object.keys(others).length > 0 || typeof pattern !== 'string' || (type !== undefined && type !== out.type)) {
      throw fail('allOf is only supported for several patterns on one string');
    }
    patterns.push(pattern);
  }
  if (out.pattern !== undefined) patterns.unshift(out.pattern);
  delete out.pattern;
  if (patterns.length === 1) out.pattern = patterns[0];
  else if (patterns.length > 1) out.allOf = patterns.map((pattern) => ({ pattern }));
}

// zod expresses int32/safe-integer ranges as bounds; Kubernetes expresses them as formats.
function applyIntegerFormat(out: JSONSchemaProps): void {
  const looksInt32 = out.maximum === INT32_MAX && (out.minimum === undefined || out.minimum >= INT32_MIN);
  out.format ??= looksInt32 ? 'int32' : 'int64';
  if (out.format === 'int32') {
    if (out.minimum === INT32_MIN) delete out.minimum;
    if (out.maximum === INT32_MAX) delete out.maximum;
  } else {
    if (out.minimum === Number.MIN_SAFE_INTEGER) delete out.minimum;
    if (out.maximum === Number.MAX_SAFE_INTEGER) delete out.maximum;
  }
  if (out.minimum === undefined) delete out.exclusiveMinimum;
  if (out.maximum === undefined) delete out.exclusiveMaximum;
}

// Formats Kubernetes validates itself: zod's accompanying regexes are redundant (and not always RE2-safe).
function normaliseFormat(out: JSONSchemaProps): void {
  if (out.format === 'base64') out.format = 'byte';
  if (out.format === 'byte' || out.format === 'date-time') delete out.pattern;
}

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
