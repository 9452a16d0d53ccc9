// HTTP(S) to the API server over node:http(s) with one keep-alive connection pool per TLS identity.
// client-node 2.0's fetch layer builds a new pool for every request whenever the cluster has any TLS
// setting (a CA, client certificates, insecure-skip-tls-verify), so every request opened a new TCP
// connection and did a TLS handshake; its undici fetch also costs ~0.5 ms more per request than
// node:http on loopback. Credentials still come from client-node (applyToHTTPSOptions) on every
// request, so a rotated bearer token or token file is picked up; a changed CA or client certificate
// gets a fresh pool.
import { isDeepStrictEqual } from 'node:util';
import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
import {
  Agent as HttpsAgent,
  request as httpsRequest,
  type RequestOptions as HttpsRequestOptions,
} from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { OpenelbError } from '../core/errors.ts';

export interface TransportResponse {
  status: number;
  text: string;
}

type TlsMaterial = Pick<
  HttpsRequestOptions,
  'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'rejectUnauthorized' | 'servername'
>;

const TLS_FIELDS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

function sameMaterial(a: TlsMaterial, b: TlsMaterial): boolean {
  return TLS_FIELDS.every((f) => isDeepStrictEqual(a[f], b[f]));
}

class StaleConnectionError extends OpenelbError {
  constructor(cause: Error) {
    super('OE_STALE_CONNECTION', cause.message, { cause });
  }
}

/** Sends requests for one KubeConfig; reuse one instance per client so connections are shared. */
export class ApiTransport {
  private readonly kc: KubeConfig;
  private agent: HttpAgent | HttpsAgent | undefined;
  private material: TlsMaterial = {};
  private tls = false;

  constructor(kc: KubeConfig) {
    this.kc = kc;
  }

  /** Proxies (socks/http) are left to client-node's own transport. */
  static supports(kc: KubeConfig): boolean {
    const c = kc.getCurrentCluster();
    return c !== null && !c.proxyUrl;
  }

  async send(
    method: string,
    url: URL,
    headers: OutgoingHttpHeaders,
    body: string | undefined,
    signal: AbortSignal,
  ): Promise<TransportResponse> {
    const opts: HttpsRequestOptions = { headers: {} };
    await this.kc.applyToHTTPSOptions(opts);
    const tls = url.protocol === 'https:';
    const allHeaders: OutgoingHttpHeaders = { ...(opts.headers as OutgoingHttpHeaders), ...headers };
    if (body !== undefined) allHeaders['content-length'] = Buffer.byteLength(body);
    const reqOpts: HttpsRequestOptions = {
      method,
      headers: allHeaders,
      agent: this.agentFor(tls, opts),
      signal,
    };
    if (opts.auth) reqOpts.auth = opts.auth;
    try {
      return await this.once(tls, url, reqOpts, body);
    } catch (err) {
      // A pooled connection the server closed while idle fails before any answer: the request never
      // reached the server. The other idle connections are most likely closed too (server restart,
      // connections dropped): the pool is replaced and the request sent once more.
      if (!(err instanceof StaleConnectionError) || signal.aborted)
        throw err instanceof StaleConnectionError ? err.cause : err;
      this.close();
      return this.once(tls, url, { ...reqOpts, agent: this.agentFor(tls, opts) }, body);
    }
  }

  private once(
    tls: boolean,
    url: URL,
    reqOpts: HttpsRequestOptions,
    body: string | undefined,
  ): Promise<TransportResponse> {
    return new Promise<TransportResponse>((resolve, reject) => {
      let answered = false;
      const onResponse = (res: IncomingMessage): void => {
        answered = true;
        // decoded as it arrives: no Buffer copy of the whole body kept until the end
        res.setEncoding('utf8');
        let text = '';
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      };
      const req = tls ? httpsRequest(url, reqOpts, onResponse) : httpRequest(url, reqOpts, onResponse);
      req.on('error', (err: NodeJS.ErrnoException) => {
        const stale = !answered && req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
        reject(stale ? new StaleConnectionError(err) : err);
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }

  private agentFor(tls: boolean, opts: HttpsRequestOptions): HttpAgent | HttpsAgent {
    const material: TlsMaterial = {};
    for (const f of TLS_FIELDS) if (opts[f] !== undefined) (material as Record<string, unknown>)[f] = opts[f];
    if (this.agent && tls === this.tls && sameMaterial(material, this.material)) return this.agent;
    this.agent?.destroy();
    this.material = material;
    this.tls = tls;
    this.agent = tls
      ? new HttpsAgent({ keepAlive: true, keepAliveMsecs: 30_000, ...material })
      : new HttpAgent({ keepAlive: true, keepAliveMsecs: 30_000 });
    return this.agent;
  }
}
