// HTTP dispatch: faults, discovery, openapi, and resource verbs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeApi } from './api.ts';
import { apiVersions, group, groupList, resourceList, SERVER_VERSION } from './discovery.ts';
import { aggregatedContentType, aggregatedList, wantsAggregated } from './discovery-aggregated.ts';
import type { FaultState } from './faults.ts';
import { readBody, readBytes, sendError, sendJson } from './http.ts';
import { groupVersionDoc, rootDoc } from './openapi.ts';
import { patch } from './patch-handler.ts';
import { parsePath, type ResourcePath } from './paths.ts';
import { getOne, list } from './read.ts';
import type { Req } from './request.ts';
import { remove, removeCollection } from './delete.ts';
import { ApiError } from './status.ts';
import { parseBody } from './body.ts';
import { scaleRequest } from './scale.ts';
import { watch } from './watch.ts';
import { create, update } from './write.ts';

const NOT_FOUND = (): ApiError =>
  new ApiError(404, 'the server could not find the requested resource', 'NotFound', {});
const NOT_ALLOWED = (): ApiError =>
  new ApiError(
    405,
    'the server does not allow this method on the requested resource',
    'MethodNotAllowed',
    {},
  );

function warningHeaders(warnings: string[]): Record<string, string> {
  if (warnings.length === 0) return {};
  return { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') };
}

async function resource(
  api: KubeApi,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  p: ResourcePath,
): Promise<void> {
  const resolved = api.registry.resolve(p.group, p.version, p.plural);
  if (!resolved) throw NOT_FOUND();
  const { def, version } = resolved;
  if (!def.namespaced && p.namespace !== undefined) throw NOT_FOUND();
  if (def.namespaced && p.namespace === undefined && p.name !== undefined) throw NOT_FOUND();
  // built-ins only: a CRD's scale subresource maps its own paths (specReplicasPath …), not served
  const scale =
    p.subresource === 'scale' && version.hasScale === true && def.builtin === true && p.name !== undefined;
  if (p.subresource !== undefined && !(p.subresource === 'status' && version.hasStatus) && !scale)
    throw NOT_FOUND();
  const r: Req = {
    api,
    def,
    version,
    path: p,
    query: url.searchParams,
    contentType: req.headers['content-type'] ?? '',
    accept: req.headers.accept ?? '',
    warnings: version.deprecationWarning ? [version.deprecationWarning] : [],
    userAgent: req.headers['user-agent'] ?? '',
  };
  const method = req.method ?? 'GET';
  const isWatch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
  const bytes = method === 'GET' ? Buffer.alloc(0) : await readBytes(req);
  const text = bytes.toString('utf8');
  let code = 200;
  let body: unknown;
  if (scale) {
    if (method !== 'GET' && method !== 'PUT' && method !== 'PATCH') throw NOT_ALLOWED();
    ({ code, body } = await scaleRequest(r, method, text));
    sendJson(res, code, body, warningHeaders(r.warnings));
    return;
  }
  switch (method) {
    case 'GET':
      if (isWatch) {
        watch(r, res);
        return;
      }
      body = p.name === undefined ? await list(r) : await getOne(r);
      break;
    case 'POST':
      if (p.name !== undefined) throw NOT_ALLOWED();
      ({ code, body } = await create(r, parseBody(r.contentType, text, bytes)));
      break;
    case 'PUT':
      if (p.name === undefined) throw NOT_ALLOWED();
      ({ code, body } = await update(r, parseBody(r.contentType, text, bytes)));
      break;
    case 'PATCH':
      if (p.name === undefined) throw NOT_ALLOWED();
      ({ code, body } = await patch(r, text));
      break;
    case 'DELETE':
      if (p.subresource !== undefined) throw NOT_ALLOWED();
      ({ code, body } = p.name === undefined ? await removeCollection(r, text) : await remove(r, text));
      break;
    default:
      throw NOT_ALLOWED();
  }
  sendJson(res, code, body, warningHeaders(r.warnings));
}

export async function handle(
  api: KubeApi,
  faults: FaultState,
  req: IncomingMessage,
  res: ServerResponse,
  serverAddress: string,
): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://double.invalid');
    const f = faults.take(req, url);
    if (f.delayMs > 0) await new Promise((r) => setTimeout(r, f.delayMs));
    if (f.error) {
      await readBody(req);
      const headers: Record<string, string> = f.error.code === 429 ? { 'Retry-After': '1' } : {};
      sendJson(res, f.error.code, f.error.toStatus(), headers);
      return;
    }
    const parsed = parsePath(url.pathname);
    switch (parsed.type) {
      case 'version':
        return sendJson(res, 200, SERVER_VERSION);
      case 'health':
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('ok');
        return;
      case 'openapi': {
        const m = /^v3(?:\/(?:api\/(v[^/]+)|apis\/([^/]+)\/([^/]+)))?$/.exec(parsed.rest);
        if (!m) throw NOT_FOUND();
        if (m[1] === undefined && m[2] === undefined) return sendJson(res, 200, rootDoc(api.registry));
        const doc =
          m[1] !== undefined
            ? groupVersionDoc(api.registry, '', m[1])
            : groupVersionDoc(api.registry, m[2] ?? '', m[3] ?? '');
        if (!doc) throw NOT_FOUND();
        return sendJson(res, 200, doc);
      }
      case 'discovery': {
        // only /api and /apis aggregate
        const aggregated = parsed.group === undefined ? wantsAggregated(req.headers.accept ?? '') : undefined;
        if (aggregated)
          return sendJson(res, 200, aggregatedList(api.registry, parsed.legacy, aggregated), {
            'Content-Type': aggregatedContentType(aggregated),
            Vary: 'Accept',
          });
        let doc: unknown;
        if (parsed.legacy && parsed.version === undefined) doc = apiVersions(serverAddress);
        else if (parsed.group === undefined) doc = groupList(api.registry);
        else if (parsed.version === undefined) doc = group(api.registry, parsed.group);
        else doc = resourceList(api.registry, parsed.group, parsed.version);
        if (doc === undefined) throw NOT_FOUND();
        return sendJson(res, 200, doc);
      }
      case 'resource':
        await resource(api, req, res, url, parsed.path);
        return;
      default:
        throw NOT_FOUND();
    }
  } catch (e) {
    sendError(res, e);
  }
}
