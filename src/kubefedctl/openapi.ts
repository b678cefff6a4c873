// Turns the OpenAPI v3 schema of a Kubernetes kind (as the API server publishes it, or as a CRD declares it)
// into a structural schema that a CRD may embed: $refs expanded, int-or-string unions flagged, free-form
// objects marked x-kubernetes-preserve-unknown-fields, and everything a CRD rejects or that would change
// what users write (defaults, list semantics, CEL rules, descriptions) left out.

import { VALUE_KEYWORDS } from '../api/crd/structural-schema.js';

export type Schema = Record<string, unknown>;

export interface OpenApiDocument {
  components?: { schemas?: Record<string, Schema> };
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

const PRESERVE = 'x-kubernetes-preserve-unknown-fields';
const INT_OR_STRING = 'x-kubernetes-int-or-string';
const EMBEDDED = 'x-kubernetes-embedded-resource';


// Formats the API server knows for CRDs; others (e.g. `int-or-string`) are dropped.
const KNOWN_FORMATS = new Set([
  'int32', 'int64', 'float', 'double', 'byte', 'binary', 'date', 'date-time', 'duration', 'password',
  'uri', 'uuid', 'email', 'hostname', 'ipv4', 'ipv6', 'cidr', 'mac', 'isbn', 'bsonobjectid', 'datetime',
]);

export class SchemaError extends Error {
  override readonly name = 'SchemaError';
}

const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The name and schema of the kind in a group-version document (by `x-kubernetes-group-version-kind`). */
export function findKindSchema(doc: OpenApiDocument, gvk: GroupVersionKind): { name: string; schema: Schema } | undefined {
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
    const gvks = schema['x-kubernetes-group-version-kind'];
    if (!Array.isArray(gvks)) continue;
    const match = gvks.some(
      (g) => isObject(g) && (g.group ?? '') === gvk.group && g.version === gvk.version && g.kind === gvk.kind,
    );
    if (match) return { name, schema };
  }
  return undefined;
}

/** Resolves `#/components/schemas/<name>` (and `#/definitions/<name>`) refs of a document. */
export function refResolver(doc: OpenApiDocument & { definitions?: Record<string, Schema> }): (ref: string) => Schema | undefined {
  return (ref) => {
    const match = /^#\/(components\/schemas|definitions)\/(.+)$/.exec(ref);
    if (!match) return undefined;
    const holder = match[1] === 'definitions' ? doc.definitions : doc.components?.schemas;
    return holder?.[decodeURIComponent(match[2] ?? '').replaceAll('~1', '/').replaceAll('~0', '~')];
  };
}

interface Context {
  resolve: (ref: string) => Schema | undefined;
  /** Refs being expanded on the way here: a ref met again is recursion, which a CRD cannot express. */
  expanding: readonly string[];
  path: string;
}

/** Inlines `$ref` and `allOf` (as the API server's documents use them: `allOf: [{$ref}]` plus siblings). */
function expand(node: Schema, ctx: Context): { node: Schema; ctx: Context; recursive: boolean } {
  let out: Schema = { ...node };
  let current = ctx;
  const ref = out.$ref;
  if (typeof ref === 'string') {
    delete out.$ref;
    const target = current.resolve(ref);
    if (!target) throw new SchemaError(`${ctx.path || '<root>'}: cannot resolve $ref ${ref}`);
    if (current.expanding.includes(ref)) return { node: { type: target.type }, ctx: current, recursive: true };
    const inner = expand(target, { ...current, expanding: [...current.expanding, ref] });
    if (inner.recursive) return inner;
    out = { ...inner.node, ...out };
    current = inner.ctx;
  }
  const allOf = out.allOf;
  if (Array.isArray(allOf)) {
    delete out.allOf;
    for (const part of allOf) {
      if (!isObject(part)) continue;
      const inner = expand(part, current);
      if (inner.recursive) return inner;
      out = mergeSchemas(out, inner.node);
      current = inner.ctx;
    }
  }
  return { node: out, ctx: current, recursive: false };
}

function mergeSchemas(a: Schema, b: Schema): Schema {
  const merged: Schema = { ...b, ...a };
  if (isObject(a.properties) || isObject(b.properties)) {
    merged.properties = { ...(isObject(b.properties) ? b.properties : {}), ...(isObject(a.properties) ? a.properties : {}) };
  }
  const required = [...(Array.isArray(a.required) ? a.required : []), ...(Array.isArray(b.required) ? b.required : [])];
  if (required.length > 0) merged.required = [...new Set(required)];
  if (a.type === undefined && b.type !== undefined) merged.type = b.type;
  return merged;
}

const freeForm = (type?: unknown): Schema => (type === 'object' ? { type: 'object', [PRESERVE]: true } : { [PRESERVE]: true });

/** What a oneOf/anyOf without a type of its own becomes. */
function unionSchema(branches: unknown[], ctx: Context): Schema {
  const concrete: Schema[] = [];
  let nullable = false;
  for (const branch of branches) {
    if (!isObject(branch)) continue;
    const { node } = expand(branch, ctx);
    if (node.type === 'null') nullable = true;
    else concrete.push(node);
  }
  const types = new Set(concrete.map((b) => b.type));
  const withNull = (s: Schema): Schema => (nullable ? { ...s, nullable: true } : s);
  // IntOrString is integer|string; Quantity is string|number. A CRD expresses both as int-or-string.
  if (types.has('string') && (types.has('integer') || types.has('number')) && [...types].every((t) => ['string', 'integer', 'number'].includes(t as string))) {
    return withNull({ [INT_OR_STRING]: true });
  }
  if (concrete.length === 1) return withNull(convertNode(concrete[0]!, ctx));
  return withNull(freeForm());
}

function convertNode(input: Schema, outer: Context): Schema {
  const { node, ctx, recursive } = expand(input, outer);
  if (recursive) return freeForm(node.type ?? 'object');
  if (node[INT_OR_STRING] === true) return node.nullable === true ? { [INT_OR_STRING]: true, nullable: true } : { [INT_OR_STRING]: true };
  if (node.type === undefined) {
    const union = Array.isArray(node.oneOf) ? node.oneOf : Array.isArray(node.anyOf) ? node.anyOf : undefined;
    if (union) return unionSchema(union, ctx);
    if (isObject(node.properties) || isObject(node.additionalProperties)) node.type = 'object';
    else if (node.items !== undefined) node.type = 'array';
    else return freeForm();
  }
  const out: Schema = { type: node.type };
  if (typeof node.format === 'string' && KNOWN_FORMATS.has(node.format)) out.format = node.format;
  for (const key of VALUE_KEYWORDS) if (node[key] !== undefined) out[key] = node[key];
  // OpenAPI 3.0 writes exclusive bounds as booleans next to minimum/maximum, 3.1 as the bound itself.
  for (const [key, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (node[key] === true && out[bound] !== undefined) out[key] = true;
    else if (typeof node[key] === 'number') {
      out[bound] = node[key];
      out[key] = true;
    }
  }
  if (node[PRESERVE] === true) out[PRESERVE] = true;

  if (node.type === 'object') {
    const properties = isObject(node.properties) ? node.properties : undefined;
    if (properties && Object.keys(properties).length > 0) {
      const props: Record<string, Schema> = {};
      for (const [name, child] of Object.entries(properties)) {
        if (isObject(child)) props[name] = convertNode(child, { ...ctx, path: `${ctx.path}.${name}` });
      }
      out.properties = props;
      // A required field with a default is filled in by the member's API server; a template may omit it.
      const hasDefault = (name: string) => isObject(properties[name]) && expand(properties[name] as Schema, ctx).node.default !== undefined;
      const required = Array.isArray(node.required)
        ? node.required.filter((r): r is string => typeof r === 'string' && r in props && !hasDefault(r))
        : [];
      if (required.length > 0) out.required = required;
    } else {
      const additional = node.additionalProperties;
      if (isObject(additional) && Object.keys(additional).length > 0) {
        out.additionalProperties = convertNode(additional, { ...ctx, path: `${ctx.path}[*]` });
      } else {
        // A map of anything, or an object the schema says nothing about (RawExtension, FieldsV1): keep it all.
        out[PRESERVE] = true;
      }
    }
    if (node[EMBEDDED] === true) out[EMBEDDED] = true;
  } else if (node.type === 'array') {
    out.items = isObject(node.items) ? convertNode(node.items, { ...ctx, path: `${ctx.path}[]` }) : freeForm();
  }
  return out;
}

/** The structural form of any schema node; `resolve` looks up `$ref`s. */
export function toStructuralSchema(schema: Schema, resolve: (ref: string) => Schema | undefined = () => undefined): Schema {
  return convertNode(schema, { resolve, expanding: [], path: '' });
}

/**
 * The schema of `spec.template` in a Federated<X> CRD from the target kind's schema: structural, with
 * `metadata` free-form (the API server owns its schema; the sync controller sets name and namespace),
 * without `status` (never propagated), and with no required top-level fields (a template may leave
 * apiVersion, kind and even spec to the defaults and overrides).
 */
export function templateSchema(kindSchema: Schema, resolve?: (ref: string) => Schema | undefined): Schema {
  const converted = toStructuralSchema(kindSchema, resolve);
  if (!isObject(converted.properties)) return { type: 'object', [PRESERVE]: true };
  const properties: Record<string, Schema> = { ...(converted.properties as Record<string, Schema>) };
  delete properties.status;
  properties.metadata = { type: 'object', [PRESERVE]: true };
  const { required: _required, ...rest } = converted;
  return { ...rest, type: 'object', properties };
}
