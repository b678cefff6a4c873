// Reads the kubeconfig the way kubectl does (--kubeconfig, else $KUBECONFIG, else ~/.kube/config) and hands
// out one KubeConfig per context, so that host and member never share credentials by accident.
import { readFileSync } from 'node:fs';
import { KubeConfig, type Cluster } from '../kube/kubeconfig.js';
import { CliError } from './errors.js';

export class KubeconfigSource {
  private constructor(
    private readonly kc: KubeConfig,
    /** For messages: the file(s) the contexts came from. */
    readonly origin: string,
  ) {}

  static load(path: string | undefined): KubeconfigSource {
    const kc = new KubeConfig();
    try {
      if (path) kc.loadFromFile(path);
      else kc.loadFromDefault();
    } catch (err) {
      throw new CliError(`cannot read kubeconfig ${path ?? '(default)'}: ${(err as Error).message}`, 1, { cause: err });
    }
    const origin = path ?? process.env.KUBECONFIG ?? '~/.kube/config';
    return new KubeconfigSource(kc, origin);
  }

  contextNames(): string[] {
    return this.kc.getContexts().map((c) => c.name);
  }

  /** The context given, else the kubeconfig's current one; an unknown name is an error listing the known ones. */
  resolveContext(name: string | undefined, flag: string): string {
    const chosen = name ?? (this.kc.getCurrentContext() || undefined);
    if (!chosen) {
      throw new CliError(`no ${flag} given and kubeconfig ${this.origin} has no current context; ${this.availableContexts()}`);
    }
    if (!this.kc.getContextObject(chosen)) {
      throw new CliError(`context "${chosen}" not found in kubeconfig ${this.origin}; ${this.availableContexts()}`);
    }
    return chosen;
  }

  private availableContexts(): string {
    const names = this.contextNames();
    return names.length > 0 ? `available contexts: ${names.join(', ')}` : 'it has no contexts at all';
  }

  /** A KubeConfig holding the same entries with `context` current. */
  forContext(context: string): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: this.kc.clusters,
      users: this.kc.users,
      contexts: this.kc.contexts,
      currentContext: context,
    });
    return kc;
  }

  /** The cluster entry a context points at. */
  clusterOf(context: string): Cluster {
    const ctx = this.kc.getContextObject(context);
    const cluster = ctx ? this.kc.getCluster(ctx.cluster) : null;
    if (!cluster) throw new CliError(`context "${context}" refers to cluster "${ctx?.cluster}", which kubeconfig ${this.origin} does not define`);
    return cluster;
  }

  /** The namespace a context selects, or undefined. */
  namespaceOf(context: string): string | undefined {
    return this.kc.getContextObject(context)?.namespace || undefined;
  }
}

/** How the control plane reaches a member, from its kubeconfig entry: endpoint, CA (base64), TLS, proxy. */
export interface MemberEndpoint {
  server: string;
  /** Base64 PEM, as in `certificate-authority-data`; undefined when the kubeconfig has none. */
  caBundle: string | undefined;
  insecureSkipTLSVerify: boolean;
  proxyURL: string | undefined;
}

export function memberEndpoint(cluster: Cluster): MemberEndpoint {
  let caBundle = cluster.caData || undefined;
  if (!caBundle && cluster.caFile) {
    try {
      caBundle = readFileSync(cluster.caFile).toString('base64');
    } catch (err) {
      throw new CliError(`cannot read certificate-authority ${cluster.caFile} of cluster "${cluster.name}": ${(err as Error).message}`);
    }
  }
  return {
    server: cluster.server,
    caBundle,
    insecureSkipTLSVerify: cluster.skipTLSVerify === true,
    proxyURL: cluster.proxyUrl || undefined,
  };
}
