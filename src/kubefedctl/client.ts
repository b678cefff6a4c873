// One API client per kubeconfig context, over our RestClient (raw JSON, so no field is lost), whose every
// failure is explained with the context and the operation (see errors.ts).
import { RestClient, resourcePath } from '../kube/rest-client.js';
import type { KubeObject, ResourceType } from '../kube/types.js';
import { explainApiError, type Operation } from './errors.js';
import type { KubeconfigSource } from './kubeconfig.js';
import { isNotFound } from '../kube/errors.js';

export const FIELD_MANAGER = 'kubefedctl';
const REQUEST_TIMEOUT_MS = 20_000;

export class ContextClient {
  constructor(
    readonly context: string,
    readonly rest: RestClient,
  ) {}

  get server(): string {
    return this.rest.server;
  }

  private async call<T>(op: Operation, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw explainApiError(err, this.context, this.server, op);
    }
  }

  /** The object, or undefined when it does not exist. */
  async get<T = KubeObject>(type: ResourceType, name: string, namespace?: string): Promise<T | undefined> {
    try {
      return await this.rest.get<T>(type, name, namespace);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw explainApiError(err, this.context, this.server, { verb: 'get', type, name, namespace });
    }
  }

  /** Every object of a type (all pages), in one namespace or everywhere. */
  async list<T = KubeObject>(
    type: ResourceType,
    query: { namespace?: string; labelSelector?: string; limit?: number } = {},
  ): Promise<T[]> {
    const items: T[] = [];
    let cont: string | undefined;
    do {
      const page = await this.call({ verb: 'list', type, namespace: query.namespace }, () =>
        this.rest.list<T>(type, { ...query, limit: query.limit ?? 500, continue: cont }),
      );
      items.push(...page.items);
      cont = query.limit ? undefined : page.metadata.continue || undefined;
    } while (cont);
    return items;
  }

  create<T = KubeObject>(type: ResourceType, body: KubeObject): Promise<T> {
    const namespace = body.metadata?.namespace;
    return this.call({ verb: 'create', type, name: body.metadata?.name, namespace }, () => this.rest.create<T>(type, body, FIELD_MANAGER));
  }

  /** Server-side apply as field manager `kubefedctl` (forcing conflicts: the command line is authoritative). */
  apply<T = KubeObject>(type: ResourceType, body: KubeObject): Promise<T> {
    const { name, namespace } = body.metadata ?? {};
    return this.call({ verb: 'patch', type, name, namespace }, () => this.rest.apply<T>(type, body, FIELD_MANAGER));
  }

  mergePatch<T = KubeObject>(type: ResourceType, name: string, namespace: string | undefined, patch: unknown): Promise<T> {
    return this.call({ verb: 'patch', type, name, namespace }, () =>
      this.rest.mergePatch<T>(type, name, namespace, patch, { fieldManager: FIELD_MANAGER }),
    );
  }

  /** Deletes; false when it was already gone. */
  async delete(type: ResourceType, name: string, namespace?: string, options?: Record<string, unknown>): Promise<boolean> {
    try {
      await this.rest.delete(type, name, namespace, options);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw explainApiError(err, this.context, this.server, { verb: 'delete', type, name, namespace });
    }
  }

  /** GET of a non-resource path (discovery, OpenAPI); `what` names it in errors. */
  getPath<T>(path: string, what: ResourceType): Promise<T> {
    return this.call({ verb: 'get', type: what }, () => this.rest.request<T>('GET', path));
  }

  /** Whether a type is served (a LIST of at most one object succeeds). */
  async serves(type: ResourceType, namespace?: string): Promise<boolean> {
    try {
      await this.rest.request('GET', resourcePath(type, { namespace }), { query: { limit: 1 }, verb: 'LIST' });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw explainApiError(err, this.context, this.server, { verb: 'list', type, namespace });
    }
  }
}

/** The clients of one command run, by context; `close()` releases their connections so the process can exit. */
export class Clients {
  private readonly clients = new Map<string, Promise<ContextClient>>();

  constructor(readonly kubeconfig: KubeconfigSource) {}

  for(context: string): Promise<ContextClient> {
    let client = this.clients.get(context);
    if (!client) {
      client = RestClient.fromKubeConfig(this.kubeconfig.forContext(context), {
        name: context,
        timeoutMs: REQUEST_TIMEOUT_MS,
        userAgent: 'kubefedctl',
      }).then((rest) => new ContextClient(context, rest));
      this.clients.set(context, client);
    }
    return client;
  }

  async close(): Promise<void> {
    for (const client of this.clients.values()) {
      try {
        (await client).rest.close();
      } catch {
        // A client that never got built has nothing to close.
      }
    }
    this.clients.clear();
  }
}
