// The network lab: build a topology of namespaces, routers, gobgpd nodes and a client; drive and inspect it.
export { Lab, KUBE_PORT, type LabTimings, type LabExtras } from './lab.ts';
export * from './topology.ts';
export { waitFor, sleep } from './wait.ts';
export { Proc, type ExitInfo, type SpawnOptions } from './proc.ts';
export { run, runOk, inNs, type RunResult, type RunOptions } from './exec.ts';
export {
  kernelRoutes,
  kernelRoute,
  nextHops,
  neighbours,
  neighbour,
  flushNeighbour,
  linkMac,
  type KernelRoute,
  type Neighbour,
} from './fib.ts';
export {
  GobgpClient,
  buildPath,
  gobgpProtoDir,
  gobgpdVersion,
  type AddPeerOptions,
  type StartBgpOptions,
  type PeerInfo,
  type PathInfo,
} from './gobgp/client.ts';
export {
  HttpProbe,
  httpGet,
  urlFor,
  type ProbeOptions,
  type ProbeResult,
  type HttpGetResult,
} from './http.ts';
export { arping, ndisc6, type ArpingResult, type NdiscResult } from './l2.ts';
export { Capture } from './capture.ts';
export * from './pcap.ts';
export type { Router, SessionState, RibPath } from './routers/router.ts';
export { BirdRouter, birdConfig } from './routers/bird.ts';
export { FrrRouter, frrConfig } from './routers/frr.ts';
export { PREFIX } from './names.ts';
export { inventory, type Inventory } from './inventory.ts';
export { reapOrphans } from './orphans.ts';
