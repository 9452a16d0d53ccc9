import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { gobgpProtoDir, PROTO_FILES } from './protos.ts';

// A small gRPC helper for the lab and its self-tests: straight into gobgpd over its unix socket.
// (The product's typed client lives in src/bgp/ on our own proto subset; this one stays independent.)

type Msg = Record<string, unknown>;
interface MethodDef {
  path: string;
  requestSerialize: (v: Msg) => Buffer;
  responseDeserialize: (b: Buffer) => Msg;
}

let defsPromise: Promise<Record<string, MethodDef>> | undefined;

async function methods(): Promise<Record<string, MethodDef>> {
  defsPromise ??= (async () => {
    const dir = await gobgpProtoDir();
    const def = await protoLoader.load(PROTO_FILES, {
      keepCase: true,
      longs: Number,
      enums: String,
      defaults: true,
      oneofs: true,
      json: true,
      includeDirs: [dir],
    });
    const svc = def['apipb.GobgpApi'];
    if (!svc || 'format' in svc) throw new Error(`apipb.GobgpApi not found in ${dir}`);
    return svc as unknown as Record<string, MethodDef>;
  })();
  return defsPromise;
}

const ANY = (name: string, v: Msg): Msg => ({ '@type': `type.googleapis.com/apipb.${name}`, ...v });

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
  nextHops: string[];
}

const fam = (v6: boolean): Msg => ({ afi: v6 ? 'AFI_IP6' : 'AFI_IP', safi: 'SAFI_UNICAST' });

function splitPrefix(prefix: string): { addr: string; len: number; v6: boolean } {
  const v6 = prefix.includes(':');
  const [addr, len] = prefix.split('/');
  if (!addr) throw new Error(`bad prefix ${prefix}`);
  const l = len === undefined ? (v6 ? 128 : 32) : Number(len);
  if (!Number.isInteger(l) || l < 0 || l > (v6 ? 128 : 32)) throw new Error(`bad prefix length in ${prefix}`);
  return { addr, len: l, v6 };
}

/** A Path message for prefix with one next hop (IPv6 via MP_REACH, as gobgp.md §4 measured). */
export function buildPath(prefix: string, nextHop: string): Msg {
  const { addr, len, v6 } = splitPrefix(prefix);
  if (nextHop.includes(':') !== v6) throw new Error(`next hop ${nextHop} is not the family of ${prefix}`);
  const nlri = ANY('IPAddressPrefix', { prefix: addr, prefix_len: len });
  const origin = ANY('OriginAttribute', { origin: 0 });
  const nh = v6
    ? ANY('MpReachNLRIAttribute', { family: fam(true), next_hops: [nextHop], nlris: [nlri] })
    : ANY('NextHopAttribute', { next_hop: nextHop });
  return { family: fam(v6), nlri, pattrs: [origin, nh] };
}

export class GobgpClient {
  readonly target: string;
  private readonly client: grpc.Client;
  private readonly defs: Record<string, MethodDef>;

  private constructor(target: string, defs: Record<string, MethodDef>) {
    this.target = target;
    this.defs = defs;
    this.client = new grpc.Client(target, grpc.credentials.createInsecure());
  }

  /** socketPath: the file given to gobgpd --api-hosts unix://<socketPath>. */
  static async connect(socketPath: string): Promise<GobgpClient> {
    return new GobgpClient(`unix://${socketPath}`, await methods());
  }

  close(): void {
    this.client.close();
  }

  private def(name: string): MethodDef {
    const d = this.defs[name];
    if (!d) throw new Error(`gobgp method ${name} not in proto`);
    return d;
  }

  unary(name: string, req: Msg, timeoutMs = 10_000): Promise<Msg> {
    const d = this.def(name);
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(d.path, d.requestSerialize, d.responseDeserialize, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(new Error(`gobgp ${name} on ${this.target}: ${err.message}`));
        else resolve(res ?? {});
      });
    });
  }

  stream(name: string, req: Msg, timeoutMs = 30_000): Promise<Msg[]> {
    const d = this.def(name);
    return new Promise((resolve, reject) => {
      const out: Msg[] = [];
      const call = this.client.makeServerStreamRequest(d.path, d.requestSerialize, d.responseDeserialize, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs });
      call.on('data', (m: Msg) => out.push(m));
      call.on('error', (err: Error) => reject(new Error(`gobgp ${name} on ${this.target}: ${err.message}`)));
      call.on('end', () => resolve(out));
    });
  }

  async startBgp(o: StartBgpOptions): Promise<void> {
    await this.unary('StartBgp', { global: { asn: o.asn, router_id: o.routerId, listen_port: o.listenPort, listen_addresses: o.listenAddresses ?? [] } });
  }

  async getBgp(): Promise<{ asn: number; routerId: string; listenPort: number }> {
    const g = ((await this.unary('GetBgp', {})).global ?? {}) as Msg;
    return { asn: Number(g.asn ?? 0), routerId: String(g.router_id ?? ''), listenPort: Number(g.listen_port ?? 0) };
  }

  async addPeer(o: AddPeerOptions): Promise<void> {
    const families = o.families ?? ['v4', 'v6'];
    await this.unary('AddPeer', {
      peer: {
        conf: { neighbor_address: o.address, peer_asn: o.asn },
        timers: { config: { hold_time: o.holdTime ?? 9, keepalive_interval: o.keepalive ?? 3, connect_retry: o.connectRetry ?? 1 } },
        transport: { passive_mode: o.passive ?? false, remote_port: o.remotePort ?? 0, local_address: o.localAddress ?? '' },
        afi_safis: families.map((f) => ({ config: { family: fam(f === 'v6'), enabled: true } })),
      },
    });
  }

  async listPeers(): Promise<PeerInfo[]> {
    const res = await this.stream('ListPeer', { address: '', enableAdvertised: false });
    return res.map((m) => {
      const peer = (m.peer ?? {}) as Msg;
      const conf = (peer.conf ?? {}) as Msg;
      const state = (peer.state ?? {}) as Msg;
      return { address: String(conf.neighbor_address ?? ''), asn: Number(conf.peer_asn ?? 0), state: String(state.session_state ?? 'UNKNOWN') };
    });
  }

  /** AddPath into the global table; returns the uuid as hex. */
  async addPath(prefix: string, nextHop: string): Promise<string> {
    const r = await this.unary('AddPath', { table_type: 'GLOBAL', path: buildPath(prefix, nextHop) });
    const u = r.uuid;
    return Buffer.isBuffer(u) ? u.toString('hex') : String(u ?? '');
  }

  /** DeletePath by path (never by uuid, never family-only: gobgp.md §8.10–11). */
  async deletePath(prefix: string, nextHop?: string): Promise<void> {
    const v6 = prefix.includes(':');
    await this.unary('DeletePath', { table_type: 'GLOBAL', family: fam(v6), path: buildPath(prefix, nextHop ?? (v6 ? '::' : '0.0.0.0')) });
  }

  async listPaths(family: 'v4' | 'v6' = 'v4'): Promise<PathInfo[]> {
    const res = await this.stream('ListPath', { table_type: 'GLOBAL', family: fam(family === 'v6'), name: '' });
    return res.map((m) => {
      const dst = (m.destination ?? {}) as Msg;
      const paths = (dst.paths ?? []) as Msg[];
      const nextHops: string[] = [];
      for (const p of paths) {
        for (const a of (p.pattrs ?? []) as Msg[]) {
          if (typeof a.next_hop === 'string') nextHops.push(a.next_hop);
          if (Array.isArray(a.next_hops)) nextHops.push(...a.next_hops.map(String));
        }
      }
      return { prefix: String(dst.prefix ?? ''), nextHops };
    });
  }
}
