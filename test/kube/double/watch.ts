// WATCH: register a store watcher and stream events to the client.
import type { ServerResponse } from 'node:http';
import { metaOf } from './api.ts';
import type { Obj } from './json.ts';
import { includeObject } from './read.ts';
import type { Req } from './request.ts';
import { apiVersion } from './resource.ts';
import { fieldMatcher, labelMatcher } from './selectors.ts';
import { badRequest } from './status.ts';
import type { StoreWatcher } from './store.ts';
import { toTable, wantsTable } from './table.ts';
import { WatchStream } from './watch-stream.ts';

export function watch(r: Req, res: ServerResponse): void {
  const q = r.query;
  const labels = labelMatcher(q.get('labelSelector') ?? undefined);
  const fields = fieldMatcher(q.get('fieldSelector') ?? undefined, r.def.kind);
  const rvParam = q.get('resourceVersion');
  if (rvParam !== null && rvParam !== '' && !/^\d+$/.test(rvParam))
    throw badRequest(`invalid resource version: ${rvParam}`);
  const fromRv = rvParam === null || rvParam === '' || rvParam === '0' ? undefined : Number(rvParam);
  const timeoutParam = Number(q.get('timeoutSeconds') ?? '');
  const timeoutMs =
    (Number.isFinite(timeoutParam) && timeoutParam > 0 ? timeoutParam : r.api.opts.watchTimeoutSeconds) *
    1000;
  const bookmarks = q.get('allowWatchBookmarks') === 'true';
  const table = wantsTable(r.accept);
  const include = includeObject(r);
  const api = r.api;
  const av = apiVersion(r.def.group, r.version.name);
  const ns = r.def.namespaced ? r.path.namespace : undefined;
  // a name in the path (GET .../NAME?watch=true) watches that object only
  const name = r.path.name;
  const stream = new WatchStream({
    res,
    timeoutMs,
    bookmarkIntervalMs: api.opts.bookmarkIntervalMs,
    stalled: api.stalled,
    render: async (obj: Obj) => {
      const [converted] = await api.toVersion(r.def, [obj], r.version.name);
      const out = converted ?? obj;
      if (!table) return out;
      return toTable(
        r.def,
        r.version.printerColumns,
        [out],
        { resourceVersion: String(metaOf(out).resourceVersion ?? '') },
        include,
      );
    },
    bookmark: () =>
      bookmarks
        ? { kind: r.def.kind, apiVersion: av, metadata: { resourceVersion: String(api.store.rv) } }
        : undefined,
    onClose: () => {
      api.store.unwatch(watcher);
      api.watches.delete(stream);
    },
  });
  const watcher: StoreWatcher = {
    key: api.key(r.def),
    matches: (o) => labels(o) && fields(o) && (name === undefined || metaOf(o).name === name),
    deliver: (type, obj) => stream.push(type, obj),
  };
  if (ns !== undefined) watcher.namespace = ns;
  api.watches.add(stream);
  if (!api.store.watch(watcher, fromRv)) {
    stream.expire();
    return;
  }
  if (fromRv === undefined && bookmarks && q.get('sendInitialEvents') === 'true') {
    stream.push(
      'BOOKMARK',
      {
        kind: r.def.kind,
        apiVersion: av,
        metadata: {
          resourceVersion: String(api.store.rv),
          annotations: { 'k8s.io/initial-events-end': 'true' },
        },
      },
      true,
    );
  }
}
