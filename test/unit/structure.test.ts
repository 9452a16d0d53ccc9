// The codebase's shape (issue 13), checked on every `make test`: no import cycles, data flowing one way
// (no controllers → webhook, layer2 → controllers, obs → manager), no file in src/ over 300 lines, one
// IP module and one family type (its Family), environment read only by the configuration and the logger,
// no test hook in production code, timers only through src/core, one error base.
// KNOWN lists what is still being moved; an entry that no longer applies fails the test, so the lists
// only shrink.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');
const MAX_LINES = 300;
const IP_MODULE = 'src/net/ip.ts';
const ENV_READERS = new Set(['src/config.ts', 'src/obs/log.ts']);
const FORBIDDEN: ReadonlyArray<readonly [from: string, to: string]> = [
  ['src/controllers/', 'src/webhook/'],
  ['src/layer2/', 'src/controllers/'],
  ['src/obs/', 'src/manager/'],
  // api/ is the ground floor (DESIGN.md §2): nothing from the layers above it.
  ...['kube', 'bgp', 'controllers', 'layer2', 'webhook', 'obs', 'manager'].map(
    (up) => ['src/api/', `src/${up}/`] as const,
  ),
  // Below api/: core/ (primitives) imports nothing of ours; net/ only core/; ipam/ only core/ and net/.
  ...below('src/core/', []),
  ...below('src/net/', ['core']),
  ...below('src/ipam/', ['core', 'net']),
  // kube → controllers → sinks: the kube layer and the pure announcement rules know no reconciler or
  // sink; the sinks (bgp/, layer2/) and the webhook know no reconciler; bgp/ knows no Kubernetes.
  ...['controllers', 'bgp', 'layer2', 'webhook', 'announce', 'manager'].map(
    (up) => ['src/kube/', `src/${up}/`] as const,
  ),
  ...['controllers', 'bgp', 'layer2', 'webhook', 'manager'].map(
    (up) => ['src/announce/', `src/${up}/`] as const,
  ),
  ...['controllers', 'layer2', 'webhook', 'kube', 'announce'].map(
    (up) => ['src/bgp/', `src/${up}/`] as const,
  ),
  ['src/layer2/', 'src/bgp/'],
  ['src/layer2/', 'src/webhook/'],
  ...['controllers', 'bgp', 'layer2'].map((up) => ['src/webhook/', `src/${up}/`] as const),
];

/** `from` may import only the listed top-level folders of src/ (and itself). */
function below(from: string, allowed: readonly string[]): Array<readonly [string, string]> {
  const all = ['core', 'net', 'ipam', 'api', 'kube', 'announce', 'controllers', 'bgp', 'layer2', 'webhook'];
  const others = [...all, 'obs', 'manager', 'config', 'main.ts', 'config.ts', 'version.ts'];
  return others
    .filter((d) => !allowed.includes(d) && `src/${d}/` !== from)
    .map((d) => [from, d.endsWith('.ts') ? `src/${d}` : `src/${d}/`] as const);
}

// Violations present when the guard was written; each concern's work removes its entries.
const KNOWN = {
  cycles: new Set<string>([]),
  edges: new Set<string>([]),
  long: new Set<string>([]),
  ipParsers: new Set<string>([]),
  familyTypes: new Set<string>([]),
  env: new Set<string>([]),
  hooks: new Set<string>([]),
  timers: new Set<string>([]),
  errors: new Set<string>([]),
  names: new Set<string>([]),
};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'native' && entry.name !== 'node_modules') out.push(...sourceFiles(path));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const files = sourceFiles(SRC).map((f) => relative(ROOT, f));
const text = new Map(files.map((f) => [f, readFileSync(join(ROOT, f), 'utf8')]));

function importsOf(file: string): string[] {
  const src = text.get(file) ?? '';
  const found = new Set<string>();
  const pattern =
    /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s+'(\.{1,2}\/[^']+)'|import\(\s*'(\.{1,2}\/[^']+)'\s*\)/gm;
  for (const m of src.matchAll(pattern)) {
    const spec = m[1] ?? m[2];
    if (spec === undefined) continue;
    // Type-only imports still couple modules; they count.
    const target = relative(ROOT, resolve(ROOT, dirname(file), spec));
    if (text.has(target)) found.add(target);
  }
  return [...found];
}

const graph = new Map(files.map((f) => [f, importsOf(f)]));

// Tarjan's strongly connected components: any component of more than one file is a cycle.
function cycles(): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const f of files) if (!idx.has(f)) visit(f);
  return out;
}

function checkAgainstKnown(kind: keyof typeof KNOWN, found: string[]): void {
  const known = KNOWN[kind];
  const fresh = found.filter((f) => !known.has(f));
  const gone = [...known].filter((k) => !found.includes(k));
  assert.deepEqual(fresh, [], `new ${kind} violations:\n  ${fresh.join('\n  ')}`);
  assert.deepEqual(gone, [], `${kind}: fixed — remove from KNOWN in this test:\n  ${gone.join('\n  ')}`);
}

test('structure: no import cycles in src/', () => {
  checkAgainstKnown(
    'cycles',
    cycles().map((c) => c.join(' <-> ')),
  );
});

test('structure: data flows one way (core → net → ipam → api → kube → controllers → sinks; see FORBIDDEN)', () => {
  const found: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      for (const [a, b] of FORBIDDEN)
        if (from.startsWith(a) && to.startsWith(b)) found.push(`${from} -> ${to}`);
    }
  }
  checkAgainstKnown('edges', found);
});

test(`structure: no file in src/ over ${MAX_LINES} lines`, () => {
  const found = files.filter((f) => (text.get(f) ?? '').split('\n').length - 1 > MAX_LINES);
  checkAgainstKnown('long', found);
});

test(`structure: one IP module (${IP_MODULE}); no other isIP or IP parser`, () => {
  const found = files.filter(
    (f) =>
      f !== IP_MODULE &&
      /\bisIP(?:v4|v6)?\b|from 'ip-address'|\bAddress[46]\b|function (?:try)?(?:parse|read|format|canonical)I[Pp](?:v[46])?(?:Bytes)?\b/.test(
        (text.get(f) ?? '').replace(/\/\/.*$/gm, ''),
      ),
  );
  checkAgainstKnown('ipParsers', found);
});

// A second family type: a union of the family literals (`'ipv4' | 'ipv6'`, `4 | 6`, either order) as
// an alias, field or parameter type, or a type named Family / IpFamily / AddressFamily. The outside
// spellings are made by IP_MODULE's familyLabel / familyOfLabel; gobgp's AFI names by bgp/wire-family.ts.
const FAMILY_TYPE =
  /'ipv4'\s*\|\s*'ipv6'|'ipv6'\s*\|\s*'ipv4'|(?<![\w.])(?:4\s*\|\s*6|6\s*\|\s*4)(?![\w.])|\btype\s+(?:Ip|Address)?Family\s*=|\binterface\s+(?:Ip|Address)?Family\b/;

test(`structure: one family type (Family of ${IP_MODULE}); no other family alias or literal union`, () => {
  const found = files.filter(
    (f) => f !== IP_MODULE && FAMILY_TYPE.test((text.get(f) ?? '').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')),
  );
  checkAgainstKnown('familyTypes', found);
});

test('structure: process.env is read only by src/config.ts and src/obs/log.ts', () => {
  const found = files.filter((f) => !ENV_READERS.has(f) && /\bprocess\.env\b/.test(text.get(f) ?? ''));
  checkAgainstKnown('env', found);
});

test('structure: timers only through src/core (Timer, Clock, sleep), no raw setTimeout/setInterval', () => {
  const found = files.filter(
    (f) =>
      !f.startsWith('src/core/') &&
      /(?<![.\w])set(?:Timeout|Interval)\(/.test((text.get(f) ?? '').replace(/\/\/.*$/gm, '')),
  );
  checkAgainstKnown('timers', found);
});

test('structure: one error base — every error class extends OpenelbError, nothing throws a bare Error', () => {
  const found = files.filter(
    (f) =>
      f !== 'src/core/errors.ts' &&
      /\bextends Error\b|\bnew Error\(/.test((text.get(f) ?? '').replace(/\/\/.*$/gm, '')),
  );
  checkAgainstKnown('errors', found);
});

test('structure: private members have names that say what they hold (no #d, #o, #w)', () => {
  const found = files.filter((f) =>
    /(?<![\w&])#[a-z]{1,2}\b/.test((text.get(f) ?? '').replace(/\/\/.*$/gm, '')),
  );
  checkAgainstKnown('names', found);
});

test('structure: no test hook in production code', () => {
  const found = files.filter(
    (f) => /test-hook|for-tests/.test(f) || /\bSIGSTOP\b|OPENELB_TEST_/.test(text.get(f) ?? ''),
  );
  checkAgainstKnown('hooks', found);
});
