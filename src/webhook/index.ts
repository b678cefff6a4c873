// The admission webhook: pure admission rules per kind, the finalizer it adds to new federated objects, and the HTTPS server.
export * from './validate.js';
export * from './server.js';
export * from './sync-finalizer.js';
export * from './kubefedconfig-defaults.js';
export * from './synced-types.js';
