// Kubernetes resource quantities: memory in bytes ("256Mi", "1G", "64e6"), CPU in millicores ("20m", "0.5", "2").

const BINARY: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** bytes for kind 'memory', millicores for kind 'cpu'; throws naming the value when it is no quantity. */
export function parseQuantity(s: string, kind: 'memory' | 'cpu'): number {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|[eE]([+-]?\d+)|(n|u|m|k|M|G|T|P|E))?$/.exec(
    s.trim(),
  );
  if (!m || m[1] === undefined) throw new Error(`"${s}" is not a Kubernetes quantity (e.g. 256Mi, 20m)`);
  let n = Number(m[1]);
  if (m[2] !== undefined) n *= BINARY[m[2]] ?? 1;
  else if (m[3] !== undefined) n *= 10 ** Number(m[3]);
  else n *= DECIMAL[m[4] ?? ''] ?? 1;
  if (n < 0) throw new Error(`"${s}" is negative`);
  return kind === 'cpu' ? Math.ceil(n * 1000) : Math.ceil(n);
}
