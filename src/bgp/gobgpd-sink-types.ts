// What GobgpdSink is given (options) and what it tells (pass reports, events).
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../obs/log.ts';
import type { GlobalChange } from './global.ts';
import type { PathsResult, PathsSinkOptions } from './paths.ts';
import type { PeersResult } from './peers.ts';
import type { PolicyOptions } from './policy.ts';
import type { PeerStatus } from './types.ts';

export interface GobgpdSinkOptions {
  /** gobgpd's API socket: `/abs/path` or `unix:///abs/path` */
  socket: string;
  /** how often GetBgp checks that the sidecar still holds our state (ms); default 2000 */
  pollIntervalMs?: number;
  /** how often everything is re-read and re-applied even without changes (ms); default 60000 */
  fullResyncMs?: number;
  callTimeoutMs?: number;
  policy?: PolicyOptions;
  paths?: Omit<PathsSinkOptions, 'log'>;
  /** version reporting; see probeGobgpdVersion */
  gobgpdVersion?: string;
  gobgpdBinary?: string;
  /** follow peer state with WatchEvent ('peer-state' events); default true */
  watchPeers?: boolean;
  log?: Logger;
  /** passed to the GobgpClient: told of every gRPC call as it starts */
  onGobgpCall?: (method: string) => void;
  /** drives the poll, retry and watch timers and the resync clock; default the system clock */
  clock?: Clock;
}

export interface ReconcileReport {
  /** what happened to the global BGP server in this pass */
  global: 'unconfigured' | 'stopped' | 'none' | 'started' | 'restarted';
  /** the sidecar had lost our state (restarted) and everything was re-applied */
  sidecarRestarted: boolean;
  drift: GlobalChange[];
  policyChanged: string[];
  peers?: PeersResult;
  paths?: PathsResult;
  /** wall time of the pass */
  durationMs?: number;
}

export interface GobgpdSinkEvents {
  /** gobgpd lost its state (process restarted): everything was re-applied in the same pass */
  restarted: [info: { reason: string }];
  reconciled: [report: ReconcileReport];
  error: [err: Error];
  /** a peer's session state changed (from WatchEvent) */
  'peer-state': [status: PeerStatus];
}
