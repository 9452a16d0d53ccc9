// In-memory FrameLink for responder/announcer tests: records sent frames and group memberships.
import { formatMac } from '../../../src/layer2/addr.ts';
import type { FrameLink } from '../../../src/layer2/link.ts';

export class MemoryLink implements FrameLink {
  mac: Uint8Array | undefined;
  sent: Buffer[] = [];
  groups = new Map<string, number>();
  failSends = 0;

  constructor(mac: Uint8Array | undefined) {
    this.mac = mac;
  }

  send(frame: Buffer): number {
    if (this.failSends > 0) {
      this.failSends--;
      return 6; // ENXIO
    }
    this.sent.push(frame);
    return 0;
  }

  joinGroup(mac: Uint8Array): void {
    const k = formatMac(mac);
    this.groups.set(k, (this.groups.get(k) ?? 0) + 1);
  }

  leaveGroup(mac: Uint8Array): void {
    const k = formatMac(mac);
    const n = (this.groups.get(k) ?? 0) - 1;
    if (n <= 0) this.groups.delete(k);
    else this.groups.set(k, n);
  }
}
