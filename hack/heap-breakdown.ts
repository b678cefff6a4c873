// What a V8 heap snapshot (.heapsnapshot, e.g. from `node --heapsnapshot-signal=SIGUSR2`) holds, by owner:
// retained sizes from the dominator tree (as DevTools computes them), for the objects of the classes named on
// the command line and each of their properties, plus the heap's self sizes by constructor. Used to find what
// the controller-manager's heap holds at 10,000 federated objects (BENCHMARKS.md §4).
//
// Usage: node --max-old-space-size=8192 --import tsx hack/heap-breakdown.ts FILE [--json OUT] [Class ...]
//   default classes: SyncController Informer Ledger MemberCaches WorkQueue ClusterExecutor Executors
//   --json OUT  also writes the owners' retained sizes (each informer named by resource and cluster) to OUT,
//               e.g. bench/results/memory-heap.json, which BENCHMARKS.md §4 shows
//   --at F,M    the federated and member objects the process held (recorded in the JSON)
import { readFileSync, writeFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

const argv = process.argv.slice(2);
const jsonAt = argv.indexOf('--json');
const jsonOut = jsonAt >= 0 ? argv.splice(jsonAt, 2)[1] : undefined;
const atAt = argv.indexOf('--at');
const at = atAt >= 0 ? argv.splice(atAt, 2)[1]!.split(',').map(Number) : [];
const [file, ...classArgs] = argv;
if (!file) {
  process.stderr.write('usage: heap-breakdown.ts FILE [Class ...]\n');
  process.exit(2);
}
const classes = classArgs.length ? classArgs : ['SyncController', 'Informer', 'Ledger', 'MemberCaches', 'WorkQueue', 'ClusterExecutor', 'Executors'];
const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
const meta = snap.snapshot.meta;
const NF = meta.node_fields.length;
const EF = meta.edge_fields.length;
const nType = meta.node_fields.indexOf('type');
const nName = meta.node_fields.indexOf('name');
const nSelf = meta.node_fields.indexOf('self_size');
const nEdges = meta.node_fields.indexOf('edge_count');
const eType = meta.edge_fields.indexOf('type');
const eName = meta.edge_fields.indexOf('name_or_index');
const eTo = meta.edge_fields.indexOf('to_node');
const nodeTypes = meta.node_types[0];
const edgeTypes = meta.edge_types[0];
const WEAK = edgeTypes.indexOf('weak');
const SHORTCUT = edgeTypes.indexOf('shortcut');
const ELEMENT = edgeTypes.indexOf('element');
const HIDDEN = edgeTypes.indexOf('hidden');
const { nodes, edges, strings } = snap;
const N = nodes.length / NF;

const firstEdge = new Uint32Array(N + 1);
for (let i = 0, e = 0; i < N; i++) {
  firstEdge[i] = e;
  e += nodes[i * NF + nEdges]! * EF;
  firstEdge[i + 1] = e;
}
const typeOf = (i: number): string => nodeTypes[nodes[i * NF + nType]!]!;
const nameOf = (i: number): string => strings[nodes[i * NF + nName]!]!;
const selfOf = (i: number): number => nodes[i * NF + nSelf]!;
const followed = (e: number): boolean => edges[e + eType] !== WEAK && edges[e + eType] !== SHORTCUT;
const edgeName = (e: number): string => {
  const t = edges[e + eType]!;
  return t === ELEMENT || t === HIDDEN ? `[${edges[e + eName]}]` : strings[edges[e + eName]!]!;
};

// Post-order DFS from the root (node 0).
const post = new Int32Array(N).fill(-1);
const order: number[] = [];
{
  const stack = [0];
  const cursor = new Uint32Array(N);
  const seen = new Uint8Array(N);
  seen[0] = 1;
  for (let i = 0; i < N; i++) cursor[i] = firstEdge[i]!;
  while (stack.length) {
    const v = stack[stack.length - 1]!;
    if (cursor[v]! < firstEdge[v + 1]!) {
      const e = cursor[v]!;
      cursor[v] = e + EF;
      if (!followed(e)) continue;
      const w = edges[e + eTo]! / NF;
      if (!seen[w]) {
        seen[w] = 1;
        stack.push(w);
      }
    } else {
      stack.pop();
      post[v] = order.length;
      order.push(v);
    }
  }
}
// Predecessors (reachable nodes only).
const predCount = new Uint32Array(N + 1);
for (let v = 0; v < N; v++) {
  if (post[v]! < 0) continue;
  for (let e = firstEdge[v]!; e < firstEdge[v + 1]!; e += EF) if (followed(e)) predCount[edges[e + eTo]! / NF]!++;
}
const predStart = new Uint32Array(N + 1);
for (let i = 0; i < N; i++) predStart[i + 1] = predStart[i]! + predCount[i]!;
const preds = new Uint32Array(predStart[N]!);
const fill = predStart.slice(0, N);
for (let v = 0; v < N; v++) {
  if (post[v]! < 0) continue;
  for (let e = firstEdge[v]!; e < firstEdge[v + 1]!; e += EF) if (followed(e)) preds[fill[edges[e + eTo]! / NF]!++] = v;
}
// Cooper–Harvey–Kennedy iterative dominators, in post-order numbers.
const M = order.length;
const idom = new Int32Array(M).fill(-1);
const root = post[0]!;
idom[root] = root;
for (let changed = true; changed; ) {
  changed = false;
  for (let b = M - 1; b >= 0; b--) {
    if (b === root) continue;
    const v = order[b]!;
    let nd = -1;
    for (let p = predStart[v]!; p < predStart[v + 1]!; p++) {
      let q = post[preds[p]!]!;
      if (idom[q] === -1) continue;
      if (nd === -1) {
        nd = q;
        continue;
      }
      let a = nd;
      while (a !== q) {
        while (a < q) a = idom[a]!;
        while (q < a) q = idom[q]!;
      }
      nd = a;
    }
    if (nd !== -1 && idom[b] !== nd) {
      idom[b] = nd;
      changed = true;
    }
  }
}
const retained = new Float64Array(M);
for (let b = 0; b < M; b++) retained[b] = selfOf(order[b]!);
for (let b = 0; b < M; b++) if (b !== root && idom[b]! >= 0) retained[idom[b]!]! += retained[b]!;
const retainedOf = (v: number): number => (post[v]! >= 0 ? retained[post[v]!]! : 0);

const MiB = (n: number): string => (n / 2 ** 20).toFixed(2);
let total = 0;
for (let b = 0; b < M; b++) total += selfOf(order[b]!);
process.stdout.write(`${file}: ${N} nodes, reachable ${M}, ${MiB(total)} MiB reachable self size\n\n`);

// Self size by constructor / node type.
const byName = new Map<string, { n: number; self: number }>();
for (let b = 0; b < M; b++) {
  const v = order[b]!;
  const t = typeOf(v);
  const k = t === 'object' || t === 'closure' ? `${t}:${nameOf(v)}` : t;
  const s = byName.get(k) ?? { n: 0, self: 0 };
  s.n++;
  s.self += selfOf(v);
  byName.set(k, s);
}
process.stdout.write('self size by constructor (top 25):\n');
for (const [k, s] of [...byName].sort((a, b) => b[1].self - a[1].self).slice(0, 25)) {
  process.stdout.write(`  ${MiB(s.self).padStart(8)} MiB  ${String(s.n).padStart(9)}  ${k}\n`);
}

// Retained size of each instance of the named classes, and of each of its properties.
process.stdout.write('\nretained by owner:\n');
for (const cls of classes) {
  for (let v = 0; v < N; v++) {
    if (typeOf(v) !== 'object' || nameOf(v) !== cls || post[v]! < 0) continue;
    const r = retainedOf(v);
    if (r < 64 * 1024) continue;
    process.stdout.write(`  ${MiB(r).padStart(8)} MiB  ${cls} @${nodes[v * NF + meta.node_fields.indexOf('id')]}\n`);
    const props: Array<[string, number]> = [];
    for (let e = firstEdge[v]!; e < firstEdge[v + 1]!; e += EF) {
      if (!followed(e)) continue;
      const w = edges[e + eTo]! / NF;
      // Only what this object dominates counts as its own.
      if (post[w]! < 0 || idom[post[w]!] !== post[v]) continue;
      props.push([`${edgeName(e)} (${typeOf(w)}:${nameOf(w).slice(0, 40)})`, retainedOf(w)]);
    }
    for (const [name, size] of props.sort((a, b) => b[1] - a[1]).slice(0, 12)) {
      if (size < 16 * 1024) continue;
      process.stdout.write(`            ${MiB(size).padStart(8)} MiB  .${name}\n`);
    }
  }
}

// Largest dominators overall (what holds most), with their immediate dominator's name.
process.stdout.write('\nlargest retainers that are not the root or a system object (top 30):\n');
const candidates: number[] = [];
for (let b = 0; b < M; b++) {
  const v = order[b]!;
  const t = typeOf(v);
  if (retained[b]! > 512 * 1024 && (t === 'object' || t === 'closure' || t === 'array') && !nameOf(v).startsWith('system /')) candidates.push(b);
}
for (const b of candidates.sort((x, y) => retained[y]! - retained[x]!).slice(0, 30)) {
  const v = order[b]!;
  const owner = order[idom[b]!]!;
  process.stdout.write(`  ${MiB(retained[b]!).padStart(8)} MiB  ${typeOf(v)}:${nameOf(v).slice(0, 50)}  (held by ${typeOf(owner)}:${nameOf(owner).slice(0, 40)})\n`);
}

// Named owners for the report: each informer by resource and cluster, the sync controllers' own records.
const propTarget = (v: number, name: string): number | undefined => {
  for (let e = firstEdge[v]!; e < firstEdge[v + 1]!; e += EF) if (edgeName(e) === name) return edges[e + eTo]! / NF;
  return undefined;
};
const stringAt = (v: number | undefined, ...pathNames: string[]): string | undefined => {
  let at = v;
  for (const name of pathNames) at = at === undefined ? undefined : propTarget(at, name);
  return at !== undefined && typeOf(at).includes('string') ? nameOf(at) : undefined;
};
const owners: Array<{ owner: string; retainedMiB: number; entries?: number }> = [];
for (let v = 0; v < N; v++) {
  if (typeOf(v) !== 'object' || post[v]! < 0) continue;
  const cls = nameOf(v);
  if (cls === 'Informer') {
    const plural = stringAt(v, 'type', 'plural') ?? '?';
    const cluster = stringAt(v, 'client', 'name') ?? '?';
    owners.push({ owner: `informer ${plural} @ ${cluster}`, retainedMiB: Number(MiB(retainedOf(v))) });
  } else if (cls === 'SyncController' || cls === 'EventRecorder' || cls === 'WorkQueue' || cls === 'ClusterExecutor') {
    if (retainedOf(v) < 64 * 1024) continue;
    owners.push({ owner: cls === 'SyncController' ? `sync controller ${stringAt(v, 'name') ?? ''} (ledger, status and timing records)` : cls, retainedMiB: Number(MiB(retainedOf(v))) });
  }
}
owners.sort((a, b) => b.retainedMiB - a.retainedMiB);
owners.splice(owners.findIndex((o) => o.retainedMiB < 0.1) >>> 0);
process.stdout.write('\nowners:\n');
for (const o of owners) process.stdout.write(`  ${o.retainedMiB.toFixed(2).padStart(8)} MiB  ${o.owner}\n`);
if (jsonOut) {
  const strings = byName.get('string')?.self ?? 0;
  writeFileSync(jsonOut, `${JSON.stringify({ snapshot: file.split('/').pop(), federatedObjects: at[0], memberObjects: at[1], reachableMiB: Number(MiB(total)), stringsMiB: Number(MiB(strings)), codeMiB: Number(MiB(byName.get('code')?.self ?? 0)), owners }, null, 2)}\n`);
  process.stdout.write(`wrote ${jsonOut}\n`);
}
