// What the Layer 2 speaker should know per IP (pure): the layer2 announcements, the nodes eligible to
// answer each one (shared eligibility: Ready, not excluded, eTP=Local endpoints), and the interface this
// replica would answer on. An IP whose interface cannot be found here is not eligible on this node.
import { announcementsFrom, eligibleNodes, type ServiceLookup } from '../../announce/announcements.ts';
import type { Eip } from '../../api/v1alpha2.ts';
import type { EndpointSlice, Node, Service } from '../../kube/index.ts';
import { canonicalIp, type Family } from '../../net/ip.ts';
import { chooseInterface, type LocalInterfaces } from './interfaces.ts';

export interface Layer2Target {
  readonly ip: string;
  readonly family: Family;
  readonly eip: string;
  /** Nodes allowed to answer (sorted); includes this node only when it has an interface for the IP. */
  readonly eligible: readonly string[];
  /** Interface this replica answers on (undefined: none found, see `problem`). */
  readonly ifname: string | undefined;
  readonly problem: string | undefined;
  readonly services: readonly Service[];
}

export interface DesiredInputs {
  readonly self: string;
  readonly eips: Iterable<Eip>;
  readonly lookup: ServiceLookup;
  readonly nodes: Iterable<Node>;
  readonly slices: Iterable<EndpointSlice>;
  readonly local: LocalInterfaces;
}

export function layer2Targets(inp: DesiredInputs): Map<string, Layer2Target> {
  const nodeList = [...inp.nodes];
  const byName = new Map(nodeList.map((n) => [n.metadata.name, n]));
  const slices = [...inp.slices];
  const selfNode = byName.get(inp.self);
  const out = new Map<string, Layer2Target>();
  for (const a of announcementsFrom(inp.eips, inp.lookup)) {
    if (a.protocol !== 'layer2') continue;
    const ip = canonicalIp(a.ip);
    if (ip === undefined) continue;
    const choice = chooseInterface(a.interface, a.family, selfNode, inp.local);
    let eligible = eligibleNodes(a, byName.keys(), (n) => byName.get(n), slices);
    if (!choice.ok) eligible = eligible.filter((n) => n !== inp.self);
    out.set(ip, {
      ip,
      family: a.family,
      eip: a.eip,
      eligible,
      ifname: choice.ok ? choice.value.ifname : undefined,
      problem: choice.ok ? undefined : choice.error,
      services: a.services,
    });
  }
  return out;
}
