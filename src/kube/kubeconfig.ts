// KubeConfig from @kubernetes/client-node's own module rather than the package index: the index also loads
// the whole generated API (every model and client class), which the processes here never use (they talk
// to API servers through kube/rest-client.ts). With kube/lean-loader.ts registered, that saves ~40 MiB of
// resident memory per process.
export { KubeConfig } from '@kubernetes/client-node/dist/config.js';
export type { Cluster, Context, User } from '@kubernetes/client-node/dist/config_types.js';
