// Summarises a V8 .heapsnapshot (as written by --heapsnapshot-signal) for the memory probe:
//   - self size and count by node type and constructor/name;
//   - retained size (dominator tree) of the biggest dominators, and of chosen owner classes;
//   - strings: total, and the most duplicated contents (count × size);
//   - bytes reachable through each property name (edge name → total self size of its targets), which
//     shows e.g. how much hangs off `managedFields` or `status`.
//
//   node --max-old-space-size=8192 bench/lib/heap-summary.ts <file.heapsnapshot> [--top 40]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '40' } },
  allowPositionals: true,
});
const TOP = Number(values.top);
const file = positionals[0];
if (!file) throw new Error('usage: heap-summary.ts <file.heapsnapshot>');

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: (string[] | string)[];
      edge_fields: string[];
      edge_types: (string[] | string)[];
    };
    node_count: number;
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}
const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
const meta = snap.snapshot.meta;
const NF = meta.node_fields.length;
const EF = meta.edge_fields.length;
const nType = meta.node_fields.indexOf('type');
const nName = meta.node_fields.indexOf('name');
const nSize = meta.node_fields.indexOf('self_size');
const nEdges = meta.node_fields.indexOf('edge_count');
const eType = meta.edge_fields.indexOf('type');
const eName = meta.edge_fields.indexOf('name_or_index');
const eTo = meta.edge_fields.indexOf('to_node');
const nodeTypes = meta.node_types[nType] as string[];
const edgeTypes = meta.edge_types[eType] as string[];
const { nodes, edges, strings } = snap;
const count = nodes.length / NF;

const firstEdge = new Uint32Array(count + 1);
for (let i = 0, e = 0; i < count; i++) {
  firstEdge[i] = e;
  e += (nodes[i * NF + nEdges] ?? 0) * EF;
}
firstEdge[count] = edges.length;

const typeOf = (i: number) => nodeTypes[nodes[i * NF + nType] ?? 0] ?? '?';
const nameOf = (i: number) => strings[nodes[i * NF + nName] ?? 0] ?? '';
const sizeOf = (i: number) => nodes[i * NF + nSize] ?? 0;
const label = (i: number) => {
  const t = typeOf(i);
  if (t === 'object' || t === 'closure' || t === 'native' || t === 'hidden')
    return `${t}:${nameOf(i).slice(0, 60)}`;
  return t;
};
const MiB = (b: number) => (b / 2 ** 20).toFixed(2);

let total = 0;
const byLabel = new Map<string, { n: number; bytes: number }>();
for (let i = 0; i < count; i++) {
  const s = sizeOf(i);
  total += s;
  const l = label(i);
  const e = byLabel.get(l) ?? { n: 0, bytes: 0 };
  e.n++;
  e.bytes += s;
  byLabel.set(l, e);
}
console.log(`nodes ${count}, total self size ${MiB(total)} MiB`);
console.log('\n== self size by type:constructor ==');
for (const [l, e] of [...byLabel].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, TOP))
  console.log(`${MiB(e.bytes).padStart(9)} MiB ${String(e.n).padStart(9)}  ${l}`);

// strings: duplicates
const strs = new Map<string, { n: number; bytes: number }>();
for (let i = 0; i < count; i++) {
  const t = typeOf(i);
  if (t !== 'string' && t !== 'concatenated string' && t !== 'sliced string') continue;
  const k = nameOf(i).slice(0, 80);
  const e = strs.get(k) ?? { n: 0, bytes: 0 };
  e.n++;
  e.bytes += sizeOf(i);
  strs.set(k, e);
}
console.log('\n== strings with the most bytes (first 80 chars) ==');
for (const [k, e] of [...strs].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, TOP))
  console.log(`${MiB(e.bytes).padStart(9)} MiB ${String(e.n).padStart(9)}  ${JSON.stringify(k)}`);

// property name → bytes of targets (self size), property edges only
const byEdge = new Map<string, { n: number; bytes: number }>();
for (let i = 0; i < count; i++) {
  for (let e = firstEdge[i] ?? 0; e < (firstEdge[i + 1] ?? 0); e += EF) {
    if (edgeTypes[edges[e + eType] ?? 0] !== 'property') continue;
    const to = (edges[e + eTo] ?? 0) / NF;
    const name = strings[edges[e + eName] ?? 0] ?? '';
    const x = byEdge.get(name) ?? { n: 0, bytes: 0 };
    x.n++;
    x.bytes += sizeOf(to);
    byEdge.set(name, x);
  }
}
console.log('\n== property edges: target self size by property name ==');
for (const [k, e] of [...byEdge].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, TOP))
  console.log(`${MiB(e.bytes).padStart(9)} MiB ${String(e.n).padStart(9)}  .${k}`);

// ---- dominators (Cooper–Harvey–Kennedy over a post order from the root, node 0), weak edges skipped
const weak = edgeTypes.indexOf('weak');
const postIndex = new Int32Array(count).fill(-1);
const order: number[] = [];
{
  const stack: number[] = [0];
  const edgeCursor = new Uint32Array(count);
  const visited = new Uint8Array(count);
  visited[0] = 1;
  edgeCursor[0] = firstEdge[0] ?? 0;
  while (stack.length) {
    const v = stack[stack.length - 1] ?? 0;
    const end = firstEdge[v + 1] ?? 0;
    let pushed = false;
    while ((edgeCursor[v] ?? 0) < end) {
      const e = edgeCursor[v] ?? 0;
      edgeCursor[v] = e + EF;
      if (edges[e + eType] === weak) continue;
      const to = (edges[e + eTo] ?? 0) / NF;
      if (visited[to]) continue;
      visited[to] = 1;
      edgeCursor[to] = firstEdge[to] ?? 0;
      stack.push(to);
      pushed = true;
      break;
    }
    if (!pushed) {
      stack.pop();
      postIndex[v] = order.length;
      order.push(v);
    }
  }
}
// predecessors
const predCount = new Uint32Array(count + 1);
for (let i = 0; i < count; i++) {
  if (postIndex[i] === -1) continue;
  for (let e = firstEdge[i] ?? 0; e < (firstEdge[i + 1] ?? 0); e += EF) {
    if (edges[e + eType] === weak) continue;
    predCount[(edges[e + eTo] ?? 0) / NF]! += 1;
  }
}
const predStart = new Uint32Array(count + 1);
for (let i = 0; i < count; i++) predStart[i + 1] = (predStart[i] ?? 0) + (predCount[i] ?? 0);
const preds = new Uint32Array(predStart[count] ?? 0);
const fill = new Uint32Array(count);
for (let i = 0; i < count; i++) {
  if (postIndex[i] === -1) continue;
  for (let e = firstEdge[i] ?? 0; e < (firstEdge[i + 1] ?? 0); e += EF) {
    if (edges[e + eType] === weak) continue;
    const to = (edges[e + eTo] ?? 0) / NF;
    preds[(predStart[to] ?? 0) + (fill[to] ?? 0)] = i;
    fill[to]! += 1;
  }
}
const idom = new Int32Array(count).fill(-1);
idom[0] = 0;
const intersect = (a: number, b: number) => {
  while (a !== b) {
    while ((postIndex[a] ?? 0) < (postIndex[b] ?? 0)) a = idom[a] ?? 0;
    while ((postIndex[b] ?? 0) < (postIndex[a] ?? 0)) b = idom[b] ?? 0;
  }
  return a;
};
for (let changed = true; changed;) {
  changed = false;
  for (let k = order.length - 2; k >= 0; k--) {
    const v = order[k] ?? 0;
    let nd = -1;
    for (let p = predStart[v] ?? 0; p < (predStart[v + 1] ?? 0); p++) {
      const u = preds[p] ?? 0;
      if (idom[u] === -1) continue;
      nd = nd === -1 ? u : intersect(u, nd);
    }
    if (nd !== -1 && idom[v] !== nd) {
      idom[v] = nd;
      changed = true;
    }
  }
}
const retained = new Float64Array(count);
for (const v of order) retained[v]! += sizeOf(v);
for (const v of order) if (v !== 0) retained[idom[v] ?? 0]! += retained[v] ?? 0;

console.log(
  '\n== retained size by type:constructor (summed over objects whose dominator has another label) ==',
);
const byRetLabel = new Map<string, { n: number; bytes: number }>();
for (const v of order) {
  if (v === 0) continue;
  const l = label(v);
  if (label(idom[v] ?? 0) === l) continue;
  const e = byRetLabel.get(l) ?? { n: 0, bytes: 0 };
  e.n++;
  e.bytes += retained[v] ?? 0;
  byRetLabel.set(l, e);
}
for (const [l, e] of [...byRetLabel].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, TOP))
  console.log(`${MiB(e.bytes).padStart(9)} MiB ${String(e.n).padStart(9)}  ${l}`);

console.log('\n== biggest single dominators (retained), with the edge that holds them ==');
const holder = (v: number): string => {
  const d = idom[v] ?? 0;
  for (let e = firstEdge[d] ?? 0; e < (firstEdge[d + 1] ?? 0); e += EF) {
    if ((edges[e + eTo] ?? 0) / NF !== v) continue;
    const t = edgeTypes[edges[e + eType] ?? 0];
    const n = t === 'element' || t === 'hidden' ? String(edges[e + eName]) : strings[edges[e + eName] ?? 0];
    return `${label(d)} -${t}:${n}->`;
  }
  return `${label(d)} ->`;
};
const big = order
  .filter((v) => v !== 0 && typeOf(v) !== 'synthetic')
  .sort((a, b) => (retained[b] ?? 0) - (retained[a] ?? 0))
  .slice(0, TOP);
for (const v of big)
  console.log(`${MiB(retained[v] ?? 0).padStart(9)} MiB  ${label(v)}  held by ${holder(v)}`);
