// Notes from the desired-state functions (desired.ts) become one log line and one Event each per
// object generation: a note that repeats on every compute is told once.
import { errorMessage, type Caches, type EventRecorder } from '../../kube/index.ts';
import type { Logger } from '../../obs/log.ts';
import type { Note } from './desired-global.ts';

const REMEMBER_MAX = 10_000;

export class NoteRecorder {
  readonly #caches: Caches;
  readonly #events: EventRecorder;
  readonly #log: Logger;
  readonly #told = new Set<string>();

  constructor(caches: Caches, events: EventRecorder, log: Logger) {
    this.#caches = caches;
    this.#events = events;
    this.#log = log;
  }

  tell(n: Note): void {
    const c = this.#caches;
    // BgpConf/BgpPeer: the newest version, also when the entry check refused it (the note may be why)
    const obj =
      n.kind === 'BgpConf'
        ? c.bgpConfs.latest(n.name)
        : n.kind === 'BgpPeer'
          ? c.bgpPeers.latest(n.name)
          : n.kind === 'Eip'
            ? c.eips.get(n.name)
            : c.nodes.get(n.name);
    if (!obj) return;
    const key = `${n.kind}/${n.name}/${obj.metadata.generation ?? obj.metadata.resourceVersion}/${n.reason}/${n.message}`;
    if (this.#told.has(key)) return;
    this.#told.add(key);
    if (this.#told.size > REMEMBER_MAX) this.#told.clear();
    this.#log.warn(n.message, { object: `${n.kind}/${n.name}`, reason: n.reason });
    try {
      this.#events.event(obj, n.type, n.reason, n.message);
    } catch (err) {
      this.#log.warn('event not recorded', { object: `${n.kind}/${n.name}`, error: errorMessage(err) });
    }
  }
}
