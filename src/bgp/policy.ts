import type { Logger } from '../obs/log.ts';
import { logger } from '../obs/log.ts';
import type { GobgpClient } from './client/client.ts';
import type { RouteAction, WirePolicy, WirePolicyAssignment } from './client/wire.ts';

// gobgpd must never become a transit router. One policy accepts only locally originated paths
// (route-type LOCAL: what we AddPath), whatever their prefix; it is the global export policy
// (default reject: nothing learned is ever sent on) and the global import policy (default reject:
// received routes never enter the RIB). gobgpd runs the global import policy on AddPath'd paths
// too, so a bare "import: reject all" would also drop our own announcements.
// This needs no per-prefix bookkeeping (a prefix set would have to be updated before every
// AddPath and would fail open or closed on any ordering slip), and stays correct across
// restarts because it is re-applied with every resync.

export const EXPORT_POLICY_NAME = 'openelb-local-only';
export const GLOBAL_ASSIGNMENT = 'global';

export interface PolicyOptions {
  /** accept received routes into the RIB (never exported either way); default false */
  acceptImports?: boolean;
}

export function exportPolicy(): WirePolicy {
  return {
    name: EXPORT_POLICY_NAME,
    statements: [
      {
        name: `${EXPORT_POLICY_NAME}-accept-local`,
        conditions: { route_type: 'ROUTE_TYPE_LOCAL' },
        actions: { route_action: 'ACCEPT' },
      },
    ],
  };
}

function policyIsCurrent(p: WirePolicy | undefined): boolean {
  const s = p?.statements;
  return (
    !!s &&
    s.length === 1 &&
    s[0]?.conditions?.route_type === 'ROUTE_TYPE_LOCAL' &&
    s[0]?.actions?.route_action === 'ACCEPT'
  );
}

function assignmentIs(a: WirePolicyAssignment | undefined, policies: string[], def: RouteAction): boolean {
  if (!a) return false;
  const names = (a.policies ?? []).map((p) => p.name);
  return (
    a.default_action === def && names.length === policies.length && names.every((n, i) => n === policies[i])
  );
}

export interface PolicyResult {
  changed: string[];
}

/** Level-triggered: reads gobgpd's policy state and fixes only what differs. */
export class PolicySink {
  private readonly client: GobgpClient;
  private readonly log: Logger;
  private readonly opts: PolicyOptions;

  constructor(client: GobgpClient, opts: PolicyOptions = {}, log: Logger = logger('bgp.policy')) {
    this.client = client;
    this.opts = opts;
    this.log = log;
  }

  async ensure(): Promise<PolicyResult> {
    const changed: string[] = [];
    const existing = (await this.client.listPolicy()).find((p) => p.name === EXPORT_POLICY_NAME);
    const exportAssignment = (await this.client.listPolicyAssignment(GLOBAL_ASSIGNMENT, 'EXPORT'))[0];
    if (!policyIsCurrent(existing)) {
      if (existing) {
        // detach before replacing: gobgpd refuses to delete a policy in use
        for (const direction of ['EXPORT', 'IMPORT'] as const)
          await this.client.setPolicyAssignment({
            name: GLOBAL_ASSIGNMENT,
            direction,
            policies: [],
            default_action: 'REJECT',
          });
        await this.client.deletePolicy(EXPORT_POLICY_NAME);
      }
      await this.client.addPolicy(exportPolicy());
      changed.push('export-policy');
    }
    if (changed.length || !assignmentIs(exportAssignment, [EXPORT_POLICY_NAME], 'REJECT')) {
      await this.client.setPolicyAssignment({
        name: GLOBAL_ASSIGNMENT,
        direction: 'EXPORT',
        policies: [{ name: EXPORT_POLICY_NAME }],
        default_action: 'REJECT',
      });
      changed.push('export-assignment');
    }
    const importDefault: RouteAction = this.opts.acceptImports ? 'ACCEPT' : 'REJECT';
    const importAssignment = (await this.client.listPolicyAssignment(GLOBAL_ASSIGNMENT, 'IMPORT'))[0];
    if (
      changed.includes('export-policy') ||
      !assignmentIs(importAssignment, [EXPORT_POLICY_NAME], importDefault)
    ) {
      await this.client.setPolicyAssignment({
        name: GLOBAL_ASSIGNMENT,
        direction: 'IMPORT',
        policies: [{ name: EXPORT_POLICY_NAME }],
        default_action: importDefault,
      });
      changed.push('import-assignment');
    }
    if (changed.length) this.log.info('routing policy applied', { changed, importDefault });
    return { changed };
  }
}
