// The manager's HTTPS webhook server: admission for Eip, BgpConf and BgpPeer, CRD conversion at
// /convert, and /healthz. It depends on nothing but its certificate and ways to read the other Eips,
// BgpConf `default` and the BgpPeers, so it can start before the caches sync (and answer conversion
// requests for stored objects then).
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONVERSION_PATH, KIND_BGPCONF, KIND_BGPPEER, KIND_EIP } from '../api/names.ts';
import { ConversionError, reviewConversion } from '../api/convert.ts';
import { counter } from '../obs/metrics.ts';
import { logger, type Logger } from '../obs/log.ts';
import { Timer } from '../core/timer.ts';
import { BadReviewError, parseAdmissionReview, type AdmissionReviewResponse } from './admission.ts';
import { reviewAdmission, type AdmissionLookups } from './review.ts';
import { OpenelbError } from '../core/errors.ts';

export interface TlsMaterial {
  /** PEM private key. */
  key: string;
  /** PEM certificate (chain). */
  cert: string;
}

export interface WebhookServerOptions extends AdmissionLookups {
  /** Default: every address (dual-stack where the kernel allows). */
  host?: string;
  port: number;
  tls: TlsMaterial;
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

const requests = counter(
  'webhook_requests_total',
  'Webhook requests by path and outcome (allowed, denied, converted, failed, bad_request).',
  ['path', 'outcome'],
);

class HttpError extends OpenelbError {
  readonly httpStatus: number;
  constructor(httpStatus: number, message: string) {
    super('OE_WEBHOOK_REQUEST', message, { context: { httpStatus } });
    this.httpStatus = httpStatus;
  }
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
      new Timer(() => this.server.closeAllConnections()).restart(2000);
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
          ? e.httpStatus
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
    const answer = await reviewAdmission(kind, req, this.opts);
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
}

function send(res: ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
