// The BGP reconciler: caches → desired global, peers and paths for this node (desired*.ts) → the
// GobgpdSink sink, handing over only what changed (compared by value). What it decided (intent,
// peers, wanted path counts, the version of the desired paths) is read by the status reporter and
// the readiness gate; the notes go to the NoteRecorder. Pure decisions, one side effect: the speaker.
import { isDeepStrictEqual } from 'node:util';
import { BGPCONF_DEFAULT_NAME, PASSWORD_SECRET_DEFAULT_KEY } from '../../api/names.ts';
import { announcementsFrom, type Announcement } from '../../announce/announcements.ts';
import { AnnouncedEips } from '../../announce/announced-eips.ts';
import type { GobgpdSink, DesiredGlobal, DesiredPath, DesiredPeer } from '../../bgp/index.ts';
import type { Caches } from '../../kube/index.ts';
import { familyLabel, type Family } from '../../net/ip.ts';
import type { Logger } from '../../obs/log.ts';
import { gauge } from '../../obs/metrics.ts';
import { desiredGlobal, type Note } from './desired-global.ts';
import { eipOfPrefix } from './aggregate.ts';
import { desiredPaths } from './desired-paths.ts';
import { desiredPeers } from './desired.ts';
import type { NoteRecorder } from './notes.ts';
import { replicaNodes } from '../replicas/nodes.ts';
import type { BgpIntent } from './reporter.ts';
import type { PeerSecrets } from './secrets.ts';

const mPaths = gauge('bgp_paths_announced', 'Service routes this node announces, by family', [
  'node',
  'family',
]);
const mWeighted = gauge(
  'bgp_paths_weighted',
  'Service routes this node announces with a link bandwidth (weighted ECMP)',
  ['node'],
);
const mRejected = gauge('bgp_paths_rejected', 'Desired Service routes refused by validation (never sent)', [
  'node',
]);

export interface ReconcilerDeps {
  caches: Caches;
  node: string;
  speaker: GobgpdSink;
  secrets: PeerSecrets;
  notes: NoteRecorder;
  log: Logger;
  /** Nodes judged gone (controllers/replicas/liveness.ts): their status entries name no replica. */
  gone?: () => ReadonlySet<string>;
}

export class BgpReconciler {
  readonly #deps: ReconcilerDeps;
  /** invalid Eip versions keep the last valid protocol and spec.bgp (see announce/announced-eips.ts) */
  readonly #announced = new AnnouncedEips();
  /** what was last handed to the speaker (compared by value, so an unchanged compute sends nothing) */
  #last: {
    global: DesiredGlobal | undefined | null;
    peers: DesiredPeer[] | null;
    paths: DesiredPath[] | null;
  } = { global: null, peers: null, paths: null };

  /** a compute has run (before it, readiness has nothing to judge) */
  computed = false;
  /** bumped whenever a new set of paths goes to the speaker */
  desiredVersion = 0;
  intent: BgpIntent = {
    configured: false,
    global: undefined,
    globalError: undefined,
    selectedPeers: [],
    peerErrors: {},
  };
  peers: DesiredPeer[] = [];
  /** every announcement of the last compute (the announced-summary publisher reads which it carries) */
  announcements: readonly Announcement[] = [];
  wanted: Record<Family, number> = { 4: 0, 6: 0 };

  constructor(d: ReconcilerDeps) {
    this.#deps = d;
  }

  compute(): void {
    const c = this.#deps.caches;
    const node = c.nodes.get(this.#deps.node);
    const conf = c.bgpConfs.get(BGPCONF_DEFAULT_NAME);
    const replicas = replicaNodes(conf, this.#deps.gone?.() ?? new Set(), this.#deps.node);
    const notes: Note[] = [];

    const g = desiredGlobal(conf, node, replicas.size);
    notes.push(...g.notes);
    const confRefused = c.bgpConfs.refusal(BGPCONF_DEFAULT_NAME);
    if (confRefused) {
      const kept = conf
        ? 'the last valid BgpConf stays in force'
        : 'BGP stays unconfigured until it is fixed';
      notes.push({
        kind: 'BgpConf',
        name: BGPCONF_DEFAULT_NAME,
        type: 'Warning',
        reason: 'InvalidSpec',
        message: `BgpConf ${BGPCONF_DEFAULT_NAME} is invalid and not applied (${kept}): ${confRefused.reason}`,
      });
    }
    // a BgpConf that cannot be used keeps the last good settings (never StopBgp on a bad edit)
    const global = g.global || !conf || conf.metadata.deletionTimestamp ? g.global : this.intent.global;
    if (g.error) this.#deps.log.warn('BgpConf default cannot be applied on this node', { error: g.error });

    const p = desiredPeers(
      c.bgpPeers.list(),
      node,
      (name, key) => this.#deps.secrets.value(name, key),
      PASSWORD_SECRET_DEFAULT_KEY,
    );
    notes.push(...p.notes);
    const peerErrors = { ...p.errors };
    for (const r of c.bgpPeers.refused()) {
      const name = r.obj.metadata.name;
      const kept = c.bgpPeers.get(name) ? 'the last valid spec stays in force' : 'not configured';
      notes.push({
        kind: 'BgpPeer',
        name,
        type: 'Warning',
        reason: 'InvalidSpec',
        message: `BgpPeer ${name} is invalid and not applied (${kept}): ${r.reason}`,
      });
      peerErrors[name] ??= `invalid spec not applied: ${r.reason}`;
    }
    this.intent = {
      configured: global !== undefined,
      global,
      globalError: confRefused ? `invalid spec not applied: ${confRefused.reason}` : g.error,
      selectedPeers: p.selected,
      peerErrors,
    };
    this.computed = true;

    const announcements = announcementsFrom(this.#announced.select(c.eips.list()), (ns, name) =>
      c.services.get(name, ns),
    );
    this.announcements = announcements;
    const slices = c.endpointSlices.list();
    const paths = desiredPaths(announcements, node, slices, p.peers, global);
    notes.push(...paths.notes);

    if (!isDeepStrictEqual(global, this.#last.global)) {
      this.#last.global = global;
      const changes = this.#deps.speaker.setGlobal(global);
      if (changes.length)
        this.#deps.log.info('BgpConf change', { changes: changes.map((x) => `${x.field}: ${x.class}`) });
    }
    if (!isDeepStrictEqual(p.peers, this.#last.peers)) {
      this.#last.peers = p.peers;
      this.peers = p.peers;
      this.#deps.speaker.setPeers(p.peers);
    }
    if (!isDeepStrictEqual(paths.paths, this.#last.paths)) {
      this.#last.paths = paths.paths;
      const rejected = this.#deps.speaker.setPaths(paths.paths);
      const bad = new Set(rejected.map((r) => r.path));
      this.wanted = { 4: 0, 6: 0 };
      let weighted = 0;
      for (const x of paths.paths) {
        if (bad.has(x)) continue;
        this.wanted[x.family]++;
        if (x.linkBandwidth) weighted++;
      }
      mWeighted.set({ node: this.#deps.node }, weighted);
      mRejected.set({ node: this.#deps.node }, rejected.length);
      for (const r of rejected)
        notes.push({
          kind: 'Eip',
          name: eipOfPrefix(announcements, r.path.prefix),
          type: 'Warning',
          reason: 'RouteRefused',
          message: `route ${r.path.prefix} not announced by ${this.#deps.node}: ${r.error}`,
        });
      this.desiredVersion++;
    }
    for (const f of [4, 6] as const)
      mPaths.set({ node: this.#deps.node, family: familyLabel(f) }, this.wanted[f]);

    for (const n of notes) this.#deps.notes.tell(n);
  }
}
