import type { Logger } from '../obs/log.ts';
import { logger } from '../obs/log.ts';
import { OpenelbError } from '../core/errors.ts';
import type { GobgpClient } from './client/client.ts';
import { GobgpError } from './client/error.ts';
import type { DesiredGlobal, DesiredPeer, PeerStatus } from './types.ts';
import { desiredPeerFields } from './peer-desired.ts';
import {
  diffPeerFields,
  unreportedOf,
  withUnreported,
  type PeerFieldChange,
  type PeerFields,
  type UnreportedPeerFields,
} from './peer-fields.ts';
import { peerStatusFromWire } from './peer-status.ts';
import { actualPeerFields, toWirePeer } from './peer-wire.ts';

export interface PeerAction {
  address: string;
  action: 'add' | 'update' | 'recreate' | 'delete';
  changes: PeerFieldChange[];
}

export interface PeersResult {
  actions: PeerAction[];
  unchanged: number;
  /** desired peers that could not be applied (invalid, or gobgpd refused), with the reason */
  failed: { address: string; error: string }[];
}

/**
 * Level-triggered owner of gobgpd's neighbours: ListPeer, diff per field, and touch only the
 * peers that differ (AddPeer / UpdatePeer / DeletePeer+AddPeer / DeletePeer). Every peer in the
 * sidecar is ours; a peer that is not desired is deleted.
 */
export class PeersSink {
  private readonly client: GobgpClient;
  private readonly log: Logger;
  private readonly lastError = new Map<string, string>();
  /** per peer, the fields gobgpd does not report back, as this sink last sent them */
  private readonly sentUnreported = new Map<string, UnreportedPeerFields>();

  constructor(client: GobgpClient, log: Logger = logger('bgp.peers')) {
    this.client = client;
    this.log = log;
  }

  async reconcile(desired: readonly DesiredPeer[], global: DesiredGlobal): Promise<PeersResult> {
    const result: PeersResult = { actions: [], unchanged: 0, failed: [] };
    const want = new Map<string, PeerFields>();
    for (const d of desired) {
      try {
        const f = desiredPeerFields(d, global);
        if (want.has(f.address))
          throw new OpenelbError('OE_BGP_DUPLICATE_PEER', `duplicate peer ${f.address}`, {
            context: { peer: f.address },
          });
        want.set(f.address, f);
      } catch (err) {
        const msg = (err as Error).message;
        result.failed.push({ address: d.address, error: msg });
        this.lastError.set(d.address, msg);
      }
    }
    const have = new Map<string, PeerFields>();
    for (const p of await this.client.listPeer('', false)) {
      const f = actualPeerFields(p, global.asn);
      if (f) have.set(f.address, f);
    }

    for (const address of this.sentUnreported.keys())
      if (!have.has(address)) this.sentUnreported.delete(address);
    for (const [address] of have) {
      if (want.has(address) || result.failed.some((x) => x.address === address)) continue;
      await this.apply(result, { address, action: 'delete', changes: [] }, () =>
        this.client.deletePeer(address),
      );
    }
    const sent = (f: PeerFields) => () => {
      this.sentUnreported.set(f.address, unreportedOf(f));
    };
    for (const [address, f] of want) {
      const cur = have.get(address);
      if (!cur) {
        await this.apply(result, { address, action: 'add', changes: [] }, () =>
          this.client.addPeer(toWirePeer(f)).then(sent(f)),
        );
        continue;
      }
      // a peer adopted from an earlier manager: assume gobgpd holds what we want for these
      const changes = diffPeerFields(
        withUnreported(cur, this.sentUnreported.get(address) ?? unreportedOf(f)),
        f,
      );
      if (changes.length === 0) {
        result.unchanged++;
        continue;
      }
      if (changes.some((c) => c.class === 'recreate')) {
        await this.apply(result, { address, action: 'recreate', changes }, async () => {
          await this.client.deletePeer(address);
          await this.client.addPeer(toWirePeer(f));
          sent(f)();
        });
      } else {
        await this.apply(result, { address, action: 'update', changes }, () =>
          this.client.updatePeer(toWirePeer(f)).then(sent(f)),
        );
      }
    }
    return result;
  }

  private async apply(result: PeersResult, action: PeerAction, op: () => Promise<unknown>): Promise<void> {
    try {
      await op();
      result.actions.push(action);
      this.lastError.delete(action.address);
      this.log.info(`peer ${action.action}`, { peer: action.address, changes: action.changes });
    } catch (err) {
      if (err instanceof GobgpError && err.unreachable) throw err;
      const message = (err as Error).message;
      result.failed.push({ address: action.address, error: message });
      this.lastError.set(action.address, message);
      this.log.error(`peer ${action.action} failed`, { peer: action.address, error: message });
    }
  }

  /** Session state of every peer gobgpd has, with the last error this sink saw for it. */
  async status(now: Date = new Date()): Promise<PeerStatus[]> {
    const out: PeerStatus[] = [];
    for (const p of await this.client.listPeer('', true)) {
      const s = peerStatusFromWire(p, now);
      if (!s) continue;
      const err = this.lastError.get(s.address);
      if (err) s.lastError = err;
      out.push(s);
    }
    return out;
  }
}
