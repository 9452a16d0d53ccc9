import { inNs, run } from './exec.ts';

// arping / ndisc6 from inside a namespace, parsed.

export interface ArpingResult {
  ok: boolean;
  replies: { ip: string; mac: string; ms: number }[];
  /** distinct MACs that answered (two = two answerers: a Layer 2 bug). */
  macs: string[];
  raw: string;
}

/** `arping -c count -w deadline -I dev ip` (iputils); waits for all `count` probes. */
export async function arping(
  ns: string,
  dev: string,
  ip: string,
  opts: { count?: number; deadlineS?: number } = {},
): Promise<ArpingResult> {
  const count = opts.count ?? 1;
  const deadline = opts.deadlineS ?? count + 1;
  const r = await run(inNs(ns, ['arping', '-c', String(count), '-w', String(deadline), '-I', dev, ip]), {
    timeoutMs: (deadline + 5) * 1000,
  });
  const replies: ArpingResult['replies'] = [];
  for (const m of r.stdout.matchAll(/reply from (\S+) \[([0-9A-Fa-f:]+)\]\s+([\d.]+)ms/g)) {
    replies.push({ ip: m[1] ?? '', mac: (m[2] ?? '').toLowerCase(), ms: Number(m[3]) });
  }
  return {
    ok: r.code === 0 && replies.length > 0,
    replies,
    macs: [...new Set(replies.map((x) => x.mac))],
    raw: r.stdout + r.stderr,
  };
}

export interface NdiscResult {
  ok: boolean;
  mac: string | undefined;
  raw: string;
}

/** `ndisc6 -n -r tries -w waitMs ip dev`: a Neighbor Solicitation, the answer's target link-layer address. */
export async function ndisc6(
  ns: string,
  dev: string,
  ip: string,
  opts: { tries?: number; waitMs?: number } = {},
): Promise<NdiscResult> {
  const tries = opts.tries ?? 3;
  const wait = opts.waitMs ?? 1000;
  const r = await run(inNs(ns, ['ndisc6', '-n', '-r', String(tries), '-w', String(wait), ip, dev]), {
    timeoutMs: tries * wait + 5000,
  });
  const m = r.stdout.match(/Target link-layer address:\s*([0-9A-Fa-f:]+)/);
  return { ok: r.code === 0 && !!m, mac: m?.[1]?.toLowerCase(), raw: r.stdout + r.stderr };
}
