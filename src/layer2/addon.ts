// Typed loader for the AF_PACKET addon in ./native (built by `npm ci` through the root install script).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { environment } from '../config.ts';
import { OpenelbError } from '../core/errors.ts';

export interface NativeSocket {
  /** Sends one whole Ethernet frame; 0 or an errno. */
  send(frame: Buffer): number;
  /** Joins an Ethernet multicast group (6-byte MAC), or all-multicast with null; 0 or an errno. */
  addMembership(mac: Buffer | null): number;
  dropMembership(mac: Buffer | null): number;
  setFilter(code: Buffer): number;
  /** Restarts polling after an error report stopped it; 0 or an errno. */
  resume(): number;
  close(): void;
  ref(): void;
  unref(): void;
  readonly ifindex: number;
}

export interface NativeInterfaceInfo {
  readonly ifindex: number;
  /** IFF_* flags (IFF_UP = 1, IFF_RUNNING = 0x40). */
  readonly flags: number;
  readonly mtu: number;
  readonly mac: Buffer;
}

export interface AfPacketAddon {
  readonly Socket: new (
    ifname: string,
    filter: Buffer | null,
    onFrame: (frame: Buffer, pkttype: number) => void,
    onError: (errno: number) => void,
  ) => NativeSocket;
  /** Interface index, flags, MTU and MAC, or an errno (ENODEV when the interface does not exist). */
  interfaceInfo(ifname: string): NativeInterfaceInfo | number;
}

const here = dirname(fileURLToPath(import.meta.url));
const candidates = [
  environment.afpacketAddon(),
  resolve(here, 'native/build/Release/afpacket.node'),
  resolve(here, '../../../src/layer2/native/build/Release/afpacket.node'), // from dist/src/layer2
].filter((p): p is string => p !== undefined && p !== '');

let cached: AfPacketAddon | undefined;

export function loadAddon(): AfPacketAddon {
  if (cached !== undefined) return cached;
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) {
    throw new OpenelbError(
      'OE_LAYER2_ADDON',
      `AF_PACKET addon not built (looked in ${candidates.join(', ')}); run \`npm run build:addon\``,
      { context: { paths: candidates } },
    );
  }
  cached = createRequire(import.meta.url)(path) as AfPacketAddon;
  return cached;
}
