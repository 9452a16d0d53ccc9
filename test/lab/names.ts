import { randomBytes } from 'node:crypto';

// Every namespace, interface, temp dir and FRR instance this library creates starts with PREFIX, so
// leak checks and humans can tell ours from everyone else's. Interface names must stay ≤ 15 chars:
// "oelab-" (6) + id (5) + "-" + role (≤ 3, e.g. n12).
export const PREFIX = 'oelab-';
export const ID_LEN = 5;

export function newRunId(): string {
  return randomBytes(4).toString('hex').slice(0, ID_LEN);
}

export const IFNAME_MAX = 15;

export function ifName(id: string, role: string): string {
  const n = `${PREFIX}${id}-${role}`;
  if (n.length > IFNAME_MAX) throw new Error(`interface name ${n} is longer than ${IFNAME_MAX} characters`);
  return n;
}

export function nsName(id: string, role: string): string {
  return `${PREFIX}${id}-${role}`;
}
