// Writes this replica's row of one Service's announced summary: merged into the value as last known
// (the informer cache, or our own last write's answer while the cache has not caught up), sent as a
// conditioned JSON patch (announced-patch.ts). A refused condition (422) or a conflict means another
// replica wrote in between: read the Service afresh from the API server and merge again.
import { ANNOTATION_ANNOUNCED } from '../../api/announced.ts';
import { Backoff, sleep } from '../../core/backoff.ts';
import { errorMessage, OpenelbError } from '../../core/errors.ts';
import { isConflict, isKubeApiError, isNotFound, Resources, type KubeClient } from '../../kube/index.ts';
import type { Service } from '../../kube/types.ts';
import { announcedPatch, type AnnotatedView } from './announced-patch.ts';
import { withRow, type Row } from './announced-rows.ts';

const RETRIES = 4;

export type WriteOutcome = 'written' | 'unchanged' | 'gone';

export interface ServiceLookup {
  get(name: string, namespace?: string): Service | undefined;
}

function viewOf(svc: Service): AnnotatedView {
  return { annotations: svc.metadata.annotations, resourceVersion: svc.metadata.resourceVersion };
}

function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export class AnnouncedWriter {
  readonly #client: KubeClient;
  readonly #services: ServiceLookup;
  readonly #node: string;
  /** our last write's answer per Service, used while the cache still shows the version it replaced */
  readonly #written = new Map<string, { cacheRv: string | undefined; view: AnnotatedView }>();

  constructor(client: KubeClient, services: ServiceLookup, node: string) {
    this.#client = client;
    this.#services = services;
    this.#node = node;
  }

  /** The annotation value as last known; undefined when the Service is not in the cache. */
  value(key: string): string | undefined {
    return this.view(key)?.annotations?.[ANNOTATION_ANNOUNCED];
  }

  /** The Service's annotations and resourceVersion as last known; undefined when it is not in the cache. */
  view(key: string): AnnotatedView | undefined {
    const { namespace, name } = splitKey(key);
    const svc = this.#services.get(name, namespace);
    const ours = this.#written.get(key);
    if (!svc) {
      this.#written.delete(key);
      return undefined;
    }
    if (ours && ours.cacheRv === svc.metadata.resourceVersion) return ours.view;
    if (ours) this.#written.delete(key);
    return viewOf(svc);
  }

  /**
   * Sets (or, for undefined, removes) this node's row on the Service, keeping every other replica's
   * but for the `gone` ones.
   */
  async write(
    key: string,
    row: Row | undefined,
    gone: ReadonlySet<string> = new Set(),
  ): Promise<WriteOutcome> {
    const { namespace, name } = splitKey(key);
    let cur = this.view(key);
    if (!cur) return 'gone';
    // the version the cache shows (not our last write's): our answer stands in for it until it moves
    const cacheRv = this.#services.get(name, namespace)?.metadata.resourceVersion;
    const backoff = new Backoff({ initialMs: 50, maxMs: 400, jitter: 0.6 });
    for (let attempt = 0; ; attempt++) {
      const ops = announcedPatch(
        cur,
        withRow(cur.annotations?.[ANNOTATION_ANNOUNCED], this.#node, row, gone),
      );
      if (!ops) return 'unchanged';
      try {
        const out = await this.#client.patch<Service>(Resources.Service, name, namespace, ops, 'json');
        this.#written.set(key, { cacheRv, view: viewOf(out) });
        return 'written';
      } catch (err) {
        if (isNotFound(err)) return 'gone';
        const raced = isConflict(err) || (isKubeApiError(err) && err.httpStatus === 422);
        if (!raced || attempt >= RETRIES)
          throw new OpenelbError(
            'OE_ANNOUNCED_WRITE',
            `Service ${key}: writing ${ANNOTATION_ANNOUNCED} failed: ${errorMessage(err)}`,
            {
              context: { service: key, attempts: attempt + 1 },
              cause: err,
            },
          );
      }
      // the first retry at once (the read is fresh); later ones spread the racing replicas out
      if (attempt > 0) await sleep(backoff.next());
      try {
        cur = viewOf(await this.#client.get<Service>(Resources.Service, name, namespace));
      } catch (err) {
        if (isNotFound(err)) return 'gone';
        throw new OpenelbError(
          'OE_ANNOUNCED_WRITE',
          `Service ${key}: re-reading after a refused write failed: ${errorMessage(err)}`,
          {
            context: { service: key },
            cause: err,
          },
        );
      }
    }
  }
}
