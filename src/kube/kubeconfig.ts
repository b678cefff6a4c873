// KubeConfig from @kubernetes/client-node's own module rather than the package index: the index also loads
// the whole generated API (every model and client class), which the processes here never use (they talk
// to API servers through kube/rest-client.ts). In the bundled processes (hack/lib/bundle.ts) that keeps
// ~40 MiB of resident memory out of each.
export { KubeConfig } from '@kubernetes/client-node/dist/config.js';
export type { Cluster, Context, User } from '@kubernetes/client-node/dist/config_types.js';
