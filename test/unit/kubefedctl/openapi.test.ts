import { describe, expect, it } from 'vitest';
import {
  findKindSchema,
  refResolver,
  templateSchema,
  toStructuralSchema,
  type OpenApiDocument,
  type Schema,
} from '../../../src/kubefedctl/openapi.js';

const PRESERVE = { 'x-kubernetes-preserve-unknown-fields': true };

// A miniature of what kube-apiserver publishes at /openapi/v3/apis/apps/v1.
const doc: OpenApiDocument = {
  components: {
    schemas: {
      'io.k8s.api.apps.v1.Deployment': {
        description: 'Deployment enables declarative updates.',
        type: 'object',
        required: ['spec'],
        properties: {
          apiVersion: { type: 'string', description: 'APIVersion' },
          kind: { type: 'string' },
          metadata: { default: {}, allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }] },
          spec: { default: {}, allOf: [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec' }] },
          status: { default: {}, allOf: [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentStatus' }] },
        },
        'x-kubernetes-group-version-kind': [{ group: 'apps', kind: 'Deployment', version: 'v1' }],
      },
      'io.k8s.api.apps.v1.DeploymentSpec': {
        type: 'object',
        required: ['selector', 'template'],
        properties: {
          replicas: { type: 'integer', format: 'int32', description: 'Number of desired pods.' },
          selector: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector' },
          template: { default: {}, allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodTemplateSpec' }] },
          maxSurge: { allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString' }] },
        },
      },
      'io.k8s.api.apps.v1.DeploymentStatus': { type: 'object', properties: { replicas: { type: 'integer' } } },
      'io.k8s.api.core.v1.PodTemplateSpec': {
        type: 'object',
        properties: {
          metadata: { default: {}, allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }] },
          spec: {
            type: 'object',
            properties: {
              containers: {
                type: 'array',
                items: { default: {}, allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.Container' }] },
                'x-kubernetes-list-map-keys': ['name'],
                'x-kubernetes-list-type': 'map',
                'x-kubernetes-patch-merge-key': 'name',
                'x-kubernetes-patch-strategy': 'merge',
              },
            },
          },
        },
      },
      'io.k8s.api.core.v1.Container': {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string' },
          imagePullPolicy: { type: 'string', enum: ['Always', 'IfNotPresent', 'Never'] },
          limits: {
            type: 'object',
            additionalProperties: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity' },
          },
          ports: {
            type: 'array',
            items: {
              type: 'object',
              required: ['containerPort', 'protocol'],
              properties: {
                containerPort: { type: 'integer', format: 'int32' },
                protocol: { type: 'string', default: 'TCP' },
              },
            },
          },
        },
      },
      'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': {
        type: 'object',
        properties: {
          name: { type: 'string' },
          labels: { type: 'object', additionalProperties: { type: 'string', default: '' } },
          managedFields: { type: 'array', items: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1' } },
        },
      },
      'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1': { type: 'object', description: 'opaque' },
      'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector': {
        type: 'object',
        properties: { matchLabels: { type: 'object', additionalProperties: { type: 'string' } } },
        'x-kubernetes-map-type': 'atomic',
      },
      'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] },
      'io.k8s.apimachinery.pkg.api.resource.Quantity': { oneOf: [{ type: 'string' }, { type: 'number' }] },
    },
  },
};

describe('findKindSchema', () => {
  it('finds a kind by its x-kubernetes-group-version-kind', () => {
    expect(findKindSchema(doc, { group: 'apps', version: 'v1', kind: 'Deployment' })?.name).toBe('io.k8s.api.apps.v1.Deployment');
    expect(findKindSchema(doc, { group: 'apps', version: 'v1beta1', kind: 'Deployment' })).toBeUndefined();
    expect(findKindSchema(doc, { group: '', version: 'v1', kind: 'Deployment' })).toBeUndefined();
  });
});

describe('toStructuralSchema', () => {
  it.each<[string, Schema, Schema]>([
    ['keeps types, formats and value constraints', { type: 'integer', format: 'int32', minimum: 1, description: 'x' }, { type: 'integer', format: 'int32', minimum: 1 }],
    ['drops unknown formats', { type: 'string', format: 'int-or-string' }, { type: 'string' }],
    ['drops defaults and list semantics', { type: 'array', items: { type: 'string', default: 'a' }, 'x-kubernetes-list-type': 'set', uniqueItems: true }, { type: 'array', items: { type: 'string' } }],
    ['integer|string is int-or-string', { oneOf: [{ type: 'integer' }, { type: 'string' }] }, { 'x-kubernetes-int-or-string': true }],
    ['string|number (Quantity) is int-or-string', { anyOf: [{ type: 'string' }, { type: 'number' }] }, { 'x-kubernetes-int-or-string': true }],
    ['a nullable union keeps its one type', { anyOf: [{ type: 'string' }, { type: 'null' }] }, { type: 'string', nullable: true }],
    ['other unions keep anything', { oneOf: [{ type: 'string' }, { type: 'object' }] }, PRESERVE],
    ['unions beside a type are only value checks', { type: 'object', properties: { a: { type: 'string' } }, oneOf: [{ required: ['a'] }] }, { type: 'object', properties: { a: { type: 'string' } } }],
    ['int-or-string flag passes through', { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }], pattern: 'x' }, { 'x-kubernetes-int-or-string': true }],
    ['an object without properties keeps anything', { type: 'object' }, { type: 'object', ...PRESERVE }],
    ['a map of anything keeps anything', { type: 'object', additionalProperties: true }, { type: 'object', ...PRESERVE }],
    ['a typed map stays a map', { type: 'object', additionalProperties: { type: 'string' } }, { type: 'object', additionalProperties: { type: 'string' } }],
    ['no type at all keeps anything', { description: 'any' }, PRESERVE],
    ['properties imply an object', { properties: { a: { type: 'string' } } }, { type: 'object', properties: { a: { type: 'string' } } }],
    ['an array without items keeps any item', { type: 'array' }, { type: 'array', items: PRESERVE }],
    ['required names only known properties', { type: 'object', required: ['a', 'zz'], properties: { a: { type: 'string' } } }, { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }],
    ['a required field with a default is optional', { type: 'object', required: ['a', 'b'], properties: { a: { type: 'string', default: 'x' }, b: { type: 'string' } } }, { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, required: ['b'] }],
    ['OpenAPI 3.1 exclusive bounds', { type: 'number', exclusiveMinimum: 0 }, { type: 'number', minimum: 0, exclusiveMinimum: true }],
    ['CEL rules are left to the member', { type: 'object', properties: { a: { type: 'integer' } }, 'x-kubernetes-validations': [{ rule: 'self.a > 1' }] }, { type: 'object', properties: { a: { type: 'integer' } } }],
    ['embedded resources stay embedded', { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true }, { type: 'object', ...PRESERVE, 'x-kubernetes-embedded-resource': true }],
  ])('%s', (_name, input, expected) => {
    expect(toStructuralSchema(input)).toEqual(expected);
  });

  it('expands $ref, also inside allOf, merging properties', () => {
    const resolve = refResolver({ components: { schemas: { A: { type: 'object', properties: { a: { type: 'string' } } } } } });
    expect(toStructuralSchema({ allOf: [{ $ref: '#/components/schemas/A' }, { properties: { b: { type: 'integer' } } }] }, resolve)).toEqual({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'integer' } },
    });
  });

  it('cuts recursion with a free-form object (JSONSchemaProps refers to itself)', () => {
    const resolve = refResolver({
      components: {
        schemas: {
          Props: { type: 'object', properties: { type: { type: 'string' }, items: { $ref: '#/components/schemas/Props' } } },
        },
      },
    });
    expect(toStructuralSchema({ $ref: '#/components/schemas/Props' }, resolve)).toEqual({
      type: 'object',
      properties: { type: { type: 'string' }, items: { type: 'object', ...PRESERVE } },
    });
  });

  it('refuses a $ref it cannot resolve, naming the path', () => {
    expect(() => toStructuralSchema({ type: 'object', properties: { x: { $ref: '#/components/schemas/Missing' } } })).toThrow(
      /\.x: cannot resolve \$ref #\/components\/schemas\/Missing/,
    );
  });
});

describe('templateSchema', () => {
  const deployment = findKindSchema(doc, { group: 'apps', version: 'v1', kind: 'Deployment' })!.schema;
  const template = templateSchema(deployment, refResolver(doc));
  const props = template.properties as Record<string, Schema>;
  const spec = props.spec as { properties: Record<string, Schema>; required?: string[] };

  it('drops status and requires nothing at the top', () => {
    expect(Object.keys(props)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(template.required).toBeUndefined();
  });

  it('makes metadata free-form', () => {
    expect(props.metadata).toEqual({ type: 'object', ...PRESERVE });
  });

  it('keeps the target fields with their types', () => {
    expect(spec.properties.replicas).toEqual({ type: 'integer', format: 'int32' });
    expect(spec.properties.maxSurge).toEqual({ 'x-kubernetes-int-or-string': true });
    expect(spec.required).toEqual(['selector']); // template has a default
    const pod = (spec.properties.template as { properties: Record<string, Schema> }).properties;
    const container = ((pod.spec as { properties: Record<string, Schema> }).properties.containers as { items: Schema }).items as {
      properties: Record<string, Schema>;
      required: string[];
    };
    expect(container.required).toEqual(['name']);
    expect(container.properties.imagePullPolicy).toEqual({ type: 'string', enum: ['Always', 'IfNotPresent', 'Never'] });
    expect(container.properties.limits).toEqual({ type: 'object', additionalProperties: { 'x-kubernetes-int-or-string': true } });
    // Nested ObjectMeta is expanded; its opaque FieldsV1 keeps anything.
    const podMeta = pod.metadata as { properties: Record<string, Schema> };
    expect((podMeta.properties.managedFields as { items: Schema }).items).toEqual({ type: 'object', ...PRESERVE });
  });

  it('contains nothing a CRD rejects', () => {
    const text = JSON.stringify(template);
    for (const banned of ['$ref', 'allOf', 'oneOf', 'default', 'description', 'x-kubernetes-patch', 'x-kubernetes-list', 'x-kubernetes-map-type', '"format":"int-or-string"']) {
      expect(text).not.toContain(banned);
    }
  });

  it('keeps anything when the target has no schema of its own', () => {
    expect(templateSchema({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true })).toEqual({ type: 'object', ...PRESERVE });
  });
});
