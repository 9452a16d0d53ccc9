// The field catalogue of the bad-input property test: for every field of Eip, BgpConf, BgpPeer and
// the Service annotations openelb-ts reads, a generator of invalid values and where the value goes
// (an edit of a baseline object, or a new object). One "round" draws one case per catalogue entry.
import fc from 'fast-check';
import {
  ANNOTATION_DEFAULT_EIP,
  ANNOTATION_EIP_IP,
  ANNOTATION_EIP_POOL,
  ANNOTATION_LB,
  ANNOTATION_PROTOCOL,
  ANNOTATION_SHARING_KEY,
} from '../../../src/api/names.ts';
import {
  badInterface,
  garbage,
  malformedIp,
  malformedPool,
  notDnsLabel,
  notLabelValue,
  outOfRange,
  specialPool,
  typeWrong,
} from './values.ts';

export type Obj = Record<string, unknown>;
export type Kind = 'Eip' | 'BgpConf' | 'BgpPeer' | 'Service';

/** What the allocator must do with a stored Service case. */
export type ServiceExpect =
  /** a Warning Event on the Service and no address */
  | 'warning'
  /** not ours (another class, no openelb annotation): no address */
  | 'ignored'
  /** an edit of a baseline Service: it keeps its address */
  | 'kept';

/** The objects every case starts from; names are the lab's (see the test's baseline). */
export const BASE = {
  pool4: 'bgp-pool4',
  pool6: 'bgp-pool6',
  l2pool: 'l2-pool4',
  peer: 'router1',
  /** Service on an address its annotation names */
  svcExplicit: 'web',
  /** Service whose address the allocator picked */
  svcAuto: 'auto4',
  svcNs: 'demo',
} as const;

export interface CaseDraft {
  kind: Kind;
  /** The field a refusal must name (the start of the path the rules print). */
  field: string;
  how: 'edit' | 'new';
  /** For edits: the baseline object (by name); for new objects: the template's name. */
  target: string;
  /** Puts the invalid value into a copy of the object. */
  set: (o: Obj) => void;
  /** The value, for messages. */
  shown: string;
  service?: ServiceExpect;
  /**
   * false: a rule about the change itself (an address edit that orphans allocations), so an
   * unrelated later edit gets no ratchet warning for it.
   */
  ratchetWarns?: boolean;
}

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

function at(o: Obj, path: string[]): Obj {
  let cur = o;
  for (const k of path) {
    const next = cur[k];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[k] = {};
    cur = cur[k] as Obj;
  }
  return cur;
}

/** A setter of `value` at a dotted path (`spec.conf.peerAs`). */
function put(path: string, value: unknown): (o: Obj) => void {
  const parts = path.split('.');
  const last = parts.pop() ?? '';
  return (o) => {
    at(o, parts)[last] = value;
  };
}

interface Entry {
  kind: Kind;
  field: string;
  draft: fc.Arbitrary<CaseDraft>;
}

/** A field whose value goes at `path` of an edited or new object. */
function field(
  kind: Kind,
  fieldName: string,
  how: fc.Arbitrary<'edit' | 'new'>,
  target: { edit: string; new: string },
  values: fc.Arbitrary<unknown>,
  path = fieldName,
): Entry {
  return {
    kind,
    field: fieldName,
    draft: fc.tuple(how, values).map(([h, v]) => ({
      kind,
      field: fieldName,
      how: h,
      target: h === 'edit' ? target.edit : target.new,
      set: put(path, v),
      shown: show(v),
    })),
  };
}

function orphaning(e: Entry): Entry {
  return { ...e, draft: e.draft.map((d) => ({ ...d, ratchetWarns: false })) };
}

const EDIT_OR_NEW = fc.constantFrom<'edit' | 'new'>('edit', 'new');
const EDIT = fc.constant<'edit' | 'new'>('edit');
const NEW = fc.constant<'edit' | 'new'>('new');

// ------------------------------------------------------------------------------------------- Eip

const EIP = { edit: BASE.pool4, new: 'eip' };
const L2 = { edit: BASE.l2pool, new: 'eip-l2' };
const POOL4_CIDR = '198.51.100.0/24';

const eipEntries: Entry[] = [
  field('Eip', 'spec.address', EDIT_OR_NEW, EIP, malformedPool),
  field('Eip', 'spec.address', EDIT_OR_NEW, EIP, specialPool),
  // a pool that overlaps (or repeats) a baseline pool
  field(
    'Eip',
    'spec.address',
    NEW,
    EIP,
    fc.oneof(
      fc.constant(POOL4_CIDR),
      fc.tuple(fc.nat(255), fc.integer({ min: 24, max: 32 })).map(([a, p]) => `198.51.100.${a}/${p}`),
      fc
        .tuple(fc.nat(200), fc.integer({ min: 1, max: 55 }))
        .map(([a, n]) => `198.51.100.${a}-198.51.100.${a + n}`),
      fc.constant('2001:db8:100::10-2001:db8:100::ff'),
    ),
  ),
  // an edit that would orphan the allocations (198.51.100.70 and the automatic one stay outside)
  orphaning(
    field(
      'Eip',
      'spec.address',
      EDIT,
      EIP,
      fc.tuple(fc.nat(255), fc.integer({ min: 24, max: 32 })).map(([a, p]) => `203.0.${a}.0/${p}`),
    ),
  ),
  field(
    'Eip',
    'spec.protocol',
    EDIT_OR_NEW,
    EIP,
    fc.oneof(
      fc.constant('vip'),
      fc.stringMatching(/^[a-z]{2,8}$/).filter((s) => !['bgp', 'layer2'].includes(s)),
      typeWrong('string'),
    ),
  ),
  field('Eip', 'spec.interface', EDIT_OR_NEW, L2, badInterface),
  field(
    'Eip',
    'spec.namespaces',
    EDIT_OR_NEW,
    EIP,
    fc.oneof(
      notDnsLabel.map((n) => [n]),
      typeWrong('array'),
    ),
  ),
  field(
    'Eip',
    'spec.namespaceSelector',
    EDIT_OR_NEW,
    EIP,
    fc.oneof(
      typeWrong('string').map((v) => ({ team: v })),
      typeWrong('object'),
    ),
  ),
  field('Eip', 'spec.disable', EDIT_OR_NEW, EIP, typeWrong('boolean')),
  field('Eip', 'spec.autoAssign', EDIT_OR_NEW, EIP, typeWrong('boolean')),
  field('Eip', 'spec.usingKnownIPs', EDIT_OR_NEW, EIP, typeWrong('boolean')),
  // any integer is a priority (the CRD says int32, which API servers do not enforce): only the type can be wrong
  field('Eip', 'spec.priority', EDIT_OR_NEW, EIP, typeWrong('integer')),
  field(
    'Eip',
    'spec.bgp.communities',
    EDIT_OR_NEW,
    EIP,
    fc.oneof(
      fc.tuple(fc.integer({ min: 65536, max: 99999 }), fc.nat(65535)).map(([a, b]) => [`${a}:${b}`]),
      fc.tuple(fc.nat(65535), fc.integer({ min: 65536, max: 99999 })).map(([a, b]) => [`${a}:${b}`]),
      garbage.map((g) => [g]),
    ),
  ),
  field(
    'Eip',
    'spec.bgp.largeCommunities',
    EDIT_OR_NEW,
    EIP,
    fc.oneof(
      fc
        .tuple(fc.integer({ min: 2 ** 32, max: 9_999_999_999 }), fc.nat(100))
        .map(([a, b]) => [`${a}:${b}:${b}`]),
      garbage.map((g) => [g]),
    ),
  ),
  field(
    'Eip',
    'spec.bgp.localPref',
    EDIT_OR_NEW,
    EIP,
    fc.oneof(outOfRange(0, 4294967295), typeWrong('integer')),
  ),
  // shorter than both target pools (the edited /24, a new /28), past 32, or not an integer
  field(
    'Eip',
    'spec.bgp.aggregationLength',
    EDIT_OR_NEW,
    EIP,
    fc.oneof(fc.integer({ min: 0, max: 23 }), outOfRange(0, 32), typeWrong('integer')),
  ),
  field('Eip', 'spec.bgp.weightedEcmp', EDIT_OR_NEW, EIP, typeWrong('boolean')),
  // a second default pool (bgp-pool6 is the baseline's default)
  {
    kind: 'Eip',
    field: `metadata.annotations[${ANNOTATION_DEFAULT_EIP}]`,
    draft: fc.constant<CaseDraft>({
      kind: 'Eip',
      field: `metadata.annotations[${ANNOTATION_DEFAULT_EIP}]`,
      how: 'new',
      target: EIP.new,
      set: (o) => {
        at(o, ['metadata', 'annotations'])[ANNOTATION_DEFAULT_EIP] = 'true';
      },
      shown: '"true" while Eip bgp-pool6 is the default',
    }),
  },
];

// ------------------------------------------------------------------------------------------- BgpConf

const CONF = { edit: 'default', new: 'default' };
const asOutOfRange = fc.oneof(fc.constant(0), outOfRange(0, 4294967295), typeWrong('integer'));

function gracefulRestart(
  kind: 'BgpConf' | 'BgpPeer',
  how: fc.Arbitrary<'edit' | 'new'>,
  target: { edit: string; new: string },
): Entry[] {
  return [
    field(
      kind,
      'spec.gracefulRestart.restartTime',
      how,
      target,
      fc.oneof(outOfRange(0, 4095), typeWrong('integer')),
    ),
    field(
      kind,
      'spec.gracefulRestart.deferralTime',
      how,
      target,
      fc.oneof(fc.integer({ min: 65536, max: 2 ** 31 - 1 }), fc.integer({ min: -100, max: -1 })),
    ),
    field(
      kind,
      'spec.gracefulRestart.staleRoutesTime',
      how,
      target,
      fc.oneof(fc.integer({ min: 2 ** 24, max: 2 ** 31 - 1 }), typeWrong('integer')),
    ),
    field(kind, 'spec.gracefulRestart', how, target, typeWrong('object')),
  ];
}

const confEntries: Entry[] = [
  field('BgpConf', 'spec.as', EDIT, CONF, asOutOfRange),
  field(
    'BgpConf',
    'spec.asPerRack',
    EDIT,
    CONF,
    fc.oneof(
      notLabelValue.map((r) => ({ [r]: 65001 })),
      asOutOfRange.map((a) => ({ rack1: a })),
      typeWrong('object'),
    ),
  ),
  field(
    'BgpConf',
    'spec.routerId',
    EDIT,
    CONF,
    fc.oneof(
      malformedIp.filter((s) => s.trim() !== ''),
      fc.constantFrom('0.0.0.0', '2001:db8::1', '::', 'fd99::11'),
      typeWrong('string'),
    ),
  ),
  field(
    'BgpConf',
    'spec.listenPort',
    EDIT,
    CONF,
    fc.oneof(fc.constant(0), outOfRange(-1, 65535), typeWrong('integer')),
  ),
  field(
    'BgpConf',
    'spec.listenAddresses',
    EDIT,
    CONF,
    fc.oneof(
      malformedIp.map((a) => [a]),
      fc.tuple(fc.constant('10.99.0.11'), malformedIp),
      typeWrong('array'),
    ),
  ),
  field(
    'BgpConf',
    'spec.families',
    EDIT,
    CONF,
    fc.oneof(
      fc
        .nat(2 ** 31)
        .filter((f) => f !== 65537 && f !== 131073)
        .map((f) => [f]),
      typeWrong('array'),
    ),
  ),
  field('BgpConf', 'spec.useMultiplePaths', EDIT, CONF, typeWrong('boolean')),
  ...gracefulRestart('BgpConf', EDIT, CONF),
];

// ------------------------------------------------------------------------------------------- BgpPeer

const PEER = { edit: BASE.peer, new: 'peer' };

const peerEntries: Entry[] = [
  field(
    'BgpPeer',
    'spec.conf.neighborAddress',
    EDIT_OR_NEW,
    PEER,
    fc.oneof(
      malformedIp,
      fc.constantFrom('', '0.0.0.0', '::'),
      fc.tuple(fc.integer({ min: 224, max: 239 }), fc.nat(255)).map(([a, b]) => `${a}.0.0.${b}`),
      fc.nat(0xffff).map((h) => `ff02::${h.toString(16)}`),
      typeWrong('string'),
    ),
  ),
  field('BgpPeer', 'spec.conf.peerAs', EDIT_OR_NEW, PEER, asOutOfRange),
  field(
    'BgpPeer',
    'spec.conf.localAs',
    EDIT_OR_NEW,
    PEER,
    fc.oneof(outOfRange(0, 4294967295), typeWrong('integer')),
  ),
  field(
    'BgpPeer',
    'spec.conf.allowOwnAs',
    EDIT_OR_NEW,
    PEER,
    fc.oneof(outOfRange(0, 255), typeWrong('integer')),
  ),
  field(
    'BgpPeer',
    'spec.conf.authPassword',
    EDIT_OR_NEW,
    PEER,
    fc.integer({ min: 81, max: 200 }).map((n) => 'p'.repeat(n)),
  ),
  field(
    'BgpPeer',
    'spec.conf.authPasswordSecretRef.name',
    EDIT_OR_NEW,
    PEER,
    fc.oneof(fc.constant(''), notDnsLabel, fc.stringMatching(/^[A-Z][a-z]{1,8}$/)),
  ),
  field('BgpPeer', 'spec.conf.vrf', EDIT_OR_NEW, PEER, fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/)),
  field(
    'BgpPeer',
    'spec.conf.neighborInterface',
    EDIT_OR_NEW,
    PEER,
    fc.stringMatching(/^(eth|ens|bond)[0-9]{1,2}$/),
  ),
  field(
    'BgpPeer',
    'spec.conf.removePrivateAs',
    EDIT_OR_NEW,
    PEER,
    fc.stringMatching(/^[A-Z]{3,8}$/).filter((s) => !['NONE', 'ALL', 'REPLACE'].includes(s)),
  ),
  // removePrivateAs / replacePeerAs on a session its own localAs makes iBGP
  {
    kind: 'BgpPeer',
    field: 'spec.conf',
    draft: fc
      .tuple(
        EDIT_OR_NEW,
        fc.constantFrom<[string, unknown]>(
          ['removePrivateAs', 'ALL'],
          ['removePrivateAs', 'REPLACE'],
          ['replacePeerAs', true],
        ),
      )
      .map(([how, [k, v]]) => ({
        kind: 'BgpPeer' as const,
        field: `spec.conf.${k}`,
        how,
        target: how === 'edit' ? PEER.edit : PEER.new,
        set: (o: Obj) => {
          const conf = at(o, ['spec', 'conf']);
          conf['localAs'] = conf['peerAs'];
          conf[k] = v;
        },
        shown: `${k}: ${show(v)} with localAs = peerAs (iBGP)`,
      })),
  },
  field(
    'BgpPeer',
    'spec.timers.config.holdTime',
    EDIT_OR_NEW,
    PEER,
    fc.oneof(
      fc.constantFrom(1, 2, '1', '2'),
      fc.integer({ min: 65536, max: 10_000_000 }),
      fc.integer({ min: -1000, max: -1 }),
      fc.stringMatching(/^[0-9]{1,3}[smh]$/),
      fc.constantFrom('-5', 'abc', '9.5', ' 9', '99999999999'),
    ),
  ),
  field(
    'BgpPeer',
    'spec.timers.config.keepaliveInterval',
    EDIT_OR_NEW,
    PEER,
    fc.oneof(fc.integer({ min: 9, max: 65535 }), fc.integer({ min: 9, max: 65535 }).map(String), garbage),
  ),
  field(
    'BgpPeer',
    'spec.timers.config.connectRetry',
    EDIT_OR_NEW,
    PEER,
    fc.oneof(fc.integer({ min: 65536, max: 10_000_000 }), garbage, fc.constant(-3)),
  ),
  field(
    'BgpPeer',
    'spec.timers.config.minimumAdvertisementInterval',
    EDIT_OR_NEW,
    PEER,
    fc.oneof(garbage, fc.integer({ min: 65536, max: 10_000_000 })),
  ),
  {
    kind: 'BgpPeer',
    field: 'spec.ebgpMultihop.multihopTtl',
    draft: fc
      .tuple(
        EDIT_OR_NEW,
        fc.oneof(fc.constant(0), fc.integer({ min: 256, max: 100000 }), fc.integer({ min: -100, max: -1 })),
      )
      .map(([how, ttl]) => ({
        kind: 'BgpPeer' as const,
        field: 'spec.ebgpMultihop.multihopTtl',
        how,
        target: how === 'edit' ? PEER.edit : PEER.new,
        set: put('spec.ebgpMultihop', { enabled: true, multihopTtl: ttl }),
        shown: `enabled, TTL ${ttl}`,
      })),
  },
  field(
    'BgpPeer',
    'spec.transport.remotePort',
    EDIT_OR_NEW,
    PEER,
    fc.oneof(outOfRange(0, 65535), typeWrong('integer')),
  ),
  field(
    'BgpPeer',
    'spec.transport.tcpMss',
    EDIT_OR_NEW,
    PEER,
    fc.oneof(fc.integer({ min: 1, max: 87 }), outOfRange(0, 32767)),
  ),
  field(
    'BgpPeer',
    'spec.transport.localAddress',
    EDIT_OR_NEW,
    PEER,
    fc.oneof(
      malformedIp.filter((s) => s.trim() !== ''),
      fc.constantFrom('fd99::11', '2001:db8::5'),
    ),
  ),
  field('BgpPeer', 'spec.transport.mtuDiscovery', EDIT_OR_NEW, PEER, typeWrong('boolean')),
  field(
    'BgpPeer',
    'spec.afiSafis',
    EDIT_OR_NEW,
    PEER,
    fc.oneof(
      fc
        .constantFrom(
          ['AFI_L2VPN', 'SAFI_EVPN'],
          ['AFI_IP', 'SAFI_MPLS_VPN'],
          ['AFI_IP6', 'SAFI_FLOWSPEC_UNICAST'],
          ['AFI_IP', 'SAFI_MULTICAST'],
        )
        .map(([afi, safi]) => [{ config: { family: { afi, safi }, enabled: true } }]),
      fc
        .constantFrom('AFI_IP', 'AFI_IP6')
        .map((afi) =>
          [1, 2].map(() => ({ config: { family: { afi, safi: 'SAFI_UNICAST' }, enabled: true } })),
        ),
      typeWrong('array'),
    ),
  ),
  ...gracefulRestart('BgpPeer', EDIT_OR_NEW, PEER),
  field(
    'BgpPeer',
    'spec.nodeSelector.matchLabels',
    EDIT_OR_NEW,
    PEER,
    fc.oneof(
      garbage.map((k) => ({ [k]: 'x' })),
      notLabelValue.map((v) => ({ 'openelb.kubesphere.io/rack': v })),
    ),
  ),
  field(
    'BgpPeer',
    'spec.nodeSelector.matchExpressions',
    EDIT_OR_NEW,
    PEER,
    fc.oneof(
      fc
        .constantFrom('In', 'NotIn')
        .map((operator) => [{ key: 'kubernetes.io/hostname', operator, values: [] }]),
      fc
        .constantFrom('Exists', 'DoesNotExist')
        .map((operator) => [{ key: 'kubernetes.io/hostname', operator, values: ['node1'] }]),
      garbage.map((key) => [{ key, operator: 'Exists' }]),
      fc
        .stringMatching(/^[A-Z][a-z]{2,8}$/)
        .filter((op) => !['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(op))
        .map((operator) => [{ key: 'rack', operator }]),
    ),
  ),
];

// ------------------------------------------------------------------------------------------- Service

const SVC = { edit: BASE.svcExplicit, new: 'svc' };

function svcCase(
  fieldName: string,
  how: fc.Arbitrary<'edit' | 'new'>,
  values: fc.Arbitrary<unknown>,
  set: (o: Obj, v: unknown) => void,
  newExpect: ServiceExpect = 'warning',
): Entry {
  return {
    kind: 'Service',
    field: fieldName,
    draft: fc.tuple(how, values).map(([h, v]) => ({
      kind: 'Service' as const,
      field: fieldName,
      how: h,
      target: h === 'edit' ? SVC.edit : SVC.new,
      set: (o: Obj) => set(o, v),
      shown: show(v),
      service: h === 'edit' ? ('kept' as const) : newExpect,
    })),
  };
}

const ann =
  (key: string) =>
  (o: Obj, v: unknown): void => {
    at(o, ['metadata', 'annotations'])[key] = String(v);
  };
const annIp = `metadata.annotations[${ANNOTATION_EIP_IP}]`;
const annPool = `metadata.annotations[${ANNOTATION_EIP_POOL}]`;
/** The new-Service template names pool4 and an IP; these drop what the case replaces. */
const dropIp = (o: Obj): void => {
  delete at(o, ['metadata', 'annotations'])[ANNOTATION_EIP_IP];
};

const serviceEntries: Entry[] = [
  svcCase(
    annIp,
    EDIT_OR_NEW,
    malformedIp.filter((s) => s.trim() !== ''),
    ann(ANNOTATION_EIP_IP),
  ),
  // outside every pool, or the other family (the Services are IPv4 single-stack)
  svcCase(
    annIp,
    EDIT_OR_NEW,
    fc.oneof(
      fc.nat(255).map((a) => `203.0.113.${a}`),
      fc.nat(0xffff).map((h) => `2001:db8:100::${h.toString(16)}`),
    ),
    ann(ANNOTATION_EIP_IP),
  ),
  // two IPv4 addresses
  svcCase(
    annIp,
    EDIT_OR_NEW,
    fc
      .tuple(fc.integer({ min: 100, max: 199 }), fc.integer({ min: 200, max: 250 }))
      .map(([a, b]) => `198.51.100.${a},198.51.100.${b}`),
    ann(ANNOTATION_EIP_IP),
  ),
  // the address another baseline Service holds: new Services ask for web's, web asks for auto4's (filled in by the test)
  svcCase(annIp, EDIT_OR_NEW, fc.constant('<taken>'), ann(ANNOTATION_EIP_IP)),
  svcCase(
    annPool,
    EDIT_OR_NEW,
    fc.oneof(
      notDnsLabel,
      fc.stringMatching(/^[a-z]{3,10}$/).map((n) => `no-such-${n}`),
      garbage,
    ),
    (o, v) => {
      dropIp(o);
      ann(ANNOTATION_EIP_POOL)(o, v);
    },
  ),
  // the IPv6 pool for an IPv4 Service
  svcCase(annPool, EDIT_OR_NEW, fc.constant(BASE.pool6), (o, v) => {
    dropIp(o);
    ann(ANNOTATION_EIP_POOL)(o, v);
  }),
  // a sharing key does not let a Service into an address whose holder has none (same port)
  svcCase(
    `metadata.annotations[${ANNOTATION_SHARING_KEY}]`,
    EDIT_OR_NEW,
    fc.oneof(garbage, fc.stringMatching(/^[a-z]{1,12}$/)),
    (o, v) => {
      ann(ANNOTATION_SHARING_KEY)(o, v);
      const a = at(o, ['metadata', 'annotations']);
      if (a[ANNOTATION_EIP_IP] !== '198.51.100.70') a[ANNOTATION_EIP_IP] = '<taken>';
    },
  ),
  // accepted and ignored, as in OpenELB; with no pool named and no IPv4 default pool nothing matches
  svcCase(
    `metadata.annotations[${ANNOTATION_PROTOCOL}]`,
    EDIT_OR_NEW,
    fc.oneof(garbage, fc.stringMatching(/^[a-z]{2,8}$/)),
    (o, v) => {
      const a = at(o, ['metadata', 'annotations']);
      if (a[ANNOTATION_EIP_IP] !== '198.51.100.70') {
        dropIp(o);
        delete a[ANNOTATION_EIP_POOL];
      }
      ann(ANNOTATION_PROTOCOL)(o, v);
    },
  ),
  svcCase(
    'spec.loadBalancerIP',
    EDIT_OR_NEW,
    malformedIp.filter((s) => s.trim() !== ''),
    (o, v) => {
      const a = at(o, ['metadata', 'annotations']);
      if (a[ANNOTATION_EIP_IP] !== '198.51.100.70') dropIp(o);
      at(o, ['spec'])['loadBalancerIP'] = v;
    },
  ),
  svcCase(
    `metadata.annotations[${ANNOTATION_LB}]`,
    NEW,
    fc.oneof(fc.constantFrom('OpenELB', 'true', 'metallb', ''), garbage),
    ann(ANNOTATION_LB),
    'ignored',
  ),
  svcCase(
    'spec.loadBalancerClass',
    NEW,
    fc.oneof(
      fc.constantFrom('openelb.kubesphere.io/other', 'metallb.io/metallb', 'openelb'),
      fc.stringMatching(/^[a-z]{2,8}\.example\/[a-z]{2,8}$/),
    ),
    (o, v) => {
      at(o, ['spec'])['loadBalancerClass'] = v;
    },
    'ignored',
  ),
];

/** The whole catalogue, in a fixed order. */
export const CATALOGUE: readonly Entry[] = [...eipEntries, ...confEntries, ...peerEntries, ...serviceEntries];

/** fast-check prints a counterexample with this instead of the setter's source. */
function printable(d: CaseDraft): CaseDraft {
  return Object.assign(d, {
    [fc.toStringMethod]: () => `${d.how} ${d.kind} ${d.target}: ${d.field} = ${d.shown}`,
  });
}

/** One round: one draft per catalogue entry, in catalogue order. */
export const round: fc.Arbitrary<CaseDraft[]> = fc.tuple(...CATALOGUE.map((e) => e.draft.map(printable)));
