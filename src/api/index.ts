// The kubefed-ts API: zod schemas and types of the KubeFed-compatible resources, their constants, the
// default federated types, and the CRDs generated from the schemas.
export * from './constants.js';
export * from './common.js';
export * from './duration.js';
export * from './kubefedcluster.js';
export * from './kubefedconfig.js';
export * from './pull-mode.js';
export * from './federatedtypeconfig.js';
export * from './replicaschedulingpreference.js';
export * from './propagatedversion.js';
export * from './federated-resource.js';
export * from './default-types.js';
export * from './crd/index.js';
