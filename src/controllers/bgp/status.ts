// Per-node status entries (BgpPeer.status.nodesPeerStatus[node], BgpConf.status.nodesConfStatus[node])
// and the writer that merge-patches ONLY this node's key, only when the entry changed. The same
// pass keeps each object's status.conditions (not per node: see conditions.ts) up to date.
import { isDeepStrictEqual } from 'node:util';
import type { BgpConf, BgpPeer, NodeConfStatus, NodePeerStatus } from '../../api/v1alpha2.ts';
import type { DesiredGlobal, PeerStatus } from '../../bgp/index.ts';
import { kubeTime } from '../../core/time.ts';
import { errorMessage, Resources, type ObjectWriter } from '../../kube/index.ts';
import type { Logger } from '../../obs/log.ts';
import { BgpConditionsWriter } from './conditions.ts';

/**
 * The status entry for one session (OpenELB's layout plus our additions), without updateTime. With
 * a lastError the BgpPeer is not configured in gobgpd, so a session gobgpd has at its address belongs
 * to another BgpPeer (the same neighbour) and is not shown (issue 12).
 */
export function peerEntry(
  session: PeerStatus | undefined,
  address: string,
  lastError: string | undefined,
): NodePeerStatus {
  const s = lastError === undefined ? session : undefined;
  const entry: NodePeerStatus = {
    peerState: {
      neighborAddress: s?.address ?? address,
      peerAs: s?.peerAsn ?? 0,
      routerId: s?.remoteRouterId ?? '',
      sessionState: s?.sessionState ?? 'UNKNOWN',
      adminState: s?.adminState ?? 'UP',
      flops: s?.flops ?? 0,
      messages: {
        received: { notification: String(s?.notificationsReceived ?? 0) },
        sent: { notification: String(s?.notificationsSent ?? 0) },
      },
    },
    timersState: {
      negotiatedHoldTime: String(s?.negotiatedHoldTime ?? 0),
      // the instant the session came up (stable between polls, unlike a running seconds count)
      uptime: s?.establishedSince?.toISOString() ?? '',
      downtime: s?.downSince?.toISOString() ?? '',
    },
    advertisedPrefixes: s?.advertised ?? 0,
    receivedPrefixes: s?.received ?? 0,
    acceptedPrefixes: s?.accepted ?? 0,
    lastError: lastError ?? s?.lastError ?? '',
  };
  return entry;
}

export function confEntry(g: DesiredGlobal | undefined, lastError: string | undefined): NodeConfStatus {
  return {
    routerId: g?.routerId ?? '',
    as: g?.asn ?? 0,
    listenPort: g?.listenPort ?? 0,
    lastError: lastError ?? '',
  };
}

/** An entry without its updateTime (null = no entry): what decides whether it must be written. */
function content(x: object | undefined): object | null {
  return x ? { ...x, updateTime: undefined } : null;
}

/**
 * Writes this node's entries. An entry is written when it differs from what the object in the
 * cache holds for this node (so a restart with unchanged state writes nothing); the patch names
 * only `status.<map>.<node>`, every field spelled out (a merge patch would keep stale sub-keys).
 */
export class NodeStatusWriter {
  private readonly writer: ObjectWriter;
  private readonly node: string;
  private readonly log: Logger;
  /**
   * `${kind}/${name}` → last entry written by us (null = removed) and the resourceVersion the cached
   * object had when we wrote it: while the cache still shows that version it lags our write.
   */
  private readonly written = new Map<string, { entry: object | null; before: string | undefined }>();
  writes = 0;
  /** status.conditions of the same objects (also usable on its own for objects no node selects) */
  readonly conditions: BgpConditionsWriter;

  /** `peers`: every BgpPeer, for the neighbour rule of the Valid condition (see conditions.ts). */
  constructor(writer: ObjectWriter, node: string, log: Logger, peers?: () => Iterable<BgpPeer>) {
    this.writer = writer;
    this.node = node;
    this.log = log;
    this.conditions = new BgpConditionsWriter(writer, log, undefined, peers);
  }

  /**
   * Sets (entry) or removes (undefined) this node's entry in one BgpPeer, and brings its conditions
   * up to date. Returns whether the entry was written.
   */
  async peer(obj: BgpPeer, entry: NodePeerStatus | undefined): Promise<boolean> {
    const wrote = await this.write(
      'BgpPeer',
      obj,
      obj.status?.nodesPeerStatus?.[this.node],
      entry,
      'nodesPeerStatus',
    );
    await this.conditions.peer(obj);
    return wrote;
  }

  async conf(obj: BgpConf, entry: NodeConfStatus | undefined): Promise<boolean> {
    const wrote = await this.write(
      'BgpConf',
      obj,
      obj.status?.nodesConfStatus?.[this.node],
      entry,
      'nodesConfStatus',
    );
    await this.conditions.conf(obj);
    return wrote;
  }

  private async write(
    kind: 'BgpPeer' | 'BgpConf',
    obj: BgpPeer | BgpConf,
    cur: object | undefined,
    entry: object | undefined,
    field: string,
  ): Promise<boolean> {
    const name = obj.metadata.name;
    const key = `${kind}/${name}`;
    const want = content(entry);
    const rv = obj.metadata.resourceVersion;
    if (entry === undefined ? cur === undefined : isDeepStrictEqual(content(cur), want)) {
      this.written.set(key, { entry: want, before: rv });
      return false;
    }
    // The cache may lag our own write by a moment: don't write the same thing twice. Once the cached
    // object has moved on and still lacks it, someone removed it (the allocator removes the entries of
    // nodes that look gone, controllers/replicas/): write it again.
    const last = this.written.get(key);
    if (last && last.before === rv && isDeepStrictEqual(last.entry, want)) return false;
    const value = entry ? { ...entry, updateTime: kubeTime() } : null;
    try {
      await this.writer.mergePatch(
        kind === 'BgpPeer' ? Resources.BgpPeer : Resources.BgpConf,
        { name },
        { status: { [field]: { [this.node]: value } } },
        { subresource: 'status' },
      );
      this.written.set(key, { entry: want, before: rv });
      this.writes++;
      return true;
    } catch (err) {
      this.written.delete(key);
      this.log.warn('status write failed', { object: key, node: this.node, error: errorMessage(err) });
      return false;
    }
  }

  /** Forget what was written for objects that are gone. */
  forget(kind: 'BgpPeer' | 'BgpConf', name: string): void {
    this.written.delete(`${kind}/${name}`);
    this.conditions.forget(kind, name);
  }
}
