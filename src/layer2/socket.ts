// Typed, self-healing wrapper over the native AF_PACKET socket: emits every received frame, reports
// socket errors as events (never throws from the receive path), resumes after link down/up and reopens by
// name when the interface is deleted and re-created (new ifindex, maybe a new MAC).
import { EventEmitter } from 'node:events';
import { constants } from 'node:os';
import { systemClock, type Clock } from '../core/clock.ts';
import { Timer } from '../core/timer.ts';
import { formatMac } from './addr.ts';
import { type AfPacketAddon, type NativeSocket, loadAddon } from './addon.ts';
import { arpNdpFilter } from './filter.ts';
import { logger } from '../obs/log.ts';

const log = logger('layer2.socket');
const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([k, v]) => [v, k]));
export const { ENETDOWN, ENXIO, ENODEV, EAGAIN } = constants.errno;

export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

export interface InterfaceState {
  readonly ifname: string;
  readonly ifindex: number;
  readonly mac: Uint8Array;
  readonly up: boolean;
}

export interface SocketErrorEvent {
  readonly ifname: string;
  readonly errno: number;
  readonly code: string;
  /** receive (poll/recv), send, open, membership, listener (a 'frame' listener threw) */
  readonly phase: 'receive' | 'send' | 'open' | 'membership' | 'listener';
  readonly message: string;
}

export interface PacketSocketEvents {
  frame: [frame: Buffer, pkttype: number];
  /** The socket is (re)bound to the interface; `info.mac` is the MAC to answer with. */
  open: [info: InterfaceState];
  /** The interface disappeared; the socket is closed until it is back. */
  closed: [reason: string];
  socketError: [err: SocketErrorEvent];
}

export interface PacketSocketOptions {
  /** BPF program (struct sock_filter[]); default: ARP + ICMPv6 NS/NA. */
  readonly filter?: Buffer;
  /** How often the interface is re-checked by name (recreation, MAC change); default 1000 ms. */
  readonly checkIntervalMs?: number;
  /** Keep the event loop alive while open; default true. */
  readonly ref?: boolean;
  readonly addon?: AfPacketAddon;
  /** Default: the process clock. */
  readonly clock?: Clock;
}

const IFF_UP = 1;
const ERROR_STORM_LIMIT = 20; // error reports per second before resume() is delayed
const STORM_DELAY_MS = 200;

export class PacketSocket extends EventEmitter<PacketSocketEvents> {
  readonly ifname: string;
  readonly #addon: AfPacketAddon;
  readonly #filter: Buffer;
  readonly #checkIntervalMs: number;
  readonly #ref: boolean;
  #native: NativeSocket | undefined;
  #state: InterfaceState | undefined;
  readonly #clock: Clock;
  /** The next check of the interface by name. */
  readonly #checkTimer: Timer;
  /** A resume() held back during an error storm. */
  readonly #resumeTimer: Timer;
  #groups = new Map<string, { mac: Buffer; refs: number }>();
  #allMulti = false;
  #errWindowStart = -Infinity;
  #errCount = 0;
  #stopped = true;

  constructor(ifname: string, opts: PacketSocketOptions = {}) {
    super();
    this.ifname = ifname;
    this.#addon = opts.addon ?? loadAddon();
    this.#filter = opts.filter ?? arpNdpFilter();
    this.#checkIntervalMs = opts.checkIntervalMs ?? 1000;
    this.#ref = opts.ref ?? true;
    this.#clock = opts.clock ?? systemClock;
    this.#checkTimer = new Timer(
      () => {
        this.#checkTimer.restart(this.#checkIntervalMs);
        this.check();
      },
      { clock: this.#clock },
    );
    this.#resumeTimer = new Timer(() => this.#resume(), { clock: this.#clock, unref: false });
  }

  get isOpen(): boolean {
    return this.#native !== undefined;
  }

  /** The interface as last seen (undefined while it does not exist). */
  get interface(): InterfaceState | undefined {
    return this.#state;
  }

  get mac(): Uint8Array | undefined {
    return this.#state?.mac;
  }

  /** Opens now if the interface exists, and keeps checking for it by name. Never throws for a missing interface. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.check();
    this.#checkTimer.restart(this.#checkIntervalMs);
  }

  close(): void {
    this.#stopped = true;
    this.#checkTimer.cancel();
    this.#resumeTimer.cancel();
    this.#native?.close();
    this.#native = undefined;
  }

  /** Sends one Ethernet frame: 0 or an errno (the error is also emitted). */
  send(frame: Buffer): number {
    const native = this.#native;
    if (native === undefined) return ENXIO ?? 6;
    const err = native.send(frame);
    if (err !== 0) {
      this.#emitError(err, 'send', `send ${frame.length} bytes`);
      if (err === ENXIO || err === ENODEV || err === ENETDOWN) this.check();
    }
    return err;
  }

  /** Joins an Ethernet multicast group (reference counted; kept across reopen). */
  joinGroup(mac: Uint8Array): void {
    const key = formatMac(mac);
    const g = this.#groups.get(key);
    if (g !== undefined) {
      g.refs++;
      return;
    }
    const buf = Buffer.from(mac.subarray(0, 6));
    this.#groups.set(key, { mac: buf, refs: 1 });
    this.#membership(this.#native, buf, true);
  }

  leaveGroup(mac: Uint8Array): void {
    const key = formatMac(mac);
    const g = this.#groups.get(key);
    if (g === undefined) return;
    if (--g.refs > 0) return;
    this.#groups.delete(key);
    this.#membership(this.#native, g.mac, false);
  }

  get groups(): string[] {
    return [...this.#groups.keys()];
  }

  setAllMulticast(on: boolean): void {
    if (on === this.#allMulti) return;
    this.#allMulti = on;
    this.#membership(this.#native, null, on);
  }

  /** Re-reads the interface by name and opens, closes or reopens the socket to match. */
  check(): void {
    if (this.#stopped) return;
    const info = this.#addon.interfaceInfo(this.ifname);
    if (typeof info === 'number') {
      if (this.#native !== undefined || this.#state !== undefined) {
        this.#native?.close();
        this.#native = undefined;
        this.#state = undefined;
        const reason = `interface ${this.ifname}: ${errnoName(info)}`;
        log.warn('packet socket closed', { ifname: this.ifname, reason });
        this.emit('closed', reason);
      }
      return;
    }
    const state: InterfaceState = {
      ifname: this.ifname,
      ifindex: info.ifindex,
      mac: new Uint8Array(info.mac),
      up: (info.flags & IFF_UP) !== 0,
    };
    if (this.#native !== undefined && this.#native.ifindex !== info.ifindex) {
      log.info('interface re-created; reopening', {
        ifname: this.ifname,
        old: this.#native.ifindex,
        new: info.ifindex,
      });
      this.#native.close();
      this.#native = undefined;
    }
    const prev = this.#state;
    this.#state = state;
    if (this.#native === undefined) {
      this.#open(state);
    } else if (prev === undefined || formatMac(prev.mac) !== formatMac(state.mac)) {
      this.emit('open', state);
    }
  }

  #open(state: InterfaceState): void {
    let native: NativeSocket;
    try {
      native = new this.#addon.Socket(
        this.ifname,
        this.#filter,
        (frame, pkttype) => this.#onFrame(frame, pkttype),
        (errno) => this.#onNativeError(errno),
      );
    } catch (e) {
      const errno = typeof (e as { errno?: unknown }).errno === 'number' ? (e as { errno: number }).errno : 0;
      this.#emitError(errno, 'open', (e as Error).message);
      return;
    }
    if (!this.#ref) native.unref();
    this.#native = native;
    for (const g of this.#groups.values()) this.#membership(native, g.mac, true);
    if (this.#allMulti) this.#membership(native, null, true);
    log.info('packet socket open', {
      ifname: this.ifname,
      ifindex: state.ifindex,
      mac: formatMac(state.mac),
    });
    this.emit('open', state);
  }

  #membership(native: NativeSocket | undefined, mac: Buffer | null, add: boolean): void {
    if (native === undefined) return;
    const err = add ? native.addMembership(mac) : native.dropMembership(mac);
    if (err !== 0)
      this.#emitError(
        err,
        'membership',
        `${add ? 'add' : 'drop'} ${mac === null ? 'all-multicast' : formatMac(mac)}`,
      );
  }

  #onFrame(frame: Buffer, pkttype: number): void {
    try {
      this.emit('frame', frame, pkttype);
    } catch (e) {
      // A listener bug must not take the receive loop (or the process) down.
      this.#emitError(0, 'listener', (e as Error).stack ?? String(e));
    }
  }

  #onNativeError(errno: number): void {
    try {
      this.#emitError(errno, 'receive', 'socket error');
      const before = this.#native;
      this.check(); // deleted or re-created interface → closed or reopened
      if (this.#native === undefined || this.#native !== before) return;
      const now = this.#clock.monotonic();
      if (now - this.#errWindowStart > 1000) {
        this.#errWindowStart = now;
        this.#errCount = 0;
      }
      if (++this.#errCount <= ERROR_STORM_LIMIT) {
        this.#resume();
      } else if (!this.#resumeTimer.pending) {
        this.#resumeTimer.restart(STORM_DELAY_MS);
      }
    } catch (e) {
      log.error('packet socket error handling failed', { ifname: this.ifname, error: String(e) });
    }
  }

  #resume(): void {
    const err = this.#native?.resume() ?? 0;
    if (err !== 0) this.#emitError(err, 'receive', 'resume polling');
  }

  #emitError(errno: number, phase: SocketErrorEvent['phase'], message: string): void {
    const ev: SocketErrorEvent = { ifname: this.ifname, errno, code: errnoName(errno), phase, message };
    if (phase !== 'send') log.warn('packet socket error', ev);
    try {
      this.emit('socketError', ev);
    } catch (e) {
      log.error('socketError listener threw', { ifname: this.ifname, error: String(e) });
    }
  }
}
