import * as grpc from '@grpc/grpc-js';
import { logger, type Logger } from '../../obs/log.ts';
import { BgpValidationError, validateWirePath } from '../validate.ts';
import { GobgpChannel } from './channel.ts';
import { GobgpError, type CallSubject } from './error.ts';
import { socketTarget } from './target.ts';
import type {
  WireDefinedSet,
  WireDestination,
  WireFamily,
  WireGetTableResponse,
  WireGlobal,
  WirePath,
  WirePeer,
  WirePeerOut,
  WirePolicy,
  WirePolicyAssignment,
  PolicyDirection,
  DefinedType,
  WireWatchEventResponse,
  TableType,
} from './wire.ts';

export interface GobgpClientOptions {
  /** `/abs/path/gobgpd.sock` or `unix:///abs/path/gobgpd.sock` */
  socket: string;
  /** deadline of unary calls (ms); default 10 s */
  callTimeoutMs?: number;
  /** deadline of list streams and AddPathStream (ms); default 120 s */
  streamTimeoutMs?: number;
  log?: Logger;
  /** told of every gRPC call as it starts, by method name (to count or trace calls from outside) */
  onCall?: (method: string) => void;
}

export interface WatchPeersHandle {
  cancel(): void;
  /** resolves when the stream ends for any reason (error, sidecar gone, cancel) */
  readonly ended: Promise<Error | undefined>;
}

/**
 * Typed calls into one gobgpd over its unix socket. Every call has a deadline; the channel
 * reconnects by itself (fast backoff) and `reconnect()` replaces it outright.
 * Guards: DeletePath always carries a path (never family-only, never uuid), and every path is
 * validated before it leaves the process.
 */
export class GobgpClient {
  readonly target: string;
  readonly callTimeoutMs: number;
  readonly streamTimeoutMs: number;
  private readonly channel: GobgpChannel;
  private readonly onCall: ((method: string) => void) | undefined;

  constructor(opts: GobgpClientOptions) {
    this.target = socketTarget(opts.socket);
    this.callTimeoutMs = opts.callTimeoutMs ?? 10_000;
    this.streamTimeoutMs = opts.streamTimeoutMs ?? 120_000;
    this.onCall = opts.onCall;
    this.channel = new GobgpChannel({
      target: this.target,
      callTimeoutMs: this.callTimeoutMs,
      streamTimeoutMs: this.streamTimeoutMs,
      log: opts.log ?? logger('bgp.client'),
    });
  }

  /** Drops the channel and opens a new one (after the socket file was replaced, say). */
  reconnect(): void {
    this.channel.reconnect();
  }

  close(): void {
    this.channel.close();
  }

  /** false while the channel cannot reach the socket (grpc's TRANSIENT_FAILURE) or is shut down. */
  get reachable(): boolean {
    return this.channel.reachable;
  }

  /** Waits until the channel is connected (the socket answers), or rejects after timeoutMs. */
  waitConnected(timeoutMs: number): Promise<void> {
    return this.channel.waitConnected(timeoutMs);
  }

  private count(method: string): void {
    this.onCall?.(method);
  }

  private unary<Res>(method: string, req: object, subject?: CallSubject): Promise<Res> {
    this.count(method);
    return this.channel.unary<Res>(method, req, subject);
  }

  private collect<Res>(method: string, req: object): Promise<Res[]> {
    this.count(method);
    return this.channel.collect<Res>(method, req);
  }

  // ---- global --------------------------------------------------------------------------------

  /** The running global config; asn 0 means StartBgp has not been called on this process. */
  async getBgp(): Promise<WireGlobal> {
    const res = await this.unary<{ global: WireGlobal | null }>('GetBgp', {});
    return res.global ?? { asn: 0, router_id: '' };
  }

  /** Raw StartBgp, which wipes a running gobgpd's paths: refused when GetBgp shows one running. */
  async startBgp(global: WireGlobal): Promise<void> {
    const current = await this.getBgp();
    if (current.asn !== 0)
      throw new GobgpError('StartBgp', {
        code: grpc.status.FAILED_PRECONDITION,
        details: `refusing a second StartBgp: gobgpd already runs as AS ${current.asn}`,
      });
    await this.unary('StartBgp', { global });
  }

  async stopBgp(): Promise<void> {
    await this.unary('StopBgp', {});
  }

  // ---- peers ---------------------------------------------------------------------------------

  async addPeer(peer: WirePeer): Promise<void> {
    await this.unary('AddPeer', { peer }, { peer: peer.conf.neighbor_address });
  }

  async updatePeer(peer: WirePeer): Promise<{ needsSoftResetIn: boolean }> {
    const res = await this.unary<{ needs_soft_reset_in: boolean }>(
      'UpdatePeer',
      { peer },
      { peer: peer.conf.neighbor_address },
    );
    return { needsSoftResetIn: res.needs_soft_reset_in };
  }

  async deletePeer(address: string): Promise<void> {
    if (!address)
      throw new BgpValidationError(
        'DeletePeer needs an address (an empty one would match nothing useful)',
        {},
      );
    await this.unary('DeletePeer', { address }, { peer: address });
  }

  async resetPeer(
    address: string,
    opts: { soft?: boolean; direction?: 'IN' | 'OUT' | 'BOTH'; communication?: string } = {},
  ): Promise<void> {
    if (!address) throw new BgpValidationError('ResetPeer needs an address (empty resets every session)', {});
    await this.unary(
      'ResetPeer',
      {
        address,
        soft: opts.soft ?? false,
        direction: opts.direction ?? 'IN',
        communication: opts.communication ?? '',
      },
      { peer: address },
    );
  }

  /** All peers, or the one at `address`. */
  async listPeer(address = '', enableAdvertised = true): Promise<WirePeerOut[]> {
    const res = await this.collect<{ peer: WirePeerOut | null }>('ListPeer', { address, enableAdvertised });
    return res.flatMap((r) => (r.peer ? [r.peer] : []));
  }

  /**
   * Peer events (INIT per existing peer, END_OF_INIT, then STATE on every FSM change). This is
   * the one call without a deadline: it lives until cancel() or until gobgpd goes away.
   */
  watchPeers(onEvent: (ev: WireWatchEventResponse) => void): WatchPeersHandle {
    this.count('WatchEvent');
    const stream = this.channel.open('WatchEvent', { peer: {} });
    let cancelled = false;
    const ended = new Promise<Error | undefined>((resolve) => {
      stream.on('data', (m: unknown) => onEvent(m as WireWatchEventResponse));
      stream.on('error', (err: grpc.ServiceError) =>
        resolve(cancelled ? undefined : new GobgpError('WatchEvent', err)),
      );
      stream.on('end', () => resolve(undefined));
    });
    return {
      cancel: () => {
        cancelled = true;
        stream.cancel();
      },
      ended,
    };
  }

  // ---- paths ---------------------------------------------------------------------------------

  async addPath(path: WirePath): Promise<void> {
    const p = validateWirePath(path, { call: 'AddPath' });
    await this.unary('AddPath', { table_type: 'GLOBAL', path }, { prefix: p.cidr });
  }

  /** Withdraws the local path with this NLRI. Always by full path: never family-only, never uuid. */
  async deletePath(path: WirePath): Promise<void> {
    const p = validateWirePath(path, { call: 'DeletePath' });
    await this.unary('DeletePath', { table_type: 'GLOBAL', family: path.family, path }, { prefix: p.cidr });
  }

  /**
   * Sends many adds (or withdrawals: `is_withdraw`) in one client stream, `batch` paths per
   * message. gobgpd stops at the first bad path, so every path is validated before the stream
   * opens.
   */
  async addPathStream(paths: readonly WirePath[], batch = 1000): Promise<void> {
    paths.forEach((p, i) => validateWirePath(p, { call: 'AddPathStream', index: i }));
    if (paths.length === 0) return;
    this.count('AddPathStream');
    await this.channel.send('AddPathStream', batches(paths, batch), { paths: paths.length });
  }

  /** One family's destinations (only `prefixes`, exact, if given): global RIB, or a neighbour's adj-RIB. */
  async listPath(
    family: WireFamily,
    prefixes: readonly string[] = [],
    table: { type: TableType; name?: string } = { type: 'GLOBAL' },
  ): Promise<WireDestination[]> {
    const res = await this.collect<{ destination: WireDestination | null }>('ListPath', {
      table_type: table.type,
      name: table.name ?? '',
      family,
      prefixes: prefixes.map((prefix) => ({ prefix, type: 'EXACT' })),
      sort_type: 'NONE',
    });
    return res.flatMap((r) => (r.destination ? [r.destination] : []));
  }

  async getTable(
    family: WireFamily,
    tableType: TableType = 'GLOBAL',
    name = '',
  ): Promise<WireGetTableResponse> {
    return this.unary<WireGetTableResponse>('GetTable', { table_type: tableType, family, name });
  }

  // ---- policy --------------------------------------------------------------------------------

  async addDefinedSet(set: WireDefinedSet): Promise<void> {
    await this.unary('AddDefinedSet', { defined_set: set }, { definedSet: set.name });
  }

  async deleteDefinedSet(set: WireDefinedSet, all: boolean): Promise<void> {
    await this.unary('DeleteDefinedSet', { defined_set: set, all }, { definedSet: set.name });
  }

  async listDefinedSet(type: DefinedType, name = ''): Promise<WireDefinedSet[]> {
    const res = await this.collect<{ defined_set: WireDefinedSet | null }>('ListDefinedSet', {
      defined_type: type,
      name,
    });
    return res.flatMap((r) => (r.defined_set ? [r.defined_set] : []));
  }

  async addPolicy(policy: WirePolicy): Promise<void> {
    await this.unary('AddPolicy', { policy, refer_existing_statements: false }, { policy: policy.name });
  }

  async deletePolicy(name: string): Promise<void> {
    await this.unary(
      'DeletePolicy',
      { policy: { name }, preserve_statements: false, all: true },
      { policy: name },
    );
  }

  async listPolicy(name = ''): Promise<WirePolicy[]> {
    const res = await this.collect<{ policy: WirePolicy | null }>('ListPolicy', { name });
    return res.flatMap((r) => (r.policy ? [r.policy] : []));
  }

  async listPolicyAssignment(name: string, direction: PolicyDirection): Promise<WirePolicyAssignment[]> {
    const res = await this.collect<{ assignment: WirePolicyAssignment | null }>('ListPolicyAssignment', {
      name,
      direction,
    });
    return res.flatMap((r) => (r.assignment ? [r.assignment] : []));
  }

  async setPolicyAssignment(assignment: WirePolicyAssignment): Promise<void> {
    await this.unary(
      'SetPolicyAssignment',
      { assignment },
      { assignment: `${assignment.name}/${assignment.direction}` },
    );
  }
}

function* batches(paths: readonly WirePath[], size: number): Generator<object> {
  for (let i = 0; i < paths.length; i += size)
    yield { table_type: 'GLOBAL', paths: paths.slice(i, i + size) };
}
