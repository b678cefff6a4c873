import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { int32, int64, withCelRules } from '../../../src/api/common.js';
import {
  StructuralSchemaError,
  toStructuralSchema,
  zodToStructuralSchema,
  type JSONSchemaProps,
} from '../../../src/api/crd/structural-schema.js';

const field = (schema: z.ZodType): JSONSchemaProps | undefined =>
  zodToStructuralSchema(z.object({ f: schema })).properties?.f;

describe('zodToStructuralSchema: leaves', () => {
  it.each<[string, z.ZodType, JSONSchemaProps]>([
    ['string', z.string(), { type: 'string' }],
    ['bounded string', z.string().min(1).max(5), { type: 'string', minLength: 1, maxLength: 5 }],
    ['pattern', z.string().regex(/^a+$/), { type: 'string', pattern: '^a+$' }],
    ['two patterns', z.string().regex(/^a/).regex(/b$/), { type: 'string', allOf: [{ pattern: '^a' }, { pattern: 'b$' }] }],
    ['boolean', z.boolean(), { type: 'boolean' }],
    ['number', z.number(), { type: 'number' }],
    ['number > 0', z.number().gt(0), { type: 'number', minimum: 0, exclusiveMinimum: true }],
    ['z.int() is int64', z.int(), { type: 'integer', format: 'int64' }],
    ['z.int32()', z.int32(), { type: 'integer', format: 'int32' }],
    ['z.int32().min(0)', z.int32().min(0), { type: 'integer', format: 'int32', minimum: 0 }],
    ['int32()', int32(), { type: 'integer', format: 'int32' }],
    ['int64().min(1)', int64().min(1), { type: 'integer', format: 'int64', minimum: 1 }],
    ['int64().max(10)', int64().max(10), { type: 'integer', format: 'int64', maximum: 10 }],
    ['datetime', z.iso.datetime({ offset: true }), { type: 'string', format: 'date-time' }],
    ['base64', z.base64(), { type: 'string', format: 'byte' }],
    ['enum', z.enum(['A', 'B']), { type: 'string', enum: ['A', 'B'] }],
    ['literal', z.literal('A'), { type: 'string', enum: ['A'] }],
    ['union of literals', z.union([z.literal('A'), z.literal('B')]), { type: 'string', enum: ['A', 'B'] }],
    ['nullable', z.string().nullable(), { type: 'string', nullable: true }],
    ['default', z.string().default('x'), { type: 'string', default: 'x' }],
    ['description', z.string().describe('hi'), { type: 'string', description: 'hi' }],
    [
      'CEL rule',
      withCelRules(z.string(), [{ rule: 'self != "x"', message: 'no x' }]),
      { type: 'string', 'x-kubernetes-validations': [{ rule: 'self != "x"', message: 'no x' }] },
    ],
    [
      'preserve-unknown value',
      z.unknown().meta({ 'x-kubernetes-preserve-unknown-fields': true }),
      { 'x-kubernetes-preserve-unknown-fields': true },
    ],
    [
      'int-or-string',
      z.union([z.int(), z.string()]).meta({ 'x-kubernetes-int-or-string': true }),
      { 'x-kubernetes-int-or-string': true },
    ],
  ])('%s', (_title, schema, expected) => {
    expect(field(schema)).toEqual(expected);
  });
});

describe('zodToStructuralSchema: objects, maps and lists', () => {
  it('keeps required fields and leaves optional and defaulted ones out', () => {
    expect(zodToStructuralSchema(z.object({ a: z.string(), b: z.string().optional(), c: z.int().default(1) }))).toEqual({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'string' }, c: { type: 'integer', format: 'int64', default: 1 } },
      required: ['a'],
    });
  });

  it('drops additionalProperties: false of strict objects', () => {
    expect(zodToStructuralSchema(z.strictObject({ a: z.string() }))).toEqual({
      type: 'object',
      properties: { a: { type: 'string' } },
      required: ['a'],
    });
  });

  it('renders a record as a map', () => {
    expect(field(z.record(z.string(), z.object({ n: z.int32() })))).toEqual({
      type: 'object',
      additionalProperties: { type: 'object', properties: { n: { type: 'integer', format: 'int32' } }, required: ['n'] },
    });
  });

  it('renders an open object as preserve-unknown-fields', () => {
    expect(field(z.record(z.string(), z.unknown()).meta({ 'x-kubernetes-preserve-unknown-fields': true }))).toEqual({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    expect(field(z.looseObject({}).meta({ 'x-kubernetes-preserve-unknown-fields': true }))).toEqual({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
  });

  it('keeps an empty closed object', () => {
    expect(field(z.object({}))).toEqual({ type: 'object', properties: {} });
  });

  it('renders a prefaulted section with default {}', () => {
    expect(field(z.object({ a: z.string().default('x') }).prefault({}))).toEqual({
      type: 'object',
      default: {},
      properties: { a: { type: 'string', default: 'x' } },
    });
  });

  it('renders lists with their extensions and bounds', () => {
    const list = z
      .array(z.object({ name: z.string() }))
      .max(4)
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] });
    expect(field(list)).toEqual({
      type: 'array',
      maxItems: 4,
      items: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    });
  });

  it('renders the input side of a transform', () => {
    expect(field(z.string().transform((s) => s.length))).toEqual({ type: 'string' });
  });
});

describe('toStructuralSchema: plain JSON Schema input', () => {
  it.each<[string, Record<string, unknown>, JSONSchemaProps]>([
    ['drops $schema', { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'string' }, { type: 'string' }],
    ['const', { type: 'string', const: 'x' }, { type: 'string', enum: ['x'] }],
    ['type with null', { type: ['integer', 'null'] }, { type: 'integer', format: 'int64', nullable: true }],
    ['anyOf with null', { anyOf: [{ type: 'string' }, { type: 'null' }] }, { type: 'string', nullable: true }],
    [
      'numeric exclusive bounds (draft 2020-12)',
      { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
      { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true },
    ],
    [
      'resolves $ref',
      { type: 'object', properties: { a: { $ref: '#/$defs/S' } }, $defs: { S: { type: 'string', maxLength: 3 } } },
      { type: 'object', properties: { a: { type: 'string', maxLength: 3 } } },
    ],
    [
      'drops propertyNames of string keys',
      { type: 'object', propertyNames: { type: 'string' }, additionalProperties: { type: 'boolean' } },
      { type: 'object', additionalProperties: { type: 'boolean' } },
    ],
  ])('%s', (_title, input, expected) => {
    expect(toStructuralSchema(input)).toEqual(expected);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['untyped field', { type: 'object', properties: { a: {} } }, '.a: no type'],
    ['untyped map values', { type: 'object', additionalProperties: {} }, 'x-kubernetes-preserve-unknown-fields'],
    [
      'union of types',
      { type: 'object', properties: { a: { anyOf: [{ type: 'string' }, { type: 'integer' }] } } },
      '.a: unions',
    ],
    ['several types', { type: ['string', 'integer'] }, 'several types'],
    ['tuple', { type: 'array', items: [{ type: 'string' }] }, 'tuples'],
    ['array without items', { type: 'array' }, 'item schema'],
    [
      'recursive $ref',
      { $defs: { N: { type: 'object', properties: { n: { $ref: '#/$defs/N' } } } }, $ref: '#/$defs/N' },
      'recursive',
    ],
    ['unknown $ref', { $ref: '#/$defs/Missing' }, 'cannot resolve'],
    ['unknown keyword', { type: 'string', if: {} }, 'unsupported JSON Schema keyword "if"'],
    [
      'constrained keys',
      { type: 'object', propertyNames: { enum: ['a'] }, additionalProperties: { type: 'string' } },
      'map keys',
    ],
    [
      'properties and additionalProperties',
      { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } },
      'both properties and additionalProperties',
    ],
  ])('rejects %s', (_title, input, message) => {
    expect(() => toStructuralSchema(input)).toThrow(StructuralSchemaError);
    expect(() => toStructuralSchema(input)).toThrow(message);
  });

  it('rejects zod types with no JSON form, naming the path', () => {
    expect(() => zodToStructuralSchema(z.object({ when: z.object({ at: z.date() }) }))).toThrow('.when.at: no type');
  });
});
