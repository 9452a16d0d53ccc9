// What an admission request for an Eip, BgpConf or BgpPeer is answered with: the object (converted
// to v1alpha2, named) and the other objects the rules look at, run through the rules in src/api/rules.
// A failed read of the other Eips denies (overlap and the default pool cannot be checked); any other
// failed read is a warning.
import { BGPCONF_DEFAULT_NAME, KIND_BGPCONF, KIND_EIP } from '../api/names.ts';
import { ConversionError } from '../api/convert.ts';
import {
  needsBgpConf,
  validateBgpConf,
  validateBgpPeer,
  validateEip,
  type BgpConfContext,
  type BgpConfLike,
  type BgpPeerContext,
  type BgpPeerLike,
  type EipContext,
  type EipLike,
  type NodeAddressesLike,
  type ValidationResult,
} from '../api/rules/index.ts';
import {
  admissionError,
  admissionResponse,
  asV1alpha2,
  type AdmissionRequest,
  type AdmissionReviewResponse,
} from './admission.ts';

/** How the admission checks read the other objects. */
export interface AdmissionLookups {
  /** Every Eip that exists now; used for the overlap and default-pool checks. */
  eips: () => Promise<readonly EipLike[]>;
  /**
   * BgpConf `default` (undefined when it does not exist), for the iBGP checks of BgpPeers. Absent:
   * only a peer's own localAs decides. A failure allows the peer with a warning.
   */
  bgpConf?: () => Promise<BgpConfLike | undefined>;
  /**
   * Every BgpPeer: for the one-peer-per-neighbour rule on BgpPeers, the warnings on a BgpConf AS
   * change and on Eips covering a neighbour address. A failure is a warning (the controllers apply
   * the neighbour rule anyway).
   */
  bgpPeers?: () => Promise<readonly BgpPeerLike[]>;
  /** Every Node, for the warning on Eips covering a node address. A failure is a warning. */
  nodes?: () => Promise<readonly NodeAddressesLike[]>;
}

type Meta = { metadata: { name: string } };

function withName(
  o: Record<string, unknown> | undefined,
  fallback: string,
): (Record<string, unknown> & Meta) | undefined {
  if (!o) return undefined;
  const m =
    typeof o['metadata'] === 'object' && o['metadata'] !== null
      ? (o['metadata'] as Record<string, unknown>)
      : {};
  const name = typeof m['name'] === 'string' ? m['name'] : fallback;
  return { ...o, metadata: { ...m, name } } as Record<string, unknown> & Meta;
}

export async function reviewAdmission(
  kind: string,
  req: AdmissionRequest,
  lookups: AdmissionLookups,
): Promise<AdmissionReviewResponse> {
  if (req.operation !== 'CREATE' && req.operation !== 'UPDATE')
    return admissionResponse(req, { errors: [], warnings: [] });
  if (req.kind.kind !== kind)
    return admissionError(
      req.uid,
      400,
      `this endpoint validates ${kind}, not ${req.kind.kind || 'an unknown kind'}`,
    );
  let obj: ReturnType<typeof withName>;
  let old: ReturnType<typeof withName>;
  try {
    obj = withName(asV1alpha2(req.object), req.name);
    old = withName(asV1alpha2(req.oldObject), req.name);
  } catch (e) {
    if (e instanceof ConversionError) return admissionError(req.uid, 400, e.message);
    throw e;
  }
  if (!obj) return admissionError(req.uid, 400, `${req.operation} request without an object`);
  let result: ValidationResult;
  if (kind === KIND_EIP) {
    let others: readonly EipLike[];
    try {
      others = await lookups.eips();
    } catch (e) {
      return admissionError(
        req.uid,
        500,
        `cannot read the other Eips to check overlaps and the default pool: ${(e as Error).message}`,
      );
    }
    result = validateEip(obj, {
      ...(old ? { oldObject: old } : {}),
      others,
      ...(await hostsContext(lookups)),
    });
  } else if (kind === KIND_BGPCONF) {
    result = validateBgpConf(obj, old, await bgpConfContext(lookups, obj));
  } else {
    result = validateBgpPeer(obj, old, await bgpPeerContext(lookups, obj, old));
  }
  return admissionResponse(req, result);
}

/** Nodes and BgpPeers for the Eip "covers a host's address" warning; a failed read is a warning too. */
async function hostsContext(
  lookups: AdmissionLookups,
): Promise<Pick<EipContext, 'nodes' | 'peers' | 'lookupErrors'>> {
  const lookupErrors: string[] = [];
  const read = async <T>(
    what: string,
    f: (() => Promise<readonly T[]>) | undefined,
  ): Promise<readonly T[] | undefined> => {
    if (!f) return undefined;
    try {
      return await f();
    } catch (e) {
      lookupErrors.push(`cannot read the ${what}: ${(e as Error).message}`);
      return undefined;
    }
  };
  const [nodes, peers] = await Promise.all([
    read('Nodes', lookups.nodes),
    read('BgpPeers', lookups.bgpPeers),
  ]);
  return {
    ...(nodes ? { nodes } : {}),
    ...(peers ? { peers } : {}),
    ...(lookupErrors.length > 0 ? { lookupErrors } : {}),
  };
}

/** The other BgpPeers (one peer per neighbour and node), and BgpConf `default` only for a peer whose check depends on it. */
async function bgpPeerContext(
  lookups: AdmissionLookups,
  obj: BgpPeerLike,
  old: BgpPeerLike | undefined,
): Promise<BgpPeerContext> {
  const ctx: BgpPeerContext = {};
  if (lookups.bgpPeers) {
    try {
      ctx.peers = await lookups.bgpPeers();
    } catch (e) {
      ctx.peersError = (e as Error).message;
    }
  }
  if (!lookups.bgpConf || !(needsBgpConf(obj.spec) || (old && needsBgpConf(old.spec)))) return ctx;
  try {
    ctx.bgpConf = (await lookups.bgpConf()) ?? null;
  } catch (e) {
    ctx.bgpConfError = (e as Error).message;
  }
  return ctx;
}

async function bgpConfContext(lookups: AdmissionLookups, obj: BgpConfLike): Promise<BgpConfContext> {
  if (!lookups.bgpPeers || obj.metadata.name !== BGPCONF_DEFAULT_NAME) return {};
  try {
    return { peers: await lookups.bgpPeers() };
  } catch (e) {
    return { peersError: (e as Error).message };
  }
}
