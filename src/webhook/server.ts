// The manager's HTTPS webhook server: admission for Eip, BgpConf and BgpPeer, CRD conversion at
// /convert, and /healthz. It depends on nothing but its certificate and ways to read the other Eips,
// BgpConf `default` and the BgpPeers, so it can start before the caches sync (and answer conversion
// requests for stored objects then).
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BGPCONF_DEFAULT_NAME, CONVERSION_PATH, KIND_BGPCONF, KIND_BGPPEER, KIND_EIP } from '../api/names.ts';
import { ConversionError, reviewConversion } from '../api/convert.ts';
import { counter } from '../obs/metrics.ts';
import { logger, type Logger } from '../obs/log.ts';
import {
  BadReviewError,
  admissionError,
  admissionResponse,
  asV1alpha2,
  parseAdmissionReview,
  type AdmissionRequest,
  type AdmissionReviewResponse,
} from './admission.ts';
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

export interface TlsMaterial {
  /** PEM private key. */
  key: string;
  /** PEM certificate (chain). */
  cert: string;
}

export interface WebhookServerOptions {
  /** Default: every address (dual-stack where the kernel allows). */
  host?: string;
  port: number;
  tls: TlsMaterial;
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
  /** The API server sends at most 3 MiB objects; anything larger is refused with 413. */
  maxBodyBytes?: number;
  log?: Logger;
}

/** The paths the validators answer on: short names, and OpenELB's controller-runtime style names. */
export const VALIDATE_PATHS: Readonly<Record<string, string>> = {
  '/validate-eip': KIND_EIP,
  '/validate-bgpconf': KIND_BGPCONF,
  '/validate-bgppeer': KIND_BGPPEER,
  '/validate-network-kubesphere-io-v1alpha2-eip': KIND_EIP,
  '/validate-network-kubesphere-io-v1alpha2-bgpconf': KIND_BGPCONF,
  '/validate-network-kubesphere-io-v1alpha2-bgppeer': KIND_BGPPEER,
};

type Meta = { metadata: { name: string } };

const requests = counter(
  'webhook_requests_total',
  'Webhook requests by path and outcome (allowed, denied, converted, failed, bad_request).',
  ['path', 'outcome'],
);

class HttpError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

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

export class WebhookServer {
  private readonly opts: WebhookServerOptions;
  private readonly server: Server;
  private readonly log: Logger;
  private readonly maxBody: number;

  constructor(opts: WebhookServerOptions) {
    this.opts = opts;
    this.log = opts.log ?? logger('webhook');
    this.maxBody = opts.maxBodyBytes ?? 3 * 1024 * 1024 + 64 * 1024;
    this.server = createServer(
      { key: opts.tls.key, cert: opts.tls.cert, minVersion: 'TLSv1.2' },
      (req, res) => {
        void this.handle(req, res);
      },
    );
    this.server.on('tlsClientError', (e) => this.log.debug('TLS handshake failed', { error: e.message }));
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', reject);
        this.server.on('error', (e) => this.log.error('webhook server error', { error: e.message }));
        resolve();
      });
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get listening(): boolean {
    return this.server.listening;
  }

  /** Hot reload: new connections use the new certificate, open ones keep theirs. */
  setCertificate(t: TlsMaterial): void {
    this.server.setSecureContext({ key: t.key, cert: t.cert, minVersion: 'TLSv1.2' });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
      setTimeout(() => this.server.closeAllConnections(), 2000).unref();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    try {
      if (path === '/healthz') {
        send(res, 200, 'text/plain', 'ok');
        return;
      }
      const kind = VALIDATE_PATHS[path];
      if (kind === undefined && path !== CONVERSION_PATH) throw new HttpError(404, `no webhook at ${path}`);
      if (req.method !== 'POST') throw new HttpError(405, `${path} takes POST`);
      const body = await this.readJson(req);
      const answer = kind === undefined ? this.convert(body) : await this.admit(kind, body);
      requests.inc({ path, outcome: answer.outcome });
      send(res, 200, 'application/json', JSON.stringify(answer.body));
    } catch (e) {
      const code =
        e instanceof HttpError
          ? e.code
          : e instanceof BadReviewError || e instanceof ConversionError
            ? 400
            : 500;
      const message = (e as Error).message;
      requests.inc({
        path: VALIDATE_PATHS[path] !== undefined || path === CONVERSION_PATH ? path : 'other',
        outcome: code >= 500 ? 'failed' : 'bad_request',
      });
      if (code >= 500) this.log.error('webhook request failed', { path, error: message });
      else this.log.info('webhook request refused', { path, code, error: message });
      if (!res.headersSent) send(res, code, 'text/plain', `${message}\n`);
      else res.destroy();
    }
  }

  private readJson(req: IncomingMessage): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > this.maxBody) {
          reject(new HttpError(413, `request body larger than ${this.maxBody} bytes`));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      req.on('error', reject);
      req.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
        } catch (e) {
          reject(new HttpError(400, `request body is not JSON: ${(e as Error).message}`));
        }
      });
    });
  }

  private convert(body: unknown): { outcome: string; body: unknown } {
    const answer = reviewConversion(body);
    if (answer.response.result.status !== 'Success') {
      this.log.warn('conversion failed', { uid: answer.response.uid, error: answer.response.result.message });
      return { outcome: 'failed', body: answer };
    }
    return { outcome: 'converted', body: answer };
  }

  private async admit(
    kind: string,
    body: unknown,
  ): Promise<{ outcome: string; body: AdmissionReviewResponse }> {
    const req = parseAdmissionReview(body);
    const answer = await this.admitRequest(kind, req);
    const outcome = answer.response.allowed ? 'allowed' : 'denied';
    if (!answer.response.allowed) {
      this.log.info('admission denied', {
        kind,
        name: req.name,
        operation: req.operation,
        denial: answer.response.status?.message,
      });
    }
    return { outcome, body: answer };
  }

  private async admitRequest(kind: string, req: AdmissionRequest): Promise<AdmissionReviewResponse> {
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
        others = await this.opts.eips();
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
        ...(await this.hostsContext()),
      });
    } else if (kind === KIND_BGPCONF) {
      result = validateBgpConf(obj, old, await this.bgpConfContext(obj));
    } else {
      result = validateBgpPeer(obj, old, await this.bgpPeerContext(obj, old));
    }
    return admissionResponse(req, result);
  }

  /** Nodes and BgpPeers for the Eip "covers a host's address" warning; a failed read is a warning too. */
  private async hostsContext(): Promise<Pick<EipContext, 'nodes' | 'peers' | 'lookupErrors'>> {
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
      read('Nodes', this.opts.nodes),
      read('BgpPeers', this.opts.bgpPeers),
    ]);
    return {
      ...(nodes ? { nodes } : {}),
      ...(peers ? { peers } : {}),
      ...(lookupErrors.length > 0 ? { lookupErrors } : {}),
    };
  }

  /** The other BgpPeers (one peer per neighbour and node), and BgpConf `default` only for a peer whose check depends on it. */
  private async bgpPeerContext(obj: BgpPeerLike, old: BgpPeerLike | undefined): Promise<BgpPeerContext> {
    const ctx: BgpPeerContext = {};
    if (this.opts.bgpPeers) {
      try {
        ctx.peers = await this.opts.bgpPeers();
      } catch (e) {
        ctx.peersError = (e as Error).message;
      }
    }
    if (!this.opts.bgpConf || !(needsBgpConf(obj.spec) || (old && needsBgpConf(old.spec)))) return ctx;
    try {
      ctx.bgpConf = (await this.opts.bgpConf()) ?? null;
    } catch (e) {
      ctx.bgpConfError = (e as Error).message;
    }
    return ctx;
  }

  private async bgpConfContext(obj: BgpConfLike): Promise<BgpConfContext> {
    if (!this.opts.bgpPeers || obj.metadata.name !== BGPCONF_DEFAULT_NAME) return {};
    try {
      return { peers: await this.opts.bgpPeers() };
    } catch (e) {
      return { peersError: (e as Error).message };
    }
  }
}

function send(res: ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
