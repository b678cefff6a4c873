// Finds the API resource a user means by a name (`deployments.apps`, `deploy`, `Deployment`,
// `gadgets.example.kubefed.io`) through the host's discovery documents, as kubectl does.
import type { ResourceType } from '../kube/types.js';
import { CliError } from './errors.js';
import type { ContextClient } from './client.js';

export interface ApiResource extends ResourceType {
  singular: string;
  shortNames: string[];
  verbs: string[];
  /** Whether `version` is the group's preferred version. */
  preferred: boolean;
}

interface APIResourceList {
  groupVersion?: string;
  resources?: Array<{ name: string; singularName?: string; namespaced?: boolean; kind: string; verbs?: string[]; shortNames?: string[] }>;
}

interface APIGroupList {
  groups?: Array<{ name: string; versions?: Array<{ groupVersion: string; version: string }>; preferredVersion?: { version: string } }>;
}

const DISCOVERY: ResourceType = { group: '', version: 'v1', plural: 'discovery documents (/api, /apis)', kind: 'APIResourceList', namespaced: false };

/** Resources of one discovery document, subresources left out. */
export function resourcesOf(list: APIResourceList, group: string, version: string, preferred: boolean): ApiResource[] {
  return (list.resources ?? [])
    .filter((r) => !r.name.includes('/'))
    .map((r) => ({
      group,
      version,
      plural: r.name,
      kind: r.kind,
      namespaced: r.namespaced === true,
      singular: r.singularName || r.kind.toLowerCase(),
      shortNames: r.shortNames ?? [],
      verbs: r.verbs ?? [],
      preferred,
    }));
}

/** Every resource the cluster serves: all versions of every group (groups that fail to answer are skipped). */
export async function discoverResources(client: ContextClient): Promise<ApiResource[]> {
  const core = await client.getPath<APIResourceList>('/api/v1', DISCOVERY);
  const groups = await client.getPath<APIGroupList>('/apis', DISCOVERY);
  const versions = (groups.groups ?? []).flatMap((g) =>
    (g.versions ?? []).map((v) => ({ group: g.name, version: v.version, preferred: g.preferredVersion?.version === v.version })),
  );
  const lists = await Promise.all(
    versions.map(async (gv) => {
      try {
        const list = await client.getPath<APIResourceList>(`/apis/${gv.group}/${gv.version}`, DISCOVERY);
        return resourcesOf(list, gv.group, gv.version, gv.preferred);
      } catch {
        // An aggregated API that is down must not make every other type unusable.
        return [];
      }
    }),
  );
  return [...resourcesOf(core, '', 'v1', true), ...lists.flat()];
}

/**
 * The resource `query` names: its plural, singular, kind or a short name (any case), optionally qualified by
 * its group (`deployments.apps`, `Deployment.apps`). Only the preferred version of each group is considered
 * unless `version` is given. A name served by several groups resolves to the core group, else is ambiguous.
 */
export function resolveResource(resources: readonly ApiResource[], query: string, version?: string): ApiResource {
  const q = query.toLowerCase();
  const candidates = resources.filter((r) => (version ? r.version === version : r.preferred));
  const names = (r: ApiResource) => [r.plural, r.singular, r.kind.toLowerCase(), ...r.shortNames.map((s) => s.toLowerCase())];
  const qualified = candidates.filter((r) => r.group && names(r).some((n) => `${n}.${r.group}` === q));
  const matches = qualified.length > 0 ? qualified : candidates.filter((r) => names(r).includes(q));
  if (matches.length === 0) {
    const otherVersions = version ? [] : resources.filter((r) => names(r).includes(q) || names(r).some((n) => `${n}.${r.group}` === q));
    const hint = otherVersions.length > 0 ? ` (it is served in version ${[...new Set(otherVersions.map((r) => r.version))].join(', ')}; pass --version)` : '';
    throw new CliError(
      `the host cluster does not serve a resource type "${query}"${version ? ` in version ${version}` : ''}${hint}; ` +
        'name it by plural, singular, kind or short name, optionally with its group (e.g. deployments.apps)',
    );
  }
  const groups = [...new Set(matches.map((r) => r.group))];
  if (groups.length > 1) {
    const core = matches.find((r) => r.group === '');
    if (core) return core;
    const options = matches.map((r) => `${r.plural}.${r.group}`).sort();
    throw new CliError(`"${query}" is ambiguous: it names ${options.join(', ')}; use one of those full names`);
  }
  return matches[0]!;
}
