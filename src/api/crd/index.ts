// CRD generation: zod → structural schema → CustomResourceDefinition → YAML.
export * from './structural-schema.js';
export * from './definitions.js';
export * from './render.js';
