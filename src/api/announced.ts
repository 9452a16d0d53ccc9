// The per-Service announcement summary: which replica's path is in which BgpPeer's adj-RIB-out.
// A Service annotation holding compact JSON {"<replica node>": {"<BgpPeer name>": true|false}}; true
// means that replica's gobgpd holds the Service's path in its adj-RIB-out towards that peer. Each
// replica writes its own row (src/controllers/bgp/announced-publisher.ts); read by `kubectl openelb
// status`. The one
// codec for the value: encoding is canonical (sorted keys) so a writer can skip unchanged summaries.
import { err, ok, type Result } from '../core/result.ts';

export const ANNOTATION_ANNOUNCED = 'openelb.kubesphere.io/announced';

/** replica (node name) → BgpPeer name → path in that peer's adj-RIB-out. */
export type AnnouncedSummary = Record<string, Record<string, boolean>>;

export function encodeAnnounced(summary: Readonly<AnnouncedSummary>): string {
  const out: AnnouncedSummary = {};
  for (const replica of Object.keys(summary).sort()) {
    const peers = summary[replica] ?? {};
    const sorted: Record<string, boolean> = {};
    for (const peer of Object.keys(peers).sort()) sorted[peer] = peers[peer] === true;
    out[replica] = sorted;
  }
  return JSON.stringify(out);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses the annotation value; the error names the key that is wrong and why. */
export function decodeAnnounced(value: string): Result<AnnouncedSummary, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (e) {
    return err(`${ANNOTATION_ANNOUNCED}: not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isPlainObject(parsed))
    return err(`${ANNOTATION_ANNOUNCED}: must be an object {replica: {peer: bool}}`);
  const out: AnnouncedSummary = {};
  for (const [replica, peers] of Object.entries(parsed)) {
    if (!isPlainObject(peers))
      return err(`${ANNOTATION_ANNOUNCED}[${JSON.stringify(replica)}]: must be an object {peer: bool}`);
    const row: Record<string, boolean> = {};
    for (const [peer, inRib] of Object.entries(peers)) {
      if (typeof inRib !== 'boolean')
        return err(
          `${ANNOTATION_ANNOUNCED}[${JSON.stringify(replica)}][${JSON.stringify(peer)}]: must be true or false, not ${JSON.stringify(inRib)}`,
        );
      row[peer] = inRib;
    }
    out[replica] = row;
  }
  return ok(out);
}
