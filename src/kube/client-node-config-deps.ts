// What @kubernetes/client-node's config.js takes from its generated API index (./gen/index.js), without
// the rest of that index. The bundler (hack/lib/bundle.ts) points config.js's import here.
export { createConfiguration } from '@kubernetes/client-node/dist/gen/configuration.js';
export { ServerConfiguration } from '@kubernetes/client-node/dist/gen/servers.js';
