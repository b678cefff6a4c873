// The validating admission webhook: pure admission rules per kind and the HTTPS server that applies them.
export * from './validate.js';
export * from './server.js';
