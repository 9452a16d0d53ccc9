import { GobgpClient as ApiClient } from '../../../src/bgp/client/client.ts';
import { PROTO_DIR } from '../../../src/bgp/client/load.ts';
import type { WirePath } from '../../../src/bgp/client/wire.ts';
import { buildPath as buildDesiredPath, FAMILY } from '../../../src/bgp/path-build.ts';
import { wirePathNextHop } from '../../../src/bgp/validate.ts';
import { probeGobgpdVersion } from '../../../src/bgp/version.ts';
import type { Family } from '../../../src/net/ip.ts';

// The lab's gobgpd helper: short calls in the lab's terms (prefix strings, 'v4' / 'v6') on top of
// the product's gRPC client and its proto/ subset. Every call goes straight to gobgpd: no sink, no
// reconciler. `api` is the product client itself for anything not wrapped here.

export interface StartBgpOptions {
  asn: number;
  routerId: string;
  /** 0 = 179, -1 = no listener. */
  listenPort: number;
  listenAddresses?: string[];
}

export interface AddPeerOptions {
  address: string;
  asn: number;
  holdTime?: number;
  keepalive?: number;
  connectRetry?: number;
  /** route families carried on the session (default both). */
  families?: ('v4' | 'v6')[];
  passive?: boolean;
  remotePort?: number;
  localAddress?: string;
}

export interface PeerInfo {
  address: string;
  asn: number;
  /** IDLE, CONNECT, ACTIVE, OPENSENT, OPENCONFIRM, ESTABLISHED … */
  state: string;
}

export interface PathInfo {
  prefix: string;
  /** one per path gobgpd holds for the prefix */
  nextHops: string[];
}

const familyOf = (prefix: string): Family => (prefix.includes(':') ? 6 : 4);
const LAB_FAMILY: Record<'v4' | 'v6', Family> = { v4: 4, v6: 6 };

/** A validated Path message for prefix (a bare address = host route); next hop defaults to self. */
export function buildPath(prefix: string, nextHop?: string): WirePath {
  return buildDesiredPath({ prefix, family: familyOf(prefix), nextHop }).wire;
}

/** Version of the gobgpd binary on PATH, e.g. "3.10.0". */
export async function gobgpdVersion(): Promise<string> {
  const v = await probeGobgpdVersion({ env: '' }); // '' = ignore GOBGPD_VERSION, ask the binary
  if (!v.version) throw new Error('cannot read the version from `gobgpd --version`');
  return v.version;
}

/** The .proto directory the lab's client speaks: the product's proto/ subset. */
export function gobgpProtoDir(): Promise<string> {
  return Promise.resolve(PROTO_DIR);
}

export class GobgpClient {
  readonly target: string;
  /** the product's typed client on this socket */
  readonly api: ApiClient;

  private constructor(socketPath: string) {
    this.api = new ApiClient({ socket: socketPath });
    this.target = this.api.target;
  }

  /** socketPath: the file given to gobgpd --api-hosts unix://<socketPath>. */
  static connect(socketPath: string): Promise<GobgpClient> {
    return Promise.resolve(new GobgpClient(socketPath));
  }

  close(): void {
    this.api.close();
  }

  async startBgp(o: StartBgpOptions): Promise<void> {
    await this.api.startBgp({
      asn: o.asn,
      router_id: o.routerId,
      listen_port: o.listenPort,
      listen_addresses: o.listenAddresses ?? [],
    });
  }

  async getBgp(): Promise<{ asn: number; routerId: string; listenPort: number }> {
    const g = await this.api.getBgp();
    return { asn: g.asn, routerId: g.router_id, listenPort: g.listen_port ?? 0 };
  }

  async addPeer(o: AddPeerOptions): Promise<void> {
    await this.api.addPeer({
      conf: { neighbor_address: o.address, peer_asn: o.asn },
      timers: {
        config: {
          hold_time: o.holdTime ?? 9,
          keepalive_interval: o.keepalive ?? 3,
          connect_retry: o.connectRetry ?? 1,
        },
      },
      transport: {
        passive_mode: o.passive ?? false,
        remote_port: o.remotePort ?? 0,
        local_address: o.localAddress ?? '',
      },
      afi_safis: (o.families ?? ['v4', 'v6']).map((f) => ({
        config: { family: FAMILY[LAB_FAMILY[f]], enabled: true },
      })),
    });
  }

  async listPeers(): Promise<PeerInfo[]> {
    const peers = await this.api.listPeer('', false);
    return peers.map((p) => ({
      address: p.conf?.neighbor_address ?? '',
      asn: p.conf?.peer_asn ?? 0,
      state: p.state?.session_state ?? 'UNKNOWN',
    }));
  }

  /** AddPath into the global table; next hop defaults to self (gobgpd puts in the session's address). */
  async addPath(prefix: string, nextHop?: string): Promise<void> {
    await this.api.addPath(buildPath(prefix, nextHop));
  }

  /** DeletePath by path (never by uuid, never family-only: gobgp.md §8.10–11). */
  async deletePath(prefix: string, nextHop?: string): Promise<void> {
    await this.api.deletePath(buildPath(prefix, nextHop));
  }

  async listPaths(family: 'v4' | 'v6' = 'v4'): Promise<PathInfo[]> {
    const dests = await this.api.listPath(FAMILY[LAB_FAMILY[family]]);
    return dests.map((d) => ({
      prefix: d.prefix,
      nextHops: d.paths.flatMap((p) => wirePathNextHop(p) ?? []),
    }));
  }
}
