// HTTPS POST of a JSON body to a webhook, verifying the server with a PEM caBundle.
import { request } from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';

export interface PostOptions {
  url: string;
  caBundle?: string;
  /** Name the certificate must carry (e.g. svc.ns.svc); defaults to the URL host. */
  serverName?: string;
  timeoutMs: number;
  body: unknown;
}

export function postJson(o: PostOptions): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const u = new URL(o.url);
    if (u.protocol !== 'https:') {
      reject(new Error(`webhook URL ${o.url} must use https`));
      return;
    }
    const payload = Buffer.from(JSON.stringify(o.body));
    const servername = o.serverName ?? u.hostname;
    const req = request(
      {
        method: 'POST',
        host: u.hostname,
        port: u.port || 443,
        path: `${u.pathname}${u.search}`,
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, */*',
          'Content-Length': payload.length,
        },
        ca: o.caBundle ? [o.caBundle] : undefined,
        servername: /^[\d.]+$|:/.test(servername) ? undefined : servername,
        checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(servername, cert),
        timeout: o.timeoutMs,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : undefined });
          } catch {
            reject(new Error(`webhook ${o.url} answered with invalid JSON`));
          }
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`context deadline exceeded (Client.Timeout exceeded while awaiting headers)`)),
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export function decodeCaBundle(v: unknown): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  return Buffer.from(v, 'base64').toString('utf8');
}
