import type { Proc } from '../proc.ts';
import type { RouterPlan } from '../topology.ts';

// What every router kind (BIRD 2, FRR 8.4) offers the lab and the tests, so tests can run on either.

export interface SessionState {
  /** the router's name for the session (BIRD protocol / FRR neighbour address). */
  session: string;
  /** neighbour address. */
  peer: string;
  /** Kubernetes node name of the neighbour, when it is a lab node. */
  node: string | undefined;
  /** the router's own wording (Established, Active, Connect, Idle …). */
  state: string;
  established: boolean;
}

export interface RibPath {
  prefix: string;
  nextHop: string;
  /** neighbour address the path came from ('' when local). */
  from: string;
  best: boolean;
}

export interface Router {
  readonly plan: RouterPlan;
  /** writes the config, starts the daemon(s) as direct children, waits until the CLI answers. */
  start(): Promise<void>;
  /** stops its processes by PID; idempotent. */
  stop(): Promise<void>;
  /** processes of this router (for cleanup and PID checks). */
  procs(): Proc[];
  sessions(): Promise<SessionState[]>;
  /** BGP paths the router holds for exactly this prefix (all paths, not only the best). */
  rib(prefix: string): Promise<RibPath[]>;
  /** raw CLI (birdc / vtysh -c) for anything the helpers don't cover. */
  cli(command: string): Promise<string>;
}

export function nodeForPeer(plan: RouterPlan, addr: string): string | undefined {
  return plan.peers.find((n) => n.ipv4 === addr || n.ipv6 === addr)?.name;
}

export function isV6(prefixOrAddr: string): boolean {
  return prefixOrAddr.includes(':');
}

/** "198.51.100.10" → "198.51.100.10/32"; a prefix stays as is. */
export function asPrefix(p: string): string {
  return p.includes('/') ? p : `${p}/${isV6(p) ? 128 : 32}`;
}
