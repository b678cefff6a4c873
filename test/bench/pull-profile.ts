// What the controller-manager's CPU went to in the pull benchmark's measured span, from its CPU profile (node
// --cpu-prof): the samples grouped by the work they serve, each group's share of the busy samples. Pure: the
// caller reads the profile and the compiled rest-client's source. Shares, not times: on a loaded machine a
// sample's interval is wall time, so the shares are applied to the process's own CPU time by the caller.
import type { CpuProfile } from './idle-cpu.js';

export const PROFILE_GROUPS = [
  'host and member requests (HTTP, TLS, JSON)',
  'watch streams (read, JSON.parse, informers)',
  'reconcile: render and hash',
  'reconcile: plan, status, ledger, queue',
  'pull: bundles and reports',
  'push: executors and member caches',
  'metrics and logs',
  'garbage collection',
  'other',
] as const;
export type ProfileGroup = (typeof PROFILE_GROUPS)[number];

/** Share of the busy samples (0..1) per group. */
export type ProfileShares = Record<ProfileGroup, number>;

const KUBEFED = /\/(?:src|dist)\/(.+?)\.(?:ts|js)$/;
/** Node's own HTTP, TLS and socket code: what a request costs outside our frames. */
const NODE_IO = /^node:(?:_http_|_tls_|https|http|net|tls|internal\/(?:streams|stream_base_commons|tls|http|net|url)|events|buffer|string_decoder)/;

/**
 * The rest-client method each line of its compiled source belongs to (`request` or `watch`): anonymous
 * closures inside them are told apart by where they sit.
 */
export function restClientMethods(source: string): (line: number) => 'request' | 'watch' | undefined {
  const starts: Array<{ line: number; method: string }> = [];
  source.split('\n').forEach((text, i) => {
    const m = /^ {4}(?:async )?([A-Za-z]\w*)\(.*\{\s*$/.exec(text);
    if (m) starts.push({ line: i + 1, method: m[1]! });
  });
  return (line) => {
    let method: string | undefined;
    for (const s of starts) if (s.line <= line) method = s.method;
    return method === 'request' || method === 'watch' ? method : undefined;
  };
}

function groupOfModule(module: string): ProfileGroup | undefined {
  if (module.startsWith('pull/')) return 'pull: bundles and reports';
  if (module === 'sync/render') return 'reconcile: render and hash';
  if (module.startsWith('sync/') || module.startsWith('queue/')) return 'reconcile: plan, status, ledger, queue';
  if (module.startsWith('execution/') || module.startsWith('members/')) return 'push: executors and member caches';
  if (module === 'kube/informer' || module === 'kube/informer-cache') return 'watch streams (read, JSON.parse, informers)';
  if (module.startsWith('metrics/') || module.startsWith('util/log')) return 'metrics and logs';
  return undefined;
}

/**
 * Groups the busy samples between `fromUs` and `toUs` (the profile's monotonic clock). A sample belongs to the
 * innermost kubefed-ts frame on its stack that says what it serves; the rest-client's frames count as requests or
 * watch streams; a stack with no kubefed-ts frame counts by its leaf (Node's HTTP and TLS code as requests).
 */
export function profileShares(profile: CpuProfile, fromUs: number, toUs: number, restClientSource: string): { busySamples: number; shares: ProfileShares } {
  const methodAt = restClientMethods(restClientSource);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, ProfileGroup>();
  const groupOf = (id: number): ProfileGroup => {
    const known = memo.get(id);
    if (known) return known;
    const leaf = byId.get(id)!.callFrame;
    let group: ProfileGroup | undefined;
    if (leaf.functionName === '(garbage collector)') group = 'garbage collection';
    for (let at: number | undefined = id; group === undefined && at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      const m = KUBEFED.exec(frame.url);
      if (m) {
        const module = m[1]!;
        if (module === 'kube/rest-client') {
          group = methodAt(frame.lineNumber + 1) === 'watch' ? 'watch streams (read, JSON.parse, informers)' : 'host and member requests (HTTP, TLS, JSON)';
        } else {
          group = groupOfModule(module);
        }
      } else if (/\/node_modules\/(?:prom-client|pino)/.test(frame.url)) {
        group = 'metrics and logs';
      }
    }
    if (group === undefined) group = leaf.functionName === 'writev' || NODE_IO.test(leaf.url) ? 'host and member requests (HTTP, TLS, JSON)' : 'other';
    memo.set(id, group);
    return group;
  };
  const counts = Object.fromEntries(PROFILE_GROUPS.map((g) => [g, 0])) as Record<ProfileGroup, number>;
  let busy = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < fromUs || t > toUs) continue;
    const id = profile.samples[i]!;
    if (byId.get(id)?.callFrame.functionName === '(idle)') continue;
    busy++;
    counts[groupOf(id)]++;
  }
  const shares = Object.fromEntries(PROFILE_GROUPS.map((g) => [g, busy > 0 ? counts[g] / busy : 0])) as ProfileShares;
  return { busySamples: busy, shares };
}
