import { ifName, nsName } from './names.ts';

// The description a test writes, and the fully resolved plan (names, addresses) the lab builds from it.
// Every host sits on one lab LAN: a bridge inside the lab's own "sw" namespace.

export type RouterKind = 'bird' | 'frr';
export type SessionFamily = 'v4' | 'v6';

export interface RouterDesc {
  kind: RouterKind;
  /** default 64512 for the first router, 64513 for the second … */
  asn?: number;
  /** TCP port the router dials on each node (default 1790, where a lab-peered gobgpd listens). */
  dialPort?: number;
  /** never dial; only accept sessions the nodes open to port 179 of the router. */
  passive?: boolean;
  /** address families of the BGP sessions themselves (default ['v4']); each carries IPv4 and IPv6 routes. */
  sessions?: SessionFamily[];
  /** BGP hold / keepalive the router proposes (default 9 / 3). */
  holdTime?: number;
  keepalive?: number;
  /** node names (node1…) to peer with; default every node. */
  peers?: string[];
}

export type GobgpMode = 'none' | 'bare' | 'peered';
export type LabRuntime = 'process' | 'podman';

/** The runtime OE_RUNTIME asks for ('process' when unset). */
export function runtimeFromEnv(env: NodeJS.ProcessEnv = process.env): LabRuntime {
  const v = env.OE_RUNTIME ?? 'process';
  if (v !== 'process' && v !== 'podman') throw new Error(`OE_RUNTIME must be process or podman, got ${v}`);
  return v;
}
/**
 * The command KUBE_SERVER_CMD gives for the API server role (undefined when unset or blank: the
 * in-memory double). The one place the variable is read; `make lab`, the e2e suites and the bench all
 * reach it through Lab.up.
 */
export function kubeServerCmdFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env.KUBE_SERVER_CMD?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/** 'if-present': start it when its entry point exists in the tree, skip quietly otherwise. */
export type OptionalRole = boolean | 'if-present';

export interface LabDesc {
  /** number of node namespaces (1…99). */
  nodes: number;
  /** default [{ kind: 'bird' }]; [] for none. */
  routers?: RouterDesc[];
  /** default true. */
  client?: boolean;
  /** AS of every node's gobgpd (default 64600). Equal to a router's AS = iBGP with that router. */
  nodeAsn?: number;
  /**
   * gobgpd in each node: 'none'; 'bare' = started, unconfigured (the manager configures it);
   * 'peered' (default) = the lab calls StartBgp (listen on nodeBgpPort at the node address) and
   * AddPeer for every router.
   */
  gobgp?: GobgpMode;
  /** gobgpd listen port in 'peered' mode and the routers' default dial port (default 1790). */
  nodeBgpPort?: number;
  /** hold time gobgpd proposes in 'peered' mode (default 9; negotiated = min of both sides). */
  nodeHoldTime?: number;
  /** HTTP stand-in for kube-proxy + pods in each node (default true). */
  http?: boolean;
  /** TCP port of the HTTP stand-in (default 80). */
  httpPort?: number;
  /**
   * The API server role in a control namespace (default false): the in-memory double (test/kube/cli.ts),
   * or the server `kubeServerCmd` starts.
   */
  kubeDouble?: OptionalRole;
  /**
   * A shell command starting the API server instead of the double (contract in README.md, "Any API
   * server"); false forces the double. Default: $KUBE_SERVER_CMD (kubeServerCmdFromEnv).
   */
  kubeServerCmd?: string | false;
  /** how long a kubeServerCmd server gets to write its kubeconfig and answer /readyz (default 60 s). */
  kubeServerTimeoutMs?: number;
  /** false: the API double starts with no CRDs (the seed walkthrough installs them with kubectl). Default true. */
  kubeCrds?: boolean;
  /**
   * `kubectl apply -f deploy/openelb.yaml` once the API double is up (default false): CRDs with their
   * conversion webhook, the webhook Service, the ValidatingWebhookConfiguration, RBAC, the Deployment
   * (stored; no one runs its pods: the managers are lab processes). From then on writes of our kinds
   * are refused until a manager's webhook answers (failurePolicy Fail), as on a cluster.
   */
  openelbManifest?: boolean;
  /**
   * How manager replicas run: 'process' (src/main.ts in the node namespace) or 'podman' (the
   * Deployment's pod from deploy/openelb.yaml — manager and gobgpd images — run by test/pod; the
   * pod brings gobgpd, so gobgp mode 'bare' starts none). Default: $OE_RUNTIME, else 'process'.
   */
  runtime?: LabRuntime;
  /** podman runtime: receives the pod runner's event lines (default <run dir>/pod-runner.log). */
  podLog?: (line: string) => void;
  /** a manager replica (src/main.ts) in every node (default false; needs kubeDouble). */
  managers?: OptionalRole;
  /** extra manager flags / env, per node. */
  managerArgs?: (node: NodePlan) => string[];
  managerEnv?: (node: NodePlan) => Record<string, string>;
  /** wait for every lab-peered session to be Established before up() resolves (default true when peered). */
  waitEstablished?: boolean;
  /** deadline for waitEstablished (default 30 s). */
  establishTimeoutMs?: number;
}

export const LAN4_PREFIX = '10.99.0.';
export const LAN4_LEN = 24;
export const LAN6_PREFIX = 'fd99::';
export const LAN6_LEN = 64;
/** Addresses meant for Layer 2 Services: on the LAN, not used by any host. */
export const L2_POOL4 = '10.99.0.200-10.99.0.250';
export const L2_POOL6 = 'fd99::200-fd99::250';
/** Addresses meant for BGP Services: off the LAN; the client's default route leads to the first router. */
export const BGP_POOL4 = '198.51.100.0/24';
export const BGP_POOL6 = '2001:db8:100::/64';

export interface HostPlan {
  /** short role: sw, k, c, r1, n1 … */
  role: string;
  ns: string;
  /** the host's LAN interface (inside ns). */
  ifname: string;
  /** the bridge port in the sw namespace. */
  port: string;
  ipv4: string;
  ipv6: string;
}

export interface NodePlan extends HostPlan {
  /** Kubernetes node name: node1, node2 … */
  name: string;
  index: number;
  gobgpSocket: string;
  bgpPort: number;
}

export interface RouterPlan extends HostPlan {
  name: string;
  index: number;
  kind: RouterKind;
  asn: number;
  routerId: string;
  dialPort: number;
  passive: boolean;
  sessions: SessionFamily[];
  holdTime: number;
  keepalive: number;
  peers: NodePlan[];
  /** every file of this router lives here. */
  dir: string;
}

export interface LabPlan {
  id: string;
  dir: string;
  swNs: string;
  bridge: string;
  nodes: NodePlan[];
  routers: RouterPlan[];
  client: HostPlan | undefined;
  control: HostPlan | undefined;
  nodeAsn: number;
}

function host(id: string, role: string, octet: number): HostPlan {
  return {
    role,
    ns: nsName(id, role),
    ifname: ifName(id, role),
    port: `p-${role}`,
    ipv4: `${LAN4_PREFIX}${octet}`,
    ipv6: `${LAN6_PREFIX}${octet}`,
  };
}

export function plan(id: string, dir: string, d: LabDesc, wantControl: boolean): LabPlan {
  if (!Number.isInteger(d.nodes) || d.nodes < 1 || d.nodes > 99)
    throw new Error(`lab: nodes must be 1…99, got ${d.nodes}`);
  const routersDesc = d.routers ?? [{ kind: 'bird' }];
  if (routersDesc.length > 4) throw new Error('lab: at most 4 routers');
  const nodeBgpPort = d.nodeBgpPort ?? 1790;
  const nodes: NodePlan[] = [];
  for (let i = 1; i <= d.nodes; i++) {
    nodes.push({
      ...host(id, `n${i}`, 10 + i),
      name: `node${i}`,
      index: i,
      gobgpSocket: `${dir}/n${i}/gobgpd.sock`,
      bgpPort: nodeBgpPort,
    });
  }
  const routers = routersDesc.map((r, k): RouterPlan => {
    const i = k + 1;
    const h = host(id, `r${i}`, i);
    const peers = r.peers ? nodes.filter((n) => r.peers?.includes(n.name)) : nodes;
    return {
      ...h,
      name: `router${i}`,
      index: i,
      kind: r.kind,
      asn: r.asn ?? 64511 + i,
      routerId: h.ipv4,
      dialPort: r.dialPort ?? nodeBgpPort,
      passive: r.passive ?? false,
      sessions: r.sessions ?? ['v4'],
      holdTime: r.holdTime ?? 9,
      keepalive: r.keepalive ?? 3,
      peers,
      dir: `${dir}/r${i}`,
    };
  });
  return {
    id,
    dir,
    swNs: nsName(id, 'sw'),
    bridge: 'br0',
    nodes,
    routers,
    client: d.client === false ? undefined : host(id, 'c', 9),
    control: wantControl ? host(id, 'k', 5) : undefined,
    nodeAsn: d.nodeAsn ?? 64600,
  };
}
