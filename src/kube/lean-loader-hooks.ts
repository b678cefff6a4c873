// Module resolution hook (node:module register), run by Node's loader for every import once registered by
// kube/lean-loader.ts. It changes one edge: @kubernetes/client-node's config.js imports its generated API
// index for two names only, and the index drags every generated model and client class (~40 MiB resident)
// into the process. That import resolves to client-node-config-deps.js, which exports those two names.
// Every other import, including the index itself when something else asks for it, resolves as usual.
interface ResolveContext {
  parentURL?: string;
}
type NextResolve = (specifier: string, context?: ResolveContext) => Promise<unknown>;

const CONFIG_MODULE = '/node_modules/@kubernetes/client-node/dist/config.js';
const CONFIG_DEPS = new URL('./client-node-config-deps.js', import.meta.url).href;

export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<unknown> {
  if (specifier === './gen/index.js' && context.parentURL?.endsWith(CONFIG_MODULE)) return nextResolve(CONFIG_DEPS, context);
  return nextResolve(specifier, context);
}
